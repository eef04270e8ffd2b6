/**
 * Per-source admission for the echo server (sans-I/O: the caller passes the clock).
 *
 * A UDP echo server answers whatever address a datagram claims to come from, so on a public
 * address it can be used to reflect traffic at a victim. Each source address gets a token
 * bucket of `rate` datagrams per second (`burst` at most at once); excess is dropped.
 * The table of sources is bounded: sources idle long enough to have a full bucket are
 * forgotten (which changes nothing, a new bucket is full too), and when the table is still
 * full the oldest entry is evicted, so a flood of spoofed addresses costs O(1) memory.
 */

import { InvalidArgumentError } from '@netkit/shared'

/** Default per-source limit (datagrams/s) when bound to an address other than loopback. */
export const DEFAULT_RATE_LIMIT = 100
/** Default number of source addresses remembered at once. */
export const DEFAULT_MAX_SOURCES = 65_536
/** A silent source is forgotten after this long (and counted again if it returns). */
export const SOURCE_IDLE_MS = 60_000

/** What to do with one datagram. `new` and `limit-start` are first occurrences, for events. */
export type Admission = 'allowed' | 'new' | 'limited' | 'limit-start'

interface SourceEntry {
  tokens: number
  updatedMs: number
  limited: boolean
}

export interface SourceLimiterOptions {
  /** Datagrams per second per source; 0 means no limit (sources are still counted). */
  rate: number
  /** Bucket size: datagrams a quiet source may send at once (default: one second's worth). */
  burst?: number
  maxSources?: number
  idleMs?: number
}

export class SourceLimiter {
  readonly rate: number
  readonly burst: number
  readonly maxSources: number
  private readonly idleMs: number
  private readonly entries = new Map<string, SourceEntry>()
  private lastPruneMs = -Infinity
  /** Sources first seen (a source forgotten after being idle counts again). */
  seen = 0

  constructor(options: SourceLimiterOptions) {
    if (!(options.rate >= 0) || !Number.isFinite(options.rate)) throw new InvalidArgumentError(`rate must be a number >= 0, got ${options.rate}`)
    this.rate = options.rate
    this.burst = Math.max(1, options.burst ?? Math.ceil(options.rate))
    this.maxSources = Math.max(1, options.maxSources ?? DEFAULT_MAX_SOURCES)
    // A bucket refills completely in burst/rate seconds; forgetting it earlier would hand out a fresh one.
    const refillMs = this.rate > 0 ? (this.burst / this.rate) * 1000 : 0
    this.idleMs = Math.max(options.idleMs ?? SOURCE_IDLE_MS, refillMs)
  }

  /** Sources remembered right now. */
  get size(): number {
    return this.entries.size
  }

  admit(source: string, nowMs: number): Admission {
    let entry = this.entries.get(source)
    let fresh = false
    if (entry === undefined) {
      if (this.entries.size >= this.maxSources) this.makeRoom(nowMs)
      entry = { tokens: this.burst, updatedMs: nowMs, limited: false }
      this.entries.set(source, entry)
      this.seen++
      fresh = true
    }
    if (this.rate === 0) {
      entry.updatedMs = nowMs
      return fresh ? 'new' : 'allowed'
    }
    const elapsed = nowMs - entry.updatedMs
    if (elapsed > 0) entry.tokens = Math.min(this.burst, entry.tokens + (elapsed * this.rate) / 1000)
    entry.updatedMs = nowMs
    if (entry.tokens >= 1) {
      entry.tokens -= 1
      entry.limited = false
      return fresh ? 'new' : 'allowed'
    }
    if (entry.limited) return 'limited'
    entry.limited = true
    return 'limit-start'
  }

  /** Forget sources idle for long enough that forgetting them changes nothing. Returns how many. */
  prune(nowMs: number): number {
    this.lastPruneMs = nowMs
    let removed = 0
    for (const [source, entry] of this.entries) {
      if (nowMs - entry.updatedMs >= this.idleMs) {
        this.entries.delete(source)
        removed++
      }
    }
    return removed
  }

  private makeRoom(nowMs: number): void {
    // A full sweep is O(n); under a flood of new sources run it at most once a second.
    if (nowMs - this.lastPruneMs >= 1000 && this.prune(nowMs) > 0) return
    const oldest = this.entries.keys().next()
    if (!oldest.done) this.entries.delete(oldest.value)
  }
}
