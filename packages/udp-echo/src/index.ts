export { version } from './version.js'

export {
  createUdpEchoServer,
  DEFAULT_PORT,
  DEFAULT_HOST,
  DEFAULT_BUFFER_SIZE,
  DEFAULT_MAX_SEND_QUEUE,
  MAX_DATAGRAM_SIZE,
  type UdpEchoServer,
  type UdpEchoServerOptions,
  type UdpEchoStats,
  type UdpEchoEvents,
  type Peer,
  type DropReason,
} from './server.js'
export { DEFAULT_RATE_LIMIT, DEFAULT_MAX_SOURCES, SOURCE_IDLE_MS, SourceLimiter, type Admission, type SourceLimiterOptions } from './source-limiter.js'
export {
  runUdpBench,
  UdpBenchRun,
  DEFAULT_WINDOW,
  DEFAULT_BENCH_SIZE,
  DEFAULT_BENCH_DURATION_MS,
  DEFAULT_LOSS_TIMEOUT_MS,
  type UdpBenchOptions,
  type UdpBenchProgress,
  type UdpBenchResult,
} from './bench.js'
export { PayloadCodec, HEADER_SIZE, MAX_UDP_PAYLOAD_V4, MAX_UDP_PAYLOAD_V6, type Verdict } from './payload.js'
// The latency histogram is @netkit/shared's, re-exported for the callers that used ours.
export { LatencyHistogram, type LatencySummary, type SerializedLatencyHistogram } from '@netkit/shared'
export { hexPreview } from './hex.js'
export { formatUdpBenchResult, formatUdpEchoStats } from './report.js'
