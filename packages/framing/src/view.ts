/**
 * A view of bytes [start, end) of `chunk`, sharing its memory. A plain Uint8Array constructed on
 * the ArrayBuffer costs about a third of Buffer#subarray (which looks up the species constructor),
 * which matters when a chunk holds thousands of small frames.
 */
export function view(chunk: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset + start, end - start)
}
