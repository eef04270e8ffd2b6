import { checkCount, InvalidArgumentError } from '@netkit/shared'
import type { BenchProgress, BenchRunControls, BenchTotals, LatencySummary } from '@netkit/shared'

/**
 * The load tester's options and results, and the validation every entry point shares (the
 * library, the CLI and each worker thread). A leaf module: types and checks only.
 *
 * - churn: connect, send `size` bytes and half-close, read the echo to EOF, close; repeat.
 * - pingpong: persistent connections, one `size`-byte message in flight on each.
 * - stream: persistent connections writing continuously (at most STREAM_WINDOW bytes unechoed).
 */

export type TcpBenchMode = 'churn' | 'pingpong' | 'stream'
export const TCP_BENCH_MODES: readonly TcpBenchMode[] = ['churn', 'pingpong', 'stream']

/** Unechoed bytes a stream connection may have outstanding. */
export const STREAM_WINDOW = 1024 * 1024

/**
 * With the run controls (BenchRunControls): for pingpong and stream, setting a connection up
 * (`connectTimeout`) is the handshake plus the echo of one warm-up byte.
 */
export interface TcpBenchOptions extends BenchRunControls {
  host: string
  port: number
  /** Default `pingpong`. */
  mode?: TcpBenchMode
  /** Concurrent connections (default 100). */
  connections?: number
  /** How long to run, ms (default 10,000 unless `requests` is given). */
  duration?: number
  /**
   * Stop after this many: connections (churn), messages (pingpong) or writes of `size` bytes
   * (stream), across all connections and threads. With `duration` too, whichever comes first.
   */
  requests?: number
  /** Message size (churn, pingpong; default 64) or write size (stream; default 16 KiB), bytes. */
  size?: number
  /** Worker threads sharing the connections (default 1: this thread). */
  threads?: number
}

/** Counts so far, as the shared testers report them (completed: connections, messages or writes). */
export type TcpBenchProgress = BenchProgress

export interface TcpBenchResult extends BenchTotals {
  mode: TcpBenchMode
  host: string
  port: number
  connections: number
  threads: number
  size: number
  /** Round-trip times in microseconds (pingpong: per message; churn: connect to EOF). */
  latency?: LatencySummary
}

/** The options with every default filled in, as handed to a run (and to worker threads). */
export interface ResolvedBenchOptions {
  host: string
  port: number
  mode: TcpBenchMode
  connections: number
  duration: number | undefined
  requests: number | undefined
  size: number
  threads: number
  connectTimeout: number
  stallTimeout: number
}

/** Validate and fill in defaults; throws InvalidArgumentError for a value the tester cannot take. */
export function resolveBenchOptions(options: TcpBenchOptions): ResolvedBenchOptions {
  const mode = options.mode ?? 'pingpong'
  if (!TCP_BENCH_MODES.includes(mode)) throw new InvalidArgumentError(`invalid bench mode: ${JSON.stringify(mode)} (use ${TCP_BENCH_MODES.join(', ')})`)
  checkCount(options.connections, 'connections', 1)
  checkCount(options.duration, 'duration', 1)
  checkCount(options.requests, 'requests', 1)
  checkCount(options.size, 'size', 1)
  checkCount(options.threads, 'threads', 1)
  checkCount(options.connectTimeout, 'connectTimeout', 1)
  checkCount(options.stallTimeout, 'stallTimeout', 1)
  checkCount(options.port, 'port', 1, 65_535)
  const requests = options.requests
  return {
    host: options.host,
    port: options.port,
    mode,
    connections: options.connections ?? 100,
    duration: options.duration ?? (requests === undefined ? 10_000 : undefined),
    requests,
    size: options.size ?? (mode === 'stream' ? 16 * 1024 : 64),
    threads: options.threads ?? 1,
    connectTimeout: options.connectTimeout ?? 10_000,
    stallTimeout: options.stallTimeout ?? 10_000,
  }
}
