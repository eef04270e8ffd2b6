import { ErrorCode } from './codes.js'
import { ExitCode, InvalidArgumentError, NetkitError, NetworkError, TimeoutError, UsageError } from './errors.js'

/**
 * An error as plain data, for crossing a worker-thread or cluster (IPC) boundary, where class,
 * brand and `cause` do not survive. `reviveError` turns it back into the matching error class.
 */
export interface SerializedError {
  name: string
  code: string
  message: string
  exitCode: number
  /** A NetworkError's system error code (`ECONNREFUSED`). */
  errno?: string
}

/** `err` as plain data; anything that is not a NetkitError gets `fallbackCode` and exit code 1. */
export function serializeError(err: unknown, fallbackCode: ErrorCode = ErrorCode.NETWORK_ERROR): SerializedError {
  if (err instanceof NetkitError) {
    const errno = err instanceof NetworkError ? err.errno : undefined
    return { name: err.name, code: err.code, message: err.message, exitCode: err.exitCode, ...(errno === undefined ? {} : { errno }) }
  }
  return {
    name: 'NetkitError',
    code: fallbackCode,
    message: err instanceof Error ? err.message : String(err),
    exitCode: ExitCode.Failure,
  }
}

/** The error `serializeError` described, as an instance of its class (or NetkitError). */
export function reviveError(data: SerializedError): NetkitError {
  switch (data.name) {
    case 'UsageError':
      return new UsageError(data.message)
    case 'InvalidArgumentError':
      return new InvalidArgumentError(data.message)
    case 'TimeoutError':
      return new TimeoutError(data.message)
    case 'NetworkError':
      return new NetworkError(data.code, data.message, data.errno, {})
    default:
      return new NetkitError(data.code, data.message, { exitCode: data.exitCode })
  }
}
