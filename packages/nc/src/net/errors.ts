import { ErrorCode, NetkitError, NetworkError, describeErrno, toNetworkError } from '@netkit/shared'

/** `PATH: No such file or directory`, as OpenBSD nc words a Unix socket it cannot use. */
export function unixSocketError(err: Error, path: string, operation: 'connect' | 'bind'): NetworkError {
  const errno = (err as { code?: string }).code
  const reason = (errno && describeErrno(errno)) ?? err.message
  return new NetworkError(toNetworkError(err).code, `${path}: ${reason}`, errno, { operation, protocol: 'unix' }, err)
}

/** The caller gave up (its AbortSignal fired without a reason of its own). */
export function abortedError(): NetkitError {
  return new NetkitError(ErrorCode.ABORTED, 'aborted')
}
