/**
 * Output buffers for encode(). Small frames are carved out of a shared 64 KiB slab: Buffer's own
 * pool is 8 KiB, so 1 KiB frames would start a new pool every seventh call and cost twice as much.
 * As with Buffer.allocUnsafe, a small frame shares its ArrayBuffer with its neighbours.
 */
const SLAB_SIZE = 64 * 1024
/** Larger outputs get their own buffer. */
const SLAB_MAX = 4 * 1024

// Allocated on first use, so importing the package costs nothing.
let slab: ArrayBufferLike | undefined
let used = SLAB_SIZE

/** `size` uninitialised bytes (the caller writes every one of them). */
export function allocFrame(size: number): Uint8Array {
  if (size > SLAB_MAX) return Buffer.allocUnsafe(size)
  if (used + size > SLAB_SIZE || slab === undefined) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE).buffer
    used = 0
  }
  const out = new Uint8Array(slab, used, size)
  // Keep the next frame 8-byte aligned.
  used = (used + size + 7) & ~7
  return out
}
