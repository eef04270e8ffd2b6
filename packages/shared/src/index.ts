export { ErrorCode } from './codes.js'
export {
  ExitCode,
  NetkitError,
  UsageError,
  InvalidArgumentError,
  NetworkError,
  TimeoutError,
  brandError,
  toNetworkError,
  describeErrno,
  type NetkitErrorOptions,
  type NetworkContext,
} from './errors.js'
export {
  MAX_PORT,
  parsePort,
  parsePortList,
  parseHost,
  parseHostPort,
  formatHostPort,
  isLoopback,
  resolveHost,
  type HostPort,
  type PortOptions,
} from './address.js'
export { serviceName, servicePort, type Protocol } from './services.js'
export {
  parseDuration,
  parseSize,
  parseCount,
  formatBytes,
  formatDuration,
  formatCount,
  formatPerSecond,
  formatByteRate,
  formatLatency,
} from './units.js'
export { joinWords, plural, missingArguments } from './wording.js'
export { createLogger, type Colors, type Logger, type LoggerOptions } from './logger.js'
export { colorEnabled, spinnerAllowed, type TerminalStream } from './terminal.js'
export { createSpinner, type Spinner, type SpinnerOptions } from './spinner.js'
export { writeDiagnostic, guardDiagnostics, diagnosticsOpen, isReaderGone, type DiagnosticStream } from './diagnostics.js'
export { onShutdown, exitQuietlyOnBrokenPipe, isBrokenPipe, writeJsonLine, type ShutdownHook } from './process.js'
export { runMain, reportError } from './main.js'
// createCli (yargs) lives in '@netkit/shared/cli'; its option types are re-exported here.
export type { CliOptions, CommonArgs } from './cli.js'
export { createSelfSignedCertificate, ipAddressBytes, type SelfSignedCertificate, type SelfSignedCertificateOptions } from './certificate.js'
export { LatencyHistogram, HISTOGRAM_BUCKETS, type LatencySummary, type SerializedLatencyHistogram } from './histogram.js'
export { bindServer } from './bind.js'
export { serializeError, reviveError, type SerializedError } from './serialize-error.js'
export { serverAddressOptions, parseServerAddress } from './server-options.js'
export { checkCount } from './check.js'
export {
  WIRE_LIMITS,
  checkNoLineBreaks,
  trimOws,
  checkHeaderName,
  checkHeaderValue,
  checkHeaderField,
  checkRequestTarget,
  checkCredentials,
  basicCredentials,
  checkToken,
  checkEnvName,
  checkEnvValue,
} from './wire.js'
export { dial, READ_BUFFER_SIZE, type DialOptions, type DialPhase, type Dialed } from './dial.js'
export { COMMON_OPTIONS, type CliSpec, type CommandSpec, type ExampleSpec, type OptionSpec, type OptionTable, type ParsedArgs } from './cli-spec.js'
export { fastParse, printVersionIfAsked } from './fast-args.js'
export { BenchTally, benchFailure, type BenchProgress, type BenchRunControls, type BenchTotals, type BenchTiming } from './bench-run.js'
export { runBenchCommand, benchTotalsRows, formatReportRows, formatLatencyRow, type BenchCommand, type ReportRow } from './bench-report.js'
