/**
 * Deterministic message payloads for the load tester, so verifying an echo is a Buffer#compare
 * against one buffer made per run: no per-message allocation, no hashing.
 *
 * Message `k` of a connection starting at `start` is the window of `size` bytes at
 * `(start + k * size) % PATTERN_PERIOD`. Text payloads are printable ASCII (valid UTF-8 whatever
 * the window); binary payloads use every byte value. The period is a prime, so neighbouring
 * connections and messages never line up by luck.
 */
export const PATTERN_PERIOD = 65_537

export class Pattern {
  readonly bytes: Buffer
  readonly size: number

  constructor(size: number, binary: boolean) {
    this.size = size
    const bytes = Buffer.allocUnsafe(PATTERN_PERIOD + size)
    let x = 0x9e3779b9
    for (let i = 0; i < PATTERN_PERIOD; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      bytes[i] = binary ? x & 0xff : 0x21 + ((x >>> 0) % 94)
    }
    for (let i = PATTERN_PERIOD; i < bytes.length; i++) bytes[i] = bytes[i - PATTERN_PERIOD]!
    this.bytes = bytes
  }

  /** Where connection `id` starts: different connections send different bytes. */
  static start(id: number): number {
    return (id * 7_919 + 1) % PATTERN_PERIOD
  }

  private offset(start: number, k: number): number {
    return (start + ((k * this.size) % PATTERN_PERIOD)) % PATTERN_PERIOD
  }

  /** Payload of message `k` (a view, never copied). */
  message(start: number, k: number): Buffer {
    const offset = this.offset(start, k)
    return this.bytes.subarray(offset, offset + this.size)
  }

  /** Whether `data` is `prefix` followed by message `k`. */
  matches(data: Buffer, prefix: Buffer, start: number, k: number): boolean {
    const p = prefix.length
    if (data.length !== p + this.size) return false
    if (p > 0 && prefix.compare(data, 0, p) !== 0) return false
    const offset = this.offset(start, k)
    return this.bytes.compare(data, p, data.length, offset, offset + this.size) === 0
  }
}
