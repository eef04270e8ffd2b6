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
  type HostPort,
  type PortOptions,
} from './address.js'
export { serviceName, servicePort, type Protocol } from './services.js'
export { parseDuration, parseSize, parseCount, formatBytes, formatDuration } from './units.js'
export { colorEnabled, createLogger, type Colors, type Logger, type LoggerOptions } from './logger.js'
export { createSpinner, spinnerAllowed, type Spinner } from './spinner.js'
export { onShutdown, exitQuietlyOnBrokenPipe, isBrokenPipe, type ShutdownHook } from './process.js'
export { runMain, reportError } from './main.js'
// createCli (yargs) lives in '@netkit/shared/cli'; its option types are re-exported here.
export type { CliOptions, CommonArgs } from './cli.js'
export { createSelfSignedCertificate, ipAddressBytes, type SelfSignedCertificate, type SelfSignedCertificateOptions } from './certificate.js'
export {
  WIRE_LIMITS,
  checkNoLineBreaks,
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
