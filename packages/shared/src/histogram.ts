/**
 * A fixed-size latency histogram (log-linear buckets, after HdrHistogram) for every @netkit
 * load tester. Values are microseconds: below 256 µs each bucket is one microsecond wide, above
 * that each power of two is split into 128 buckets, so a percentile is within 1% of the true
 * value. Recording is an array increment (no allocation); memory is 3,200 counters whatever the
 * sample count; histograms from worker threads merge by adding counters, and `serialize()` gives
 * a plain, JSON- and postMessage-safe object that `merge()` and `LatencyHistogram.from()` take.
 */

import { InvalidArgumentError } from './errors.js'

const SUB_BUCKET_BITS = 7
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS // 128
/** Largest value told apart (2^31 µs, about 36 minutes); larger values land in the last bucket. */
const MAX_MICROS = 0x7fffffff
/** Enough buckets for MAX_MICROS. */
export const HISTOGRAM_BUCKETS = 25 * SUB_BUCKETS

function bucketOf(micros: number): number {
  const v = micros <= 0 ? 0 : micros >= MAX_MICROS ? MAX_MICROS : Math.floor(micros)
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
  /** The rest in the unit asked of summary(): microseconds by default. */
  min: number
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

/** A histogram as plain data: sparse `[bucket, count]` pairs, safe for JSON and postMessage. */
export interface SerializedLatencyHistogram {
  /** Bucket layout (sub-bucket bits); merging refuses another layout. */
  layout: number
  count: number
  /** Sum of the samples, µs. */
  sum: number
  min: number
  max: number
  buckets: Array<[index: number, count: number]>
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(HISTOGRAM_BUCKETS)
  count = 0
  /** Sum of the samples, µs. */
  sum = 0
  /** Smallest and largest sample, µs (0 when empty). */
  private minMicros = Number.POSITIVE_INFINITY
  max = 0

  /** A histogram rebuilt from `serialize()`'s output (another thread's or process's). */
  static from(data: SerializedLatencyHistogram): LatencyHistogram {
    const histogram = new LatencyHistogram()
    histogram.merge(data)
    return histogram
  }

  get min(): number {
    return this.count === 0 ? 0 : this.minMicros
  }

  /** Record one sample in microseconds (fractions allowed). */
  record(micros: number): void {
    this.counts[bucketOf(micros)]! += 1
    this.count++
    this.sum += micros
    if (micros < this.minMicros) this.minMicros = micros
    if (micros > this.max) this.max = micros
  }

  /** Record one sample in nanoseconds (from `process.hrtime.bigint()` differences). */
  recordNanos(nanos: number | bigint): void {
    this.record(Number(nanos) / 1000)
  }

  /** Add another histogram's samples (a live one or its serialized form) to this one. */
  merge(other: LatencyHistogram | SerializedLatencyHistogram): void {
    const data = other instanceof LatencyHistogram ? other.serialize() : other
    if (data.layout !== SUB_BUCKET_BITS) throw new InvalidArgumentError(`cannot merge a histogram with layout ${data.layout} into layout ${SUB_BUCKET_BITS}`)
    for (const [index, n] of data.buckets) if (index >= 0 && index < HISTOGRAM_BUCKETS) this.counts[index]! += n
    if (data.count === 0) return
    this.count += data.count
    this.sum += data.sum
    if (data.min < this.minMicros) this.minMicros = data.min
    if (data.max > this.max) this.max = data.max
  }

  /** The value (µs) below which `p` percent (0-100) of the samples fall; 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!
      if (seen >= rank) return Math.min(this.max, Math.max(this.minMicros, valueOf(i)))
    }
    return this.max
  }

  /** Count, min, mean, p50/p90/p99 and max, in microseconds or (`'ms'`) milliseconds rounded to the µs. */
  summary(unit: 'us' | 'ms' = 'us'): LatencySummary {
    if (this.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 }
    const out = unit === 'ms' ? (us: number) => Math.round(us) / 1000 : (us: number) => us
    return {
      count: this.count,
      min: out(this.minMicros),
      mean: out(this.sum / this.count),
      p50: out(this.percentile(50)),
      p90: out(this.percentile(90)),
      p99: out(this.percentile(99)),
      max: out(this.max),
    }
  }

  serialize(): SerializedLatencyHistogram {
    const buckets: Array<[number, number]> = []
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!])
    return { layout: SUB_BUCKET_BITS, count: this.count, sum: this.sum, min: this.min, max: this.max, buckets }
  }
}
