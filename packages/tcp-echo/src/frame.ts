import { codecFor, delimited, FRAME_FORMATS, ZERO_COPY_ENCODE_MIN, type Codec, type FrameFormat } from '@netkit/framing'
import { InvalidArgumentError } from '@netkit/shared'
import type { FrameEchoer } from './connection.js'

export type { FrameFormat }

/**
 * Frame mode: the decoder of @netkit/framing splits the input, and each complete frame is written
 * back as its wire bytes. For `lines` the decoder keeps the delimiter (and any '\r' before it), so
 * the echo is byte for byte what was sent; for length-prefixed formats the frame is re-encoded,
 * which gives the same bytes (the decoders reject non-minimal varints). Large payloads go out as
 * [header, payload] views (no copy).
 */
export function frameEchoerFor(frame: FrameFormat | Codec, options: { maxFrameSize?: number } = {}): () => FrameEchoer {
  if (typeof frame === 'string' && !FRAME_FORMATS.includes(frame)) {
    throw new InvalidArgumentError(`invalid frame format: ${JSON.stringify(frame)} (use ${FRAME_FORMATS.join(', ')})`)
  }
  if (frame === 'lines') {
    const codec = delimited({ delimiter: '\n', keepDelimiter: true, maxFrameSize: options.maxFrameSize })
    return () => {
      const decoder = codec.createDecoder()
      return { decoder, push: (chunk) => decoder.push(chunk), end: () => decoder.end() }
    }
  }
  const codec = typeof frame === 'string' ? codecFor(frame, { maxFrameSize: options.maxFrameSize }) : frame
  const wire = (frames: Uint8Array[]): Uint8Array[] => {
    const out: Uint8Array[] = []
    for (const payload of frames) {
      if (payload.length >= ZERO_COPY_ENCODE_MIN && codec.frameParts) out.push(...codec.frameParts(payload))
      else out.push(codec.encode(payload))
    }
    return out
  }
  return () => {
    const decoder = codec.createDecoder()
    return { decoder, push: (chunk) => wire(decoder.push(chunk)), end: () => wire(decoder.end()) }
  }
}
