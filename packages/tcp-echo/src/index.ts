export { version } from './version.js'
export {
  createTcpEchoServer,
  DEFAULT_BACKLOG,
  DEFAULT_GRACE_MS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type ConnectionInfo,
  type TcpEchoAddress,
  type TcpEchoServer,
  type TcpEchoServerOptions,
  type TcpEchoStats,
} from './server.js'
export { DELAY_BUFFER_LIMIT, type FrameEchoer } from './connection.js'
export type {
  CloseEvent,
  CloseReason,
  DropEvent,
  ErrorEvent,
  ListeningEvent,
  OpenEvent,
  SummaryEvent,
  TcpEchoEvent,
  TcpEchoSummary,
} from './events.js'
export { runTcpBench } from './bench/run.js'
export {
  STREAM_WINDOW,
  TCP_BENCH_MODES,
  type TcpBenchMode,
  type TcpBenchOptions,
  type TcpBenchProgress,
  type TcpBenchResult,
} from './bench/options.js'
// The latency histogram is @netkit/shared's, re-exported for the callers that used ours.
export { LatencyHistogram, type LatencySummary, type SerializedLatencyHistogram } from '@netkit/shared'
export { formatSummary } from './format.js'
export { formatBenchTable } from './bench/format.js'
export { mergeSummaries } from './cluster.js'
