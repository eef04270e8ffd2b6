/** Async-iterable adapter: `for await (const frame of decodeFrames(socket, codec))`. */
import { ZERO_COPY_ENCODE_MIN, type Codec } from './codec.js'

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

/** The framed bytes of `payloads`: one buffer per small payload, header and payload (no copy) for large ones. */
export async function* encodeFrames(payloads: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, codec: Codec): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const payload of payloads) {
    if (payload.length >= ZERO_COPY_ENCODE_MIN && codec.frameParts !== undefined) yield* codec.frameParts(payload)
    else yield codec.encode(payload)
  }
}
