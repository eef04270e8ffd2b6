/**
 * The decoding loop shared by the length-prefixed and varint codecs: read a header that announces
 * the payload size, check it against the limit before holding anything, then return the payload as
 * a view when it lies inside the chunk, or gather it in PendingBytes and join it once when complete.
 */
import type { FrameDecoder } from './codec.js'
import { FrameTruncatedError } from './errors.js'
import { PendingBytes, notBytes } from './pending.js'

export abstract class LengthDecoder implements FrameDecoder {
  /** Payload size of the frame being read, or -1 while reading a header. */
  protected need = -1
  protected readonly pending = new PendingBytes()
  private failure: Error | undefined

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

  get error(): Error | undefined {
    return this.failure
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failure !== undefined) throw this.failure
    if (!(chunk instanceof Uint8Array)) throw notBytes(chunk)
    const frames: Uint8Array[] = []
    try {
      this.decode(chunk, frames)
    } catch (err) {
      this.fail(err)
      if (frames.length === 0) throw err
    }
    return frames
  }

  end(): Uint8Array[] {
    if (this.failure !== undefined) throw this.failure
    const buffered = this.buffered
    if (buffered > 0 || this.need > 0) {
      const err = new FrameTruncatedError(
        buffered,
        this.need >= 0
          ? `input ended inside a frame: ${this.pending.length} of ${this.need} payload bytes received`
          : `input ended inside a frame header (${buffered} bytes)`,
      )
      this.fail(err)
      throw err
    }
    return []
  }

  protected fail(err: unknown): void {
    this.failure = err instanceof Error ? err : new Error(String(err))
    this.pending.clear()
  }

  private decode(chunk: Uint8Array, frames: Uint8Array[]): void {
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
