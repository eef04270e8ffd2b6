/**
 * A fixed-size latency histogram in microseconds (log-linear buckets, after HdrHistogram):
 * values below 256 µs are exact, above that each power of two is split into 128 buckets, so a
 * percentile is within 1% of the true value. Recording is an array increment (no allocation),
 * memory is 3,200 counters whatever the sample count, and histograms from worker threads merge
 * by adding counters.
 */

const SUB_BUCKET_BITS = 7
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS // 128
/** Enough buckets for 2^31 µs (35 minutes); larger values land in the last bucket. */
export const HISTOGRAM_BUCKETS = 25 * SUB_BUCKETS

function bucketOf(micros: number): number {
  const v = micros <= 0 ? 0 : micros >= 0x7fffffff ? 0x7fffffff : Math.floor(micros)
  if (v < 2 * SUB_BUCKETS) return v
  const shift = 31 - Math.clz32(v) - SUB_BUCKET_BITS
  const index = shift * SUB_BUCKETS + (v >>> shift)
  return index < HISTOGRAM_BUCKETS ? index : HISTOGRAM_BUCKETS - 1
}

/** The middle of a bucket's range, in microseconds. */
function valueOf(index: number): number {
  if (index < 2 * SUB_BUCKETS) return index
  const shift = Math.floor(index / SUB_BUCKETS) - 1
  const mantissa = index - shift * SUB_BUCKETS
  return mantissa * 2 ** shift + (2 ** shift - 1) / 2
}

export interface LatencySummary {
  /** Number of samples. */
  count: number
  /** Microseconds. */
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

export class LatencyHistogram {
  readonly counts: Uint32Array
  count = 0
  sum = 0
  max = 0

  constructor(counts?: Uint32Array) {
    this.counts = counts ?? new Uint32Array(HISTOGRAM_BUCKETS)
  }

  /** Record one sample in microseconds. */
  record(micros: number): void {
    this.counts[bucketOf(micros)]!++
    this.count++
    this.sum += micros
    if (micros > this.max) this.max = micros
  }

  merge(other: { counts: ArrayLike<number>; count: number; sum: number; max: number }): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i]! += other.counts[i] ?? 0
    this.count += other.count
    this.sum += other.sum
    if (other.max > this.max) this.max = other.max
  }

  /** The value below which `q` (0..1) of the samples fall, in microseconds. */
  quantile(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(valueOf(i), this.max)
    }
    return this.max
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      mean: this.count === 0 ? 0 : this.sum / this.count,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.max,
    }
  }
}
