/** WHATWG TransformStreams, for code that uses web streams (fetch bodies, Deno, workers). */
import { ZERO_COPY_ENCODE_MIN, type Codec } from './codec.js'

/** Payloads in, framed bytes out. */
export function createWebEncodeStream(codec: Codec): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(payload, controller) {
      if (payload.length >= ZERO_COPY_ENCODE_MIN && codec.frameParts !== undefined) {
        for (const part of codec.frameParts(payload)) controller.enqueue(part)
      } else {
        controller.enqueue(codec.encode(payload))
      }
    },
  })
}

/** Erroring the stream drops queued chunks: let the reader take the frames before the error. */
async function failAfterDrain(controller: TransformStreamDefaultController<Uint8Array>, error: Error): Promise<void> {
  while ((controller.desiredSize ?? 0) < 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2)
      // A reader that never comes back must not keep the process alive.
      ;(timer as { unref?: () => void }).unref?.()
    })
  }
  throw error
}

/** Bytes in, one Uint8Array per frame out. A decode error errors both sides, after the frames before it. */
export function createWebDecodeStream(codec: Codec): TransformStream<Uint8Array, Uint8Array> {
  const decoder = codec.createDecoder()
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const frames = decoder.push(chunk)
      for (let i = 0; i < frames.length; i++) controller.enqueue(frames[i])
      const error = decoder.error
      if (error !== undefined) return failAfterDrain(controller, error)
    },
    flush(controller) {
      for (const frame of decoder.end()) controller.enqueue(frame)
    },
  })
}

/**
 * @deprecated Renamed to {@link createWebEncodeStream} (the WHATWG half of the pair; the Node one
 * is `createNodeEncodeStream`). This alias goes away in the next minor release.
 */
export const createEncoderStream = createWebEncodeStream

/**
 * @deprecated Renamed to {@link createWebDecodeStream} (the WHATWG half of the pair; the Node one
 * is `createNodeDecodeStream`). This alias goes away in the next minor release.
 */
export const createDecoderStream = createWebDecodeStream
