/**
 * Latency percentiles with bounded memory: microsecond samples in log-linear buckets (exact below
 * 128 µs, then 64 buckets per power of two, so a percentile is within about 1.6%). Recording is
 * one array increment.
 */
const SUB_BITS = 6
const SUB = 1 << SUB_BITS
const BUCKETS = 26 * SUB

function bucketOf(us: number): number {
  const v = us <= 0 ? 0 : Math.min(Math.floor(us), 0x7fffffff)
  if (v < 2 * SUB) return v
  const shift = 31 - Math.clz32(v) - SUB_BITS
  return Math.min(shift * SUB + (v >>> shift), BUCKETS - 1)
}

function lowerBound(index: number): number {
  if (index < 2 * SUB) return index
  const shift = Math.floor(index / SUB) - 1
  return (index - shift * SUB) * 2 ** shift
}

export interface LatencySummary {
  count: number
  /** Microseconds. */
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS)
  private count = 0
  private sum = 0
  private max = 0

  record(us: number): void {
    this.counts[bucketOf(us)]!++
    this.count++
    this.sum += us
    if (us > this.max) this.max = us
  }

  private quantile(q: number): number {
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(lowerBound(i), this.max)
    }
    return this.max
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 }
    return { count: this.count, mean: this.sum / this.count, p50: this.quantile(0.5), p90: this.quantile(0.9), p99: this.quantile(0.99), max: this.max }
  }
}
