import { Transform } from 'node:stream'
import type { NcFrameFormat } from '../options.js'

const NEWLINE = Buffer.from('\n')

/**
 * --frame: the outbound transform reads input lines and sends each as one frame; the inbound
 * transform decodes frames from the socket and writes each as one line. Loaded lazily (only
 * sessions with --frame pay for @netkit/framing). Decoder errors (oversized or truncated
 * frames) surface as the transforms' errors: NetkitErrors with exit code 1.
 */
export async function frameTransforms(format: NcFrameFormat): Promise<{ encode: Transform; decode: Transform }> {
  const { codecFor, lines } = await import('@netkit/framing')
  const codec = codecFor(format)
  const lineDecoder = lines({ allowUnterminatedEnd: true }).createDecoder()
  const encode = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        const frames = lineDecoder.push(chunk)
        if (frames.length > 0) this.push(codec.encodeMany(frames))
        cb()
      } catch (err) {
        cb(err as Error)
      }
    },
    flush(cb) {
      try {
        const frames = lineDecoder.end()
        if (frames.length > 0) this.push(codec.encodeMany(frames))
        cb()
      } catch (err) {
        cb(err as Error)
      }
    },
  })
  const frameDecoder = codec.createDecoder()
  const decode = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        const frames = frameDecoder.push(chunk)
        if (frames.length > 0) this.push(Buffer.concat(frames.flatMap((f) => [f, NEWLINE])))
        cb()
      } catch (err) {
        cb(err as Error)
      }
    },
    flush(cb) {
      try {
        const frames = frameDecoder.end()
        if (frames.length > 0) this.push(Buffer.concat(frames.flatMap((f) => [f, NEWLINE])))
        cb()
      } catch (err) {
        cb(err as Error)
      }
    },
  })
  return { encode, decode }
}
