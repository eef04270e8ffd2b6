import type { Transform } from 'node:stream'
import type { NcFrameFormat } from '../options.js'

/**
 * --frame, built from @netkit/framing's own streams: outbound, stdin bytes are split into lines
 * (a last line without a newline counts) and each line goes out as one frame; inbound, frames
 * are decoded from the socket and each is written as one line. Loaded lazily (only sessions with
 * --frame pay for @netkit/framing). Decoder errors (oversized or truncated frames) surface as
 * the streams' errors: NetkitErrors with exit code 1.
 */
export async function frameTransforms(format: NcFrameFormat): Promise<{ encode: Transform[]; decode: Transform[] }> {
  const { codecFor, createDecodeStream, createEncodeStream, delimited, lines, DEFAULT_MAX_FRAME_SIZE } = await import('@netkit/framing')
  const codec = codecFor(format)
  return {
    encode: [createDecodeStream(lines({ allowUnterminatedEnd: true })), createEncodeStream(codec)],
    // A received frame is written as it came, then '\n' (frames up to the codec's own limit).
    decode: [createDecodeStream(codec), createEncodeStream(delimited({ maxFrameSize: DEFAULT_MAX_FRAME_SIZE }))],
  }
}
