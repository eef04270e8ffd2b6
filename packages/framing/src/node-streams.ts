/**
 * Node stream adapters. Backpressure comes from Transform itself: it holds back the write callback
 * while the readable side is full, so a slow consumer stops the source (one chunk's frames at most
 * are queued beyond the high-water mark).
 */
import { Transform, type TransformOptions } from 'node:stream'
import { ZERO_COPY_ENCODE_MIN, type Codec } from './codec.js'

export type FrameStreamOptions = Pick<TransformOptions, 'highWaterMark' | 'readableHighWaterMark' | 'writableHighWaterMark' | 'signal'>

/** Object mode in (one payload per write), bytes out (one framed buffer per payload). */
export function createNodeEncodeStream(codec: Codec, options: FrameStreamOptions = {}): Transform {
  return new Transform({
    ...options,
    writableObjectMode: true,
    readableObjectMode: false,
    transform(payload: Uint8Array, _encoding, callback) {
      let framed: Uint8Array[]
      try {
        // Large payloads go out as header + payload: a socket writes both with one writev, no copy.
        framed = payload.length >= ZERO_COPY_ENCODE_MIN && codec.frameParts !== undefined ? codec.frameParts(payload) : [codec.encode(payload)]
      } catch (err) {
        callback(err as Error)
        return
      }
      for (let i = 0; i < framed.length; i++) this.push(framed[i])
      callback()
    },
  })
}

/**
 * Bytes in, object mode out (one Uint8Array per frame). A decode error errors the stream once, after
 * every frame decoded before it has been read: erroring at once would make pipeline() destroy the
 * frames still queued. Until then the write callback is held, so nothing more is written.
 */
export function createNodeDecodeStream(codec: Codec, options: FrameStreamOptions = {}): Transform {
  const decoder = codec.createDecoder()
  const fail = (error: Error, callback: (error?: Error | null) => void): void => {
    if (stream.readableLength === 0) {
      callback(error)
      return
    }
    // Frames are queued: hold the callback (nothing more is written) and error the stream once the
    // consumer has read the last of them, whichever way it reads (pipe, pipeline, async iterator).
    const read = stream.read
    let scheduled = false
    stream.read = function (this: Transform, size?: number): unknown {
      const frame: unknown = read.call(this, size)
      if (!scheduled && this.readableLength === 0) {
        scheduled = true
        process.nextTick(() => this.destroy(error))
      }
      return frame
    }
  }
  const stream = new Transform({
    ...options,
    writableObjectMode: false,
    readableObjectMode: true,
    transform(chunk: Uint8Array, _encoding, callback) {
      let frames: Uint8Array[]
      try {
        frames = decoder.push(chunk)
      } catch (err) {
        fail(err as Error, callback)
        return
      }
      for (let i = 0; i < frames.length; i++) this.push(frames[i])
      if (decoder.error !== undefined) fail(decoder.error, callback)
      else callback()
    },
    flush(callback) {
      let frames: Uint8Array[]
      try {
        frames = decoder.end()
      } catch (err) {
        fail(err as Error, callback)
        return
      }
      for (let i = 0; i < frames.length; i++) this.push(frames[i])
      callback()
    },
  })
  return stream
}

/**
 * @deprecated Renamed to {@link createNodeEncodeStream} (the Node half of the pair; the WHATWG one
 * is `createWebEncodeStream`). This alias goes away in the next minor release.
 */
export const createEncodeStream = createNodeEncodeStream

/**
 * @deprecated Renamed to {@link createNodeDecodeStream} (the Node half of the pair; the WHATWG one
 * is `createWebDecodeStream`). This alias goes away in the next minor release.
 */
export const createDecodeStream = createNodeDecodeStream
