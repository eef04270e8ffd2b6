/**
 * A log-linear latency histogram (after HdrHistogram): fixed memory whatever the run length,
 * about 1.6% precision. Values are recorded in microseconds; summaries are in milliseconds.
 */

/** 64 sub-buckets per power of two: values below 64 µs are exact, larger ones within 1/64. */
const SUB_BITS = 6
const SUB_COUNT = 1 << SUB_BITS
/** Values are capped at 2^31-1 µs (about 36 minutes): far beyond any timeout we use. */
const MAX_VALUE = 2 ** 31 - 1
const BUCKETS = (31 - SUB_BITS + 1) * SUB_COUNT

export interface LatencySummary {
  /** Number of samples. */
  count: number
  min: number
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

function indexOf(us: number): number {
  const v = Math.min(MAX_VALUE, Math.max(0, Math.round(us)))
  if (v < SUB_COUNT) return v
  const exponent = 31 - Math.clz32(v)
  const shift = exponent - SUB_BITS
  return (shift + 1) * SUB_COUNT + ((v >>> shift) - SUB_COUNT)
}

function valueOf(index: number): number {
  if (index < SUB_COUNT) return index
  const shift = Math.floor(index / SUB_COUNT) - 1
  const low = ((index % SUB_COUNT) + SUB_COUNT) * 2 ** shift
  return low + 2 ** shift / 2
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS)
  count = 0
  private sum = 0
  private minUs = Infinity
  private maxUs = 0

  /** Record one latency in microseconds. */
  record(us: number): void {
    this.counts[indexOf(us)]! += 1
    this.count++
    this.sum += us
    if (us < this.minUs) this.minUs = us
    if (us > this.maxUs) this.maxUs = us
  }

  /** Add another histogram's samples to this one (per-worker histograms). */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!
    this.count += other.count
    this.sum += other.sum
    this.minUs = Math.min(this.minUs, other.minUs)
    this.maxUs = Math.max(this.maxUs, other.maxUs)
  }

  /** The latency (µs) below which `p` percent of the samples fall. */
  percentile(p: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(this.maxUs, Math.max(this.minUs, valueOf(i)))
    }
    return this.maxUs
  }

  /** Count, min, mean, p50/p90/p99 and max, in milliseconds. */
  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000
    if (this.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 }
    return {
      count: this.count,
      min: ms(this.minUs),
      mean: ms(this.sum / this.count),
      p50: ms(this.percentile(50)),
      p90: ms(this.percentile(90)),
      p99: ms(this.percentile(99)),
      max: ms(this.maxUs),
    }
  }
}
