import { InvalidArgumentError, UsageError } from './errors.js'
import { parseCount } from './units.js'

/**
 * The library side of `parseCount`: the same whole-number rule and wording for a number a caller
 * passed in an options object, thrown as an InvalidArgumentError (the caller's bug, not the
 * user's). `undefined` passes through, so optional options read `checkCount(o.x, 'x') ?? default`.
 */
export function checkCount(value: number, what: string, min?: number, max?: number): number
export function checkCount(value: number | undefined, what: string, min?: number, max?: number): number | undefined
export function checkCount(value: number | undefined, what: string, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined
  try {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new UsageError(`invalid ${what}: ${String(value)} (expected a whole number)`)
    return parseCount(value, what, min, max)
  } catch (err) {
    throw err instanceof UsageError ? new InvalidArgumentError(err.message) : err
  }
}
