import type { TransferInfo } from './types.js'

/**
 * How far each failed transfer got, kept beside its error for -w and --json. Its own module so
 * that the client records failures without loading the report and -w code a plain GET never runs.
 */
const failures = new WeakMap<object, TransferInfo>()

/** Remember how far the transfer that failed with `err` got. */
export function recordFailure(err: unknown, report: TransferInfo): void {
  if (typeof err === 'object' && err !== null) failures.set(err, report)
}

/** What recordFailure kept for `err`, if anything. */
export function recordedFailure(err: unknown): TransferInfo | undefined {
  return typeof err === 'object' && err !== null ? failures.get(err) : undefined
}
