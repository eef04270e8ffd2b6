import type { Codec, FrameDecoder } from '../src/index.js'

/** Split `bytes` into chunks of the given sizes (cycled), as a network might deliver them. */
export function rechunk(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = []
  let offset = 0
  let i = 0
  while (offset < bytes.length) {
    const size = Math.max(1, sizes[i++ % sizes.length])
    chunks.push(bytes.slice(offset, offset + size))
    offset += size
  }
  return chunks
}

/** Feed every chunk then end(); returns the frames as copies (so later pushes cannot alias them). */
export function decodeAll(codec: Codec, chunks: readonly Uint8Array[]): Uint8Array[] {
  const decoder = codec.createDecoder()
  const frames: Uint8Array[] = []
  for (const chunk of chunks) for (const frame of decoder.push(chunk)) frames.push(Uint8Array.from(frame))
  for (const frame of decoder.end()) frames.push(Uint8Array.from(frame))
  return frames
}

export function feed(decoder: FrameDecoder, ...chunks: Uint8Array[]): string[] {
  const out: string[] = []
  for (const chunk of chunks) for (const frame of decoder.push(chunk)) out.push(Buffer.from(frame).toString('latin1'))
  return out
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)
export const text = (s: string): Uint8Array => Buffer.from(s, 'latin1')
export const str = (frames: readonly Uint8Array[]): string[] => frames.map((f) => Buffer.from(f).toString('latin1'))
