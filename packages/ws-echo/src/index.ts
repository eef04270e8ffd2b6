export { version } from './version.js'
export {
  createWsEchoServer,
  DEFAULT_GRACE_MS,
  DEFAULT_HIGH_WATER,
  DEFAULT_HOST,
  DEFAULT_MAX_MESSAGE,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PORT,
  type ConnectionInfo,
  type WsEchoAddress,
  type WsEchoServer,
  type WsEchoServerOptions,
} from './server.js'
export type {
  CloseEvent,
  CloseReason,
  ErrorEvent,
  ListeningEvent,
  OpenEvent,
  RejectEvent,
  SummaryEvent,
  WsEchoEvent,
  WsEchoSummary,
} from './events.js'
export {
  runWsBench,
  STREAM_WINDOW,
  WS_BENCH_MODES,
  type WsBenchMode,
  type WsBenchOptions,
  type WsBenchProgress,
  type WsBenchResult,
} from './bench.js'
export type { LatencySummary } from '@netkit/shared'
export { formatBenchTable, formatSummary } from './format.js'
