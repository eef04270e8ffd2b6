/**
 * What a load-generating client needs from the run it belongs to (types only): a leaf, so the
 * clients (churn.ts, persistent.ts) and the run that creates them (run.ts) do not import each other.
 */
import type { LatencyHistogram } from '@netkit/shared'
import type { ResolvedBenchOptions } from './options.js'

export interface BenchClient {
  destroy(): void
}

export interface BenchContext {
  readonly options: ResolvedBenchOptions
  readonly histogram: LatencyHistogram
  readonly stopped: boolean
  connects: number
  bytes: number
  errors: number
  /** Hand out one unit of work, or say that the run is over. */
  take(): boolean
  /** A number unique in this run, to start each connection at a different place of the pattern. */
  nextId(): number
  /** Count `count` verified units of work. */
  complete(count: number): void
  error(err: unknown): void
  mismatch(what: string): void
  register(client: BenchClient): void
  unregister(client: BenchClient): void
  stop(aborted: boolean): void
}
