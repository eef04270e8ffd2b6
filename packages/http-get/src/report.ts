import { NetkitError } from '@netkit/shared'
import { CurlExit } from './errors.js'
import type { HttpGetResult, Timings } from './types.js'
import type { WriteOutData } from './write-out.js'

/** What a failed transfer got to, for -w after an error (curl prints -w for failures too). */
export type TransferReport = Omit<WriteOutData, 'exitCode' | 'errorMessage'>

const failures = new WeakMap<object, TransferReport>()

/** Remember how far the transfer that failed with `err` got. */
export function recordFailure(err: unknown, report: TransferReport): void {
  if (typeof err === 'object' && err !== null) failures.set(err, report)
}

/** The -w data of a finished or failed transfer. */
export function transferReport(url: string, outcome: HttpGetResult | unknown): WriteOutData {
  if (isResult(outcome)) return { ...outcome, exitCode: 0 }
  const known = typeof outcome === 'object' && outcome !== null ? failures.get(outcome) : undefined
  const zero: Timings = { namelookup: 0, connect: 0, appconnect: 0, starttransfer: 0, total: 0 }
  const base: TransferReport = known ?? { url, effectiveUrl: url, status: 0, headers: [], sizeDownload: 0, numRedirects: 0, numConnects: 0, timings: zero }
  return {
    ...base,
    exitCode: outcome instanceof NetkitError ? outcome.exitCode : CurlExit.UnsupportedProtocol,
    errorMessage: outcome instanceof Error ? outcome.message : String(outcome),
  }
}

function isResult(value: unknown): value is HttpGetResult {
  return typeof value === 'object' && value !== null && 'effectiveUrl' in value && 'sizeDownload' in value && !(value instanceof Error)
}
