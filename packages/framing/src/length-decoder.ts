/**
 * The decoding loop shared by the length-prefixed and varint codecs: read a header that announces
 * the payload size, check it against the limit before holding anything, then return the payload as
 * a view when it lies inside the chunk, or gather it in PendingBytes and join it once when complete.
 */
import { DecoderBase } from './decoder-base.js'
import { FrameTruncatedError } from './errors.js'

export abstract class LengthDecoder extends DecoderBase {
  /** Payload size of the frame being read, or -1 while reading a header. */
  protected need = -1

  /** Header bytes held from an incomplete header. */
  protected abstract get headerBuffered(): number

  /**
   * Read a header starting at `offset`. Returns the offset after it and sets `need` (checked
   * against the limit), or returns `chunk.length` with `need` still -1 if the header is incomplete
   * (its bytes are kept). Throws a typed error for a bad or too large header.
   */
  protected abstract readHeader(chunk: Uint8Array, offset: number): number

  get buffered(): number {
    return this.headerBuffered + this.pending.length
  }

  protected finish(): Uint8Array[] {
    const buffered = this.buffered
    if (buffered > 0 || this.need > 0) {
      throw new FrameTruncatedError(
        buffered,
        this.need >= 0
          ? `input ended inside a frame: ${this.pending.length} of ${this.need} payload bytes received`
          : `input ended inside a frame header (${buffered} bytes)`,
      )
    }
    return []
  }

  protected decode(chunk: Uint8Array, frames: Uint8Array[]): void {
    const length = chunk.length
    // Read once per chunk: the getters cost more than building a view itself.
    const arrayBuffer = chunk.buffer
    const base = chunk.byteOffset
    let offset = 0
    while (offset < length) {
      if (this.need < 0) {
        offset = this.readHeader(chunk, offset)
        if (this.need < 0) return
        if (this.need === 0) {
          frames.push(chunk.subarray(offset, offset))
          this.need = -1
          continue
        }
      }
      const need = this.need
      const available = length - offset
      const pending = this.pending
      if (pending.length === 0) {
        if (available >= need) {
          // Fast track: the whole payload is in this chunk, return a view.
          frames.push(new Uint8Array(arrayBuffer, base + offset, need))
          offset += need
          this.need = -1
          continue
        }
        pending.add(chunk, offset, length)
        return
      }
      const missing = need - pending.length
      if (available >= missing) {
        frames.push(pending.take(chunk, offset, offset + missing))
        offset += missing
        this.need = -1
      } else {
        pending.add(chunk, offset, length)
        return
      }
    }
  }
}
