import { InvalidArgumentError } from '@netkit/shared'
import { FrameTooLargeError } from './errors.js'

/** Default maxFrameSize of the length-prefixed and varint codecs: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE: number = 16 * 1024 * 1024

/** Default maxFrameSize of the delimited codecs (line length, delimiter excluded): 64 KiB. */
export const DEFAULT_MAX_LINE_SIZE: number = 64 * 1024

/** Validates a maxFrameSize option: a safe integer >= 0 (a caller's mistake, so an InvalidArgumentError). */
export function checkMaxFrameSize(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`maxFrameSize must be a non-negative safe integer, got ${value}`)
  return value
}

/** encode() refuses what the other side's decoder would: anything but bytes, or a payload over the limit. */
export function checkPayload(payload: Uint8Array, limit: number, codec: string): void {
  if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError(`a payload must be a Uint8Array, got ${typeof payload}`)
  if (payload.length > limit) throw new FrameTooLargeError(payload.length, limit, `cannot encode a frame of ${payload.length} bytes, limit is ${limit} bytes (${codec})`)
}
