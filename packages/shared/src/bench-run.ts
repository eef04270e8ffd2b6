import { performance } from 'node:perf_hooks'
import { ErrorCode } from './codes.js'
import { NetkitError, toNetworkError, type NetworkContext } from './errors.js'
import { LatencyHistogram, type LatencySummary } from './histogram.js'

/**
 * What every verifying load tester of the family (tcp-echo, ws-echo) counts and how it keeps
 * time: the counters, error samples, latency histogram, the clock, the duration deadline, the
 * progress ticker and the stall check. A tester's run class extends it with its clients and
 * says how they stop.
 */

export interface BenchProgress {
  elapsedMs: number
  /** Units of work verified so far (connections, messages, writes). */
  completed: number
  bytes: number
  errors: number
  mismatches: number
}

/** How a run is controlled, the same for every connection-based tester (tcp-echo, ws-echo). */
export interface BenchRunControls {
  /** Give up on setting a connection up after this many ms (default 10,000). */
  connectTimeout?: number
  /** Stop with an error when no echo arrives for this many ms (default 10,000). */
  stallTimeout?: number
  /** Called about every 250 ms while running. */
  onProgress?: (progress: BenchProgress) => void
  /** Stop early and report what was measured so far. */
  signal?: AbortSignal
}

/** The measurements every tester reports, beside its own fields (target, mode, sizes). */
export interface BenchTotals {
  /** Measured time, ms (from the start of the load, handshakes excluded). */
  durationMs: number
  /** Connections opened. */
  connects: number
  completed: number
  bytes: number
  perSecond: number
  bytesPerSecond: number
  /** Errors: failed connects, socket errors, stalls, a server closing a connection. */
  errors: number
  /** Echoes that differed from what was sent. */
  mismatches: number
  /** Up to five distinct error descriptions, for the report. */
  errorSamples: string[]
  /** Stopped early (SIGINT, an abort signal). */
  aborted: boolean
}

export interface BenchTiming {
  /** End the run after this many ms; undefined: when the work runs out. */
  duration?: number
  /** Fail the run when nothing was verified for this many ms. */
  stallTimeout: number
  onProgress?: (progress: BenchProgress) => void
}

const MAX_ERROR_SAMPLES = 5
const PROGRESS_INTERVAL_MS = 250

export abstract class BenchTally {
  readonly histogram = new LatencyHistogram()
  completed = 0
  bytes = 0
  errors = 0
  mismatches = 0
  connects = 0
  firstError: unknown
  stopped = false
  aborted = false
  protected startedAt = 0
  protected endedAt = 0
  private readonly samples = new Set<string>()
  private lastProgressAt = 0
  private lastCompleted = -1
  private lastBytes = -1
  private deadline: NodeJS.Timeout | undefined
  private ticker: NodeJS.Timeout | undefined

  /** `target` words error samples (`connect to 127.0.0.1 port 7 failed: …`). */
  constructor(
    protected readonly target: NetworkContext,
    private readonly timing: BenchTiming,
  ) {}

  /** Connect, run the load and resolve when the run is over. */
  abstract execute(): Promise<void>

  /** Stop the clients (destroy them); called once, by stop(). */
  protected abstract stopClients(): void

  /** execute(), stopped early (and marked aborted) when `signal` aborts. */
  async executeUntil(signal: AbortSignal | undefined): Promise<void> {
    const onAbort = () => this.stop(true)
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (signal?.aborted) this.stop(true)
      else await this.execute()
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Start the clock, the deadline and the progress ticker: the load begins. */
  protected begin(): void {
    this.startedAt = performance.now()
    this.lastProgressAt = this.startedAt
    if (this.timing.duration !== undefined) this.deadline = setTimeout(() => this.stop(false), this.timing.duration)
    this.ticker = setInterval(() => this.tick(), PROGRESS_INTERVAL_MS)
  }

  private tick(): void {
    const now = performance.now()
    if (this.completed !== this.lastCompleted || this.bytes !== this.lastBytes) {
      this.lastCompleted = this.completed
      this.lastBytes = this.bytes
      this.lastProgressAt = now
    } else if (now - this.lastProgressAt > this.timing.stallTimeout) {
      this.error(new NetkitError(ErrorCode.BENCH_STALLED, `no echo for ${this.timing.stallTimeout} ms`))
      this.stop(false)
      return
    }
    this.timing.onProgress?.(this.progress())
  }

  progress(): BenchProgress {
    const now = this.stopped ? this.endedAt : performance.now()
    return { elapsedMs: this.startedAt === 0 ? 0 : now - this.startedAt, completed: this.completed, bytes: this.bytes, errors: this.errors, mismatches: this.mismatches }
  }

  error(err: unknown): void {
    this.errors++
    this.firstError ??= err
    if (this.samples.size < MAX_ERROR_SAMPLES) this.samples.add(toNetworkError(err, { host: this.target.host, port: this.target.port }).message)
  }

  mismatch(what: string): void {
    this.mismatches++
    if (this.samples.size < MAX_ERROR_SAMPLES) this.samples.add(what)
  }

  stop(aborted: boolean): void {
    if (this.stopped) return
    this.stopped = true
    this.aborted = aborted
    this.endedAt = performance.now()
    clearTimeout(this.deadline)
    clearInterval(this.ticker)
    this.stopClients()
  }

  /** The error for a run in which no connection could be made. */
  protected connectError(): NetkitError {
    return toNetworkError(this.firstError ?? new NetkitError(ErrorCode.NETWORK_ERROR, 'no connection'), { operation: 'connect', ...this.target })
  }

  /** The measurements, with `latency` when the tester timed round trips. */
  protected totals(withLatency: boolean): BenchTotals & { latency?: LatencySummary } {
    const durationMs = this.startedAt === 0 ? 0 : this.endedAt - this.startedAt
    const seconds = durationMs / 1000
    return {
      durationMs,
      connects: this.connects,
      completed: this.completed,
      bytes: this.bytes,
      perSecond: seconds > 0 ? this.completed / seconds : 0,
      bytesPerSecond: seconds > 0 ? this.bytes / seconds : 0,
      ...(withLatency ? { latency: this.histogram.summary() } : {}),
      errors: this.errors,
      mismatches: this.mismatches,
      errorSamples: [...this.samples],
      aborted: this.aborted,
    }
  }
}

/** The error a failed run ends the CLI with (exit 1), or undefined when every echo was right. */
export function benchFailure(result: Pick<BenchTotals, 'errors' | 'mismatches'>): NetkitError | undefined {
  if (result.mismatches === 0 && result.errors === 0) return undefined
  const echoes = `${result.mismatches} mismatched echo${result.mismatches === 1 ? '' : 'es'}`
  const errors = `${result.errors} error${result.errors === 1 ? '' : 's'}`
  return new NetkitError(result.mismatches > 0 ? ErrorCode.BENCH_MISMATCH : ErrorCode.BENCH_ERRORS, `bench failed: ${echoes}, ${errors}`)
}
