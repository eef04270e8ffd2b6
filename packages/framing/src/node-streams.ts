/**
 * Node stream adapters. Backpressure comes from Transform itself: it holds back the write callback
 * while the readable side is full, so a slow consumer stops the source (one chunk's frames at most
 * are queued beyond the high-water mark).
 */
import { Transform, type TransformOptions } from 'node:stream'
import { ZERO_COPY_ENCODE_MIN, type Codec } from './codec.js'

export type FrameStreamOptions = Pick<TransformOptions, 'highWaterMark' | 'readableHighWaterMark' | 'writableHighWaterMark' | 'signal'>

/** Object mode in (one payload per write), bytes out (one framed buffer per payload). */
export function createEncodeStream(codec: Codec, options: FrameStreamOptions = {}): Transform {
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

function keepQueuedFrames(stream: Transform): void {
  const state = stream as unknown as { _readableState?: { autoDestroy: boolean }; _writableState?: { autoDestroy: boolean } }
  if (state._readableState) state._readableState.autoDestroy = false
  if (state._writableState) state._writableState.autoDestroy = false
}

/** Bytes in, object mode out (one Uint8Array per frame). A decode error destroys the stream once, after the frames before it. */
export function createDecodeStream(codec: Codec, options: FrameStreamOptions = {}): Transform {
  const decoder = codec.createDecoder()
  return new Transform({
    ...options,
    writableObjectMode: false,
    readableObjectMode: true,
    transform(chunk: Uint8Array, _encoding, callback) {
      let frames: Uint8Array[]
      try {
        frames = decoder.push(chunk)
      } catch (err) {
        callback(err as Error)
        return
      }
      for (let i = 0; i < frames.length; i++) this.push(frames[i])
      const error = decoder.error
      if (error !== undefined && this.readableLength > 0) {
        // Destroying now would drop the frames still queued; leaving the stream errored but not
        // destroyed lets read() and async iteration return them before the error.
        keepQueuedFrames(this)
      }
      callback(error ?? null)
    },
    flush(callback) {
      let frames: Uint8Array[]
      try {
        frames = decoder.end()
      } catch (err) {
        callback(err as Error)
        return
      }
      for (let i = 0; i < frames.length; i++) this.push(frames[i])
      callback()
    },
  })
}
