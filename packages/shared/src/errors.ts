/**
 * One error model for every @netkit tool (after undici's lib/core/errors.js): a stable `code`,
 * the exit code a CLI should use, and the original system error in `cause`.
 *
 * Each class is branded with `Symbol.for('netkit.error.<Name>')` and answers `instanceof` from
 * that brand, so the check still works when npm installs two copies of @netkit/shared.
 */

import { ErrorCode } from './codes.js'

export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
} as const

export interface NetkitErrorOptions {
  /** Exit code for a CLI that ends on this error (default 1). */
  exitCode?: number
  cause?: unknown
}

/**
 * Brand an error class so that `instanceof` answers from `Symbol.for('netkit.error.<name>')`
 * rather than prototype identity. Every subclass needs its own brand, in any package: without
 * one it inherits its parent's `Symbol.hasInstance` and would match every instance of the parent.
 */
export function brandError(cls: abstract new (...args: never[]) => Error, name: string): void {
  const sym = Symbol.for(`netkit.error.${name}`)
  Object.defineProperty(cls.prototype, sym, { value: true })
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: (value: unknown) => typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[sym] === true,
  })
}

export class NetkitError extends Error {
  readonly code: string
  readonly exitCode: number

  constructor(code: string, message: string, options: NetkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'NetkitError'
    this.code = code
    this.exitCode = options.exitCode ?? ExitCode.Failure
  }
}
brandError(NetkitError, 'NetkitError')

/** Bad command-line input: printed as one line with a hint, exit 2. */
export class UsageError extends NetkitError {
  constructor(message: string, options: Omit<NetkitErrorOptions, 'exitCode'> = {}) {
    super(ErrorCode.USAGE, message, { ...options, exitCode: ExitCode.Usage })
    this.name = 'UsageError'
  }
}
brandError(UsageError, 'UsageError')

/**
 * A library function was called with a value it cannot take (a negative size, an unknown
 * format): the caller's bug, not the user's or the network's. A CLI that validated its input
 * never sees one; if it does, it exits 2 like a usage error.
 */
export class InvalidArgumentError extends NetkitError {
  constructor(message: string, options: Omit<NetkitErrorOptions, 'exitCode'> = {}) {
    super(ErrorCode.INVALID_ARGUMENT, message, { ...options, exitCode: ExitCode.Usage })
    this.name = 'InvalidArgumentError'
  }
}
brandError(InvalidArgumentError, 'InvalidArgumentError')

/** What the tool was doing when the network said no; used to word the message. */
export interface NetworkContext {
  /** `connect`, `bind`, `listen`, `resolve`, `read`, `write`, … */
  operation?: string
  host?: string
  port?: number | string
  /** `tcp`, `udp`, `unix`, … (OpenBSD nc prints it in parentheses). */
  protocol?: string
}

/** A failure of the network or the operating system underneath it: exit 1. */
export class NetworkError extends NetkitError {
  /** The system error code (`ECONNREFUSED`), when there was one. */
  readonly errno: string | undefined
  readonly context: NetworkContext

  constructor(code: string, message: string, errno: string | undefined, context: NetworkContext, cause?: unknown) {
    super(code, message, { cause, exitCode: ExitCode.Failure })
    this.name = 'NetworkError'
    this.errno = errno
    this.context = context
  }
}
brandError(NetworkError, 'NetworkError')

/** A timer ran out (connect timeout, idle timeout): exit 1, code NETKIT_TIMEOUT. */
export class TimeoutError extends NetworkError {
  constructor(message: string, context: NetworkContext = {}) {
    super(ErrorCode.TIMEOUT, message, 'ETIMEDOUT', context)
    this.name = 'TimeoutError'
  }
}
brandError(TimeoutError, 'TimeoutError')

