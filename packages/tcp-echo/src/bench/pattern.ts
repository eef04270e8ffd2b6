/**
 * Deterministic byte patterns for the load tester, so verifying an echo is a memcmp against a
 * buffer made once, never a hash or a copy.
 *
 * A stream is the infinite sequence `PATTERN[(start + i) % PATTERN_PERIOD]`. The period is a prime
 * just above 64 KiB (the largest read libuv hands us), and the buffer holds the period twice, so
 * any window of up to one period starting anywhere is one contiguous view.
 */

export const PATTERN_PERIOD = 65_537

let doubled: Buffer | undefined

/** The pattern, twice over (2 × PATTERN_PERIOD bytes), built once per thread. */
export function patternBuffer(): Buffer {
  if (doubled) return doubled
  const buf = Buffer.allocUnsafe(PATTERN_PERIOD * 2)
  // A cheap generator (xorshift) gives bytes with no short period, so a server that repeats or
  // drops a block, or swaps two connections' data, cannot produce the expected bytes by luck.
  let x = 0x9e3779b9
  for (let i = 0; i < PATTERN_PERIOD; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    buf[i] = x & 0xff
  }
  buf.copy(buf, PATTERN_PERIOD, 0, PATTERN_PERIOD)
  doubled = buf
  return buf
}

/** Where connection `id`'s stream starts in the pattern: different connections, different bytes. */
export function patternStart(id: number): number {
  return (id * 7_919 + 1) % PATTERN_PERIOD
}

/**
 * Compare the first `length` bytes of `chunk` with the pattern stream at absolute position `position` (relative to `start`);
 * true when every byte matches. No allocation: Buffer#compare on ranges.
 */
export function matchesPattern(chunk: Uint8Array, start: number, position: number, length = chunk.length): boolean {
  const pattern = patternBuffer()
  let offset = (start + position) % PATTERN_PERIOD
  let done = 0
  while (done < length) {
    const n = Math.min(length - done, PATTERN_PERIOD)
    if (pattern.compare(chunk, done, done + n, offset, offset + n) !== 0) return false
    done += n
    offset = (offset + n) % PATTERN_PERIOD
  }
  return true
}

/** A view of `length` (at most PATTERN_PERIOD) pattern bytes at stream position `position`. */
export function patternView(start: number, position: number, length: number): Buffer {
  const offset = (start + position) % PATTERN_PERIOD
  return patternBuffer().subarray(offset, offset + length)
}
