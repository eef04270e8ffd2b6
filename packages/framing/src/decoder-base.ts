/**
 * What every decoder does around its parsing: refuse anything but bytes, stop for good at the
 * first error, and still return the frames a chunk completed before its bad bytes (the error is
 * then thrown by the next call, and is visible at once in `error`).
 */
import type { FrameDecoder } from './codec.js'
import { PendingBytes, notBytes } from './pending.js'

export abstract class DecoderBase implements FrameDecoder {
  protected readonly pending = new PendingBytes()
  private failure: Error | undefined

  abstract get buffered(): number

  /** Parse `chunk`, appending the frames it completes; throws a typed error for bad input. */
  protected abstract decode(chunk: Uint8Array, frames: Uint8Array[]): void

  /** End of input (no error so far): the last frames, or a typed error for a partial one. */
  protected abstract finish(): Uint8Array[]

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
    try {
      return this.finish()
    } catch (err) {
      this.fail(err)
      throw err
    }
  }

  protected fail(err: unknown): void {
    this.failure = err instanceof Error ? err : new Error(String(err))
    this.pending.clear()
  }
}
