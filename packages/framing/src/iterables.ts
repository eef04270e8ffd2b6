/** Async-iterable adapter: `for await (const frame of decodeFrames(socket, codec))`. */
import type { Codec } from './codec.js'

/**
 * The frames in `source`. Pulls the next chunk only when the consumer asks for a frame that is not
 * decoded yet, so a slow consumer slows the source. Breaking out of the loop closes the source.
 */
export async function* decodeFrames(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, codec: Codec): AsyncGenerator<Uint8Array, void, undefined> {
  const decoder = codec.createDecoder()
  for await (const chunk of source) {
    const frames = decoder.push(chunk)
    for (let i = 0; i < frames.length; i++) yield frames[i]
    if (decoder.error !== undefined) throw decoder.error
  }
  yield* decoder.end()
}

/** The framed bytes of `payloads`, one buffer per payload. */
export async function* encodeFrames(payloads: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, codec: Codec): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const payload of payloads) yield codec.encode(payload)
}
