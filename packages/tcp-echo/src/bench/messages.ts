/** What the parent and a load-tester worker thread say to each other (types only). */
import type { SerializedError, SerializedLatencyHistogram } from '@netkit/shared'
import type { ResolvedBenchOptions, TcpBenchProgress, TcpBenchResult } from './options.js'

/** The worker's `workerData`. */
export interface WorkerInput {
  options: ResolvedBenchOptions
  /** Post progress messages. */
  progress: boolean
}

export type WorkerRequest = { type: 'stop' }

export type WorkerReply =
  | { type: 'progress'; progress: TcpBenchProgress }
  | { type: 'result'; result: TcpBenchResult; histogram: SerializedLatencyHistogram }
  | { type: 'error'; error: SerializedError }
