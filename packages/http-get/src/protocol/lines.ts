import { HttpParseError } from '../errors.js'

const LF = 0x0a
const CR = 0x0d

/** Latin-1 keeps every byte as one char, so odd bytes in a header survive a round trip. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/**
 * Collects one line (ended by LF, a CR before it dropped: bare LF is tolerated like curl does)
 * across pushed chunks. Only the bytes of the unfinished line are kept (copied, since the caller
 * may reuse its buffer), so input of any size and chunking is scanned once.
 */
export class LineReader {
  /** Where scanning stopped in the last chunk given to read(). */
  position = 0
  /** Bytes the last completed line took, terminator included. */
  lastLength = 0
  private pieces: Uint8Array[] = []
  private pendingLength = 0

  /** Bytes held for a line not finished yet. */
  get buffered(): number {
    return this.pendingLength
  }

  /**
   * The first `count` bytes of the current line (held bytes, then chunk[pos...] up to its LF), as
   * latin1; undefined while fewer than `count` bytes of it are known.
   */
  lineStart(chunk: Uint8Array, pos: number, count: number): string | undefined {
    const lf = chunk.indexOf(LF, pos)
    const available = this.pendingLength + (lf === -1 ? chunk.length : lf) - pos
    if (available < count) return undefined
    let start = ''
    for (const piece of this.pieces) {
      start += latin1(piece.subarray(0, count - start.length))
      if (start.length === count) return start
    }
    return start + latin1(chunk.subarray(pos, pos + count - start.length))
  }

  /**
   * Reads from chunk[pos...]. Returns the finished line without its terminator, or undefined when
   * the chunk ended first (its bytes are kept). Throws as soon as the line would pass `budget`
   * bytes (terminator included), before keeping any more of it.
   */
  read(chunk: Uint8Array, pos: number, budget: number, tooLarge: () => HttpParseError): string | undefined {
    const lf = chunk.indexOf(LF, pos)
    if (lf === -1) {
      const more = chunk.length - pos
      // The LF still to come needs one more byte of budget.
      if (this.pendingLength + more + 1 > budget) throw tooLarge()
      if (more > 0) {
        this.pieces.push(new Uint8Array(chunk.subarray(pos))) // a copy: Buffer#slice would be a view
        this.pendingLength += more
      }
      this.position = chunk.length
      return undefined
    }
    const length = this.pendingLength + (lf - pos) + 1
    if (length > budget) throw tooLarge()
    let bytes: Uint8Array
    if (this.pieces.length === 0) {
      bytes = chunk.subarray(pos, lf)
    } else {
      this.pieces.push(chunk.subarray(pos, lf))
      bytes = Buffer.concat(this.pieces, length - 1)
      this.pieces = []
      this.pendingLength = 0
    }
    this.position = lf + 1
    this.lastLength = length
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length
    return latin1(bytes.subarray(0, end))
  }
}
