import { InvalidArgumentError } from '@netkit/shared'
/**
 * The bytes of an incomplete frame. Keeps a list of pieces and joins them once, when the frame
 * completes, so decoding stays linear however the input is chunked. Large pieces are kept as views
 * (no copy until the join); small pieces (a peer trickling one byte at a time) are copied into a
 * growing block, so a 1 MiB frame sent byte by byte costs a few dozen list entries, not a million.
 */

/** Pieces at least this long are kept as views instead of being copied into the block. */
const VIEW_THRESHOLD = 512
/** The block for small pieces doubles up to this size, then a new block is started. */
const MAX_BLOCK = 64 * 1024

const EMPTY = new Uint8Array(0)

export class PendingBytes {
  /** Completed pieces, in order; the block (if any) comes after them. */
  private pieces: Uint8Array[] = []
  private block: Buffer | undefined
  private blockLength = 0
  /** Total bytes held. */
  length = 0

  /** Hold bytes [start, end) of `chunk` (a view for large ranges, a copy for small ones). */
  add(chunk: Uint8Array, start = 0, end = chunk.length): void {
    const n = end - start
    if (n <= 0) return
    this.length += n
    if (n >= VIEW_THRESHOLD) {
      this.sealBlock()
      this.pieces.push(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end))
      return
    }
    let block = this.block
    if (block === undefined) {
      block = this.block = Buffer.allocUnsafe(Math.max(64, n * 2))
    } else if (this.blockLength + n > block.length) {
      if (block.length < MAX_BLOCK) {
        // Doubling keeps the total copying linear (amortised).
        const grown = Buffer.allocUnsafe(Math.min(MAX_BLOCK, Math.max(block.length * 2, this.blockLength + n)))
        grown.set(block.subarray(0, this.blockLength))
        block = this.block = grown
      }
      if (this.blockLength + n > block.length) {
        this.sealBlock()
        block = this.block = Buffer.allocUnsafe(MAX_BLOCK)
      }
    }
    copyInto(block, this.blockLength, chunk, start, end)
    this.blockLength += n
  }

  /** The held bytes followed by bytes [start, end) of `chunk`, as one buffer; clears this holder. Copies at most once. */
  take(chunk: Uint8Array = EMPTY, start = 0, end = chunk.length): Uint8Array {
    const n = end - start
    const pieces = this.pieces
    const block = this.block
    let out: Uint8Array
    if (pieces.length === 0 && block !== undefined && this.blockLength + n <= block.length) {
      // Small frame: finish it in the block and hand the block out.
      copyInto(block, this.blockLength, chunk, start, end)
      out = block.subarray(0, this.blockLength + n)
    } else if (pieces.length === 1 && block === undefined && n === 0) {
      out = pieces[0]
    } else if (pieces.length === 0 && block === undefined) {
      out = chunk.subarray(start, end)
    } else {
      if (block !== undefined) pieces.push(block.subarray(0, this.blockLength))
      if (n > 0) pieces.push(chunk.subarray(start, end))
      out = join(pieces, this.length + n)
    }
    this.clear()
    return out
  }

  /** The last `n` held bytes (n <= length), copied; used to find a delimiter split across chunks. */
  tail(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let want = n
    if (this.block !== undefined && this.blockLength > 0) {
      const take = Math.min(want, this.blockLength)
      out.set(this.block.subarray(this.blockLength - take, this.blockLength), want - take)
      want -= take
    }
    for (let i = this.pieces.length - 1; i >= 0 && want > 0; i--) {
      const piece = this.pieces[i]
      const take = Math.min(want, piece.length)
      out.set(piece.subarray(piece.length - take), want - take)
      want -= take
    }
    return out
  }

  clear(): void {
    this.pieces = []
    this.block = undefined
    this.blockLength = 0
    this.length = 0
  }

  private sealBlock(): void {
    if (this.block !== undefined && this.blockLength > 0) this.pieces.push(this.block.subarray(0, this.blockLength))
    this.block = undefined
    this.blockLength = 0
  }
}

/** Copy chunk[start, end) to out[at...]; a loop beats TypedArray#set for a few bytes. */
function copyInto(out: Uint8Array, at: number, chunk: Uint8Array, start: number, end: number): void {
  if (end - start <= 16) {
    for (let i = start; i < end; i++) out[at++] = chunk[i]
  } else {
    out.set(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end), at)
  }
}

/** Concatenate into one new buffer of `total` bytes. */
export function join(pieces: readonly Uint8Array[], total: number): Buffer {
  const out = Buffer.allocUnsafe(total)
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}

/** push() got something other than bytes (a string from a stream with setEncoding, say): a programming error. */
export function notBytes(chunk: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`a frame decoder takes Uint8Array chunks, got ${typeof chunk === 'string' ? 'a string (remove setEncoding?)' : typeof chunk}`)
}
