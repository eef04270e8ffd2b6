import { ErrorCode, NetkitError } from '@netkit/shared'
import { CurlExit } from './errors.js'
import { verifyResult } from './transfer/verify-result.js'
import type { HttpGetResult, TransferInfo } from './types.js'
import type { WriteOutData } from './write-out.js'

/** What a failed transfer got to, for -w after an error (curl prints -w for failures too). */
export type TransferReport = TransferInfo

/** Where a transfer sits in its batch, for what the transfer itself does not know. */
export interface ReportContext {
  /** Its index among the URLs of the command line (%{urlnum}). */
  urlNum?: number
  /** The method asked for, for a transfer that failed before it started (default GET). */
  method?: string
}

const failures = new WeakMap<object, TransferReport>()

/** Remember how far the transfer that failed with `err` got. */
export function recordFailure(err: unknown, report: TransferReport): void {
  if (typeof err === 'object' && err !== null) failures.set(err, report)
}

/** The -w data of a finished or failed transfer. */
export function transferReport(url: string, outcome: HttpGetResult | unknown, context: ReportContext = {}): WriteOutData {
  const urlNum = context.urlNum ?? 0
  if (isResult(outcome)) return { ...outcome, exitCode: 0, urlNum }
  const known = typeof outcome === 'object' && outcome !== null ? failures.get(outcome) : undefined
  const base = known ?? emptyReport(url, context.method ?? 'GET')
  return {
    ...base,
    ...(base.connection ? {} : handshakeFailure(outcome, base)),
    exitCode: outcome instanceof NetkitError ? outcome.exitCode : CurlExit.UnsupportedProtocol,
    errorMessage: outcome instanceof Error ? outcome.message : String(outcome),
    urlNum,
  }
}

/** A transfer that failed before it started (a bad URL). */
function emptyReport(url: string, method: string): TransferReport {
  const timings = { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, redirect: 0, starttransfer: 0, total: 0 }
  return { url, effectiveUrl: url, method, status: 0, headers: [], sizeDownload: 0, sizeHeader: 0, sizeRequest: 0, numRedirects: 0, numConnects: 0, timings }
}

/**
 * A TLS handshake that failed left no connection, but its TCP connection was made: curl counts it
 * in num_connects and reports the scheme and, for a certificate it refused, OpenSSL's verify
 * result (18 for a self-signed one). The endpoints stay unknown here ("" and 0).
 */
function handshakeFailure(err: unknown, base: TransferInfo): Partial<TransferInfo> {
  if (!(err instanceof NetkitError) || (err.code !== ErrorCode.TLS_CERTIFICATE && err.code !== ErrorCode.TLS_HANDSHAKE)) return {}
  const cause = (err.cause as { code?: unknown } | undefined)?.code
  const sslVerifyResult = err.code === ErrorCode.TLS_CERTIFICATE ? verifyResult(typeof cause === 'string' ? cause : 'UNSPECIFIED') : 0
  return {
    numConnects: base.numConnects + 1,
    connection: { scheme: 'https', localAddress: '', localPort: 0, remoteAddress: '', remotePort: 0, sslVerifyResult },
  }
}

function isResult(value: unknown): value is HttpGetResult {
  return typeof value === 'object' && value !== null && 'effectiveUrl' in value && 'sizeDownload' in value && !(value instanceof Error)
}