/** System error code -> [stable netkit code, the strerror text people know from C tools]. */
const SYSTEM_ERRORS: Record<string, readonly [ErrorCode, string]> = {
  ECONNREFUSED: [ErrorCode.CONNECT_REFUSED, 'Connection refused'],
  ECONNRESET: [ErrorCode.CONNECTION_RESET, 'Connection reset by peer'],
  ECONNABORTED: [ErrorCode.CONNECTION_ABORTED, 'Software caused connection abort'],
  EPIPE: [ErrorCode.BROKEN_PIPE, 'Broken pipe'],
  ETIMEDOUT: [ErrorCode.TIMEOUT, 'Connection timed out'],
  EADDRINUSE: [ErrorCode.ADDRESS_IN_USE, 'Address already in use'],
  EADDRNOTAVAIL: [ErrorCode.ADDRESS_NOT_AVAILABLE, 'Cannot assign requested address'],
  EACCES: [ErrorCode.PERMISSION_DENIED, 'Permission denied'],
  EPERM: [ErrorCode.PERMISSION_DENIED, 'Operation not permitted'],
  ENOTFOUND: [ErrorCode.HOST_NOT_FOUND, 'Name or service not known'],
  EAI_AGAIN: [ErrorCode.DNS_TEMPORARY_FAILURE, 'Temporary failure in name resolution'],
  EAI_NODATA: [ErrorCode.HOST_NOT_FOUND, 'No address associated with hostname'],
  EHOSTUNREACH: [ErrorCode.HOST_UNREACHABLE, 'No route to host'],
  ENETUNREACH: [ErrorCode.NETWORK_UNREACHABLE, 'Network is unreachable'],
  EMFILE: [ErrorCode.TOO_MANY_OPEN_FILES, 'Too many open files'],
  ENFILE: [ErrorCode.TOO_MANY_OPEN_FILES, 'Too many open files in system'],
  ENOENT: [ErrorCode.NO_SUCH_FILE, 'No such file or directory'],
  EAFNOSUPPORT: [ErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED, 'Address family not supported by protocol'],
  EMSGSIZE: [ErrorCode.MESSAGE_TOO_LONG, 'Message too long'],
  ENOTCONN: [ErrorCode.NOT_CONNECTED, 'Transport endpoint is not connected'],
}

/** The strerror-style text for a system error code, e.g. `Connection refused`. */
export function describeErrno(errno: string): string | undefined {
  return SYSTEM_ERRORS[errno]?.[1]
}

function systemCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function formatTarget(context: NetworkContext): string {
  const { operation, host, port, protocol } = context
  if (!operation) return ''
  if (operation === 'resolve') return `getaddrinfo for host "${host ?? ''}" port ${port ?? ''}: `
  let text = operation
  if (host !== undefined) text += ` to ${host}`
  if (port !== undefined) text += ` port ${port}`
  if (protocol) text += ` (${protocol})`
  return `${text} failed: `
}

/**
 * Turn any error from `net`, `dgram`, `tls` or `dns` into a NetworkError worded for a person:
 * `connect to 127.0.0.1 port 5 (tcp) failed: Connection refused`. An AggregateError (from
 * `autoSelectFamily` trying several addresses) becomes one error naming the addresses tried.
 * Errors that already are NetkitErrors pass through unchanged.
 */
export function toNetworkError(err: unknown, context: NetworkContext = {}): NetkitError {
  if (err instanceof NetkitError) return err
  if (err instanceof AggregateError && err.errors.length > 0) {
    const inner = err.errors.map((e) => toNetworkError(e, {}) as NetworkError)
    const first = inner[0]!
    const tried = err.errors
      .map((e: { address?: string; port?: number }) => e?.address)
      .filter((a): a is string => typeof a === 'string')
    const reason = first.errno ? (describeErrno(first.errno) ?? first.message) : first.message
    const suffix = tried.length > 1 ? ` (tried ${[...new Set(tried)].join(', ')})` : ''
    return new NetworkError(first.code, `${formatTarget(context)}${reason}${suffix}`, first.errno, context, err)
  }
  const errno = systemCode(err)
  const known = errno ? SYSTEM_ERRORS[errno] : undefined
  const reason = known?.[1] ?? (err instanceof Error ? err.message : String(err))
  const code = known?.[0] ?? (errno ? `NETKIT_${errno}` : ErrorCode.NETWORK_ERROR)
  return new NetworkError(code, `${formatTarget(context)}${reason}`, errno, context, err)
}
