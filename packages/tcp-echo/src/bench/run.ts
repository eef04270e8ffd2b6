import { BenchTally, type LatencyHistogram } from '@netkit/shared'
import { ChurnSlot } from './churn.js'
import type { BenchClient, BenchContext } from './context.js'
import { resolveBenchOptions, type ResolvedBenchOptions, type TcpBenchOptions, type TcpBenchProgress, type TcpBenchResult } from './options.js'
import { patternBuffer } from './pattern.js'
import { PersistentClient } from './persistent.js'

/**
 * The verifying load tester. Every connection sends a slice of a deterministic pattern stream
 * (each connection starting at a different place), so each echoed chunk is checked with one
 * Buffer#compare against a buffer made once: no hashing, no copies, no per-message buffers.
 */

/**
 * Drive an echo server and verify every byte it sends back. Resolves with the measurements
 * (errors and mismatches included: the caller decides whether they fail the run). Rejects with a
 * NetworkError when not a single connection could be made, and with an InvalidArgumentError for
 * options it cannot take.
 */
export async function runTcpBench(options: TcpBenchOptions): Promise<TcpBenchResult> {
  const resolved = resolveBenchOptions(options)
  if (resolved.threads > 1) {
    const { runThreads } = await import('./threads.js')
    return runThreads(resolved, options.onProgress, options.signal)
  }
  const result = await runLocal(resolved, options.onProgress, options.signal)
  return result.result
}

/** A run in this thread; also returns the histogram so threads can merge theirs. */
export async function runLocal(
  options: ResolvedBenchOptions,
  onProgress?: (progress: TcpBenchProgress) => void,
  signal?: AbortSignal,
): Promise<{ result: TcpBenchResult; histogram: LatencyHistogram }> {
  patternBuffer()
  const run = new BenchRun(options, onProgress)
  await run.executeUntil(signal)
  return { result: run.result(), histogram: run.histogram }
}

/** One run: the shared counters and clock (BenchTally), plus the clients and the end conditions. */
export class BenchRun extends BenchTally implements BenchContext {
  readonly options: ResolvedBenchOptions
  /** Requests handed out (requests mode). */
  private issued = 0
  private live = new Set<BenchClient>()
  private finished: (() => void) | undefined
  private nextConnectionId = 0
  /** Persistent clients still being set up (stop() must not wait for their connect timeout). */
  private connecting: PersistentClient[] = []

  constructor(options: ResolvedBenchOptions, onProgress?: (progress: TcpBenchProgress) => void) {
    super({ host: options.host, port: options.port, protocol: 'tcp' }, { duration: options.duration, stallTimeout: options.stallTimeout, onProgress })
    this.options = options
  }

  async execute(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finished = resolve))
    if (this.options.mode === 'churn') {
      this.begin()
      for (let i = 0; i < this.options.connections && !this.stopped; i++) new ChurnSlot(this).next()
    } else if (!(await this.connectPersistent())) {
      return
    }
    if (this.live.size === 0) this.stop(false)
    await done
    if (this.connects === 0 && this.firstError !== undefined && !this.aborted) throw this.connectError()
  }

  /**
   * Set every pingpong or stream connection up first, so the measurement is the steady state,
   * not the handshakes; then start the clock and the load. False when stopped meanwhile.
   */
  private async connectPersistent(): Promise<boolean> {
    const clients: PersistentClient[] = (this.connecting = [])
    for (let i = 0; i < this.options.connections; i++) clients.push(new PersistentClient(this, this.options.mode === 'stream'))
    await Promise.all(clients.map((c) => c.ready))
    if (this.stopped) {
      for (const c of clients) c.destroy()
      return false
    }
    if (this.connects === 0) throw this.connectError()
    this.connecting = []
    this.begin()
    for (const c of clients) if (c.alive) c.start()
    return true
  }

  take(): boolean {
    if (this.stopped) return false
    const limit = this.options.requests
    if (limit === undefined) return true
    if (this.issued >= limit) return false
    this.issued++
    return true
  }

  nextId(): number {
    return this.nextConnectionId++
  }

  complete(count: number): void {
    this.completed += count
    const limit = this.options.requests
    if (limit !== undefined && this.completed >= limit) this.stop(false)
  }

  register(client: BenchClient): void {
    this.live.add(client)
  }

  unregister(client: BenchClient): void {
    this.live.delete(client)
    if (this.live.size === 0) {
      // The last client gone (all persistent connections died, or every churn slot ran out of work).
      this.stop(false)
      this.finish()
    }
  }

  protected stopClients(): void {
    for (const client of [...this.live]) client.destroy()
    for (const client of this.connecting) client.destroy()
    if (this.live.size === 0) this.finish()
  }

  private finish(): void {
    this.finished?.()
    this.finished = undefined
  }

  result(): TcpBenchResult {
    const o = this.options
    if (!this.stopped) this.stop(false)
    const { latency, ...totals } = this.totals(o.mode !== 'stream')
    return { mode: o.mode, host: o.host, port: o.port, connections: o.connections, threads: o.threads, size: o.size, ...totals, ...(latency ? { latency } : {}) }
  }
}
