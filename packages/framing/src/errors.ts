/**
 * Typed decode errors. Each class is branded with `Symbol.for('netkit.error.<Name>')` (the house
 * style from @netkit/shared) so `instanceof` keeps working when npm installs two copies of this
 * package; without its own brand a subclass would inherit NetkitError's `Symbol.hasInstance` and
 * match every NetkitError.
 */
import { ErrorCode, NetkitError, brandError } from '@netkit/shared'

/** A frame (announced by its prefix, or a line without its delimiter yet) is larger than the codec allows. */
export class FrameTooLargeError extends NetkitError {
  /** The announced size, or for a delimited frame the bytes seen so far without a delimiter. */
  readonly size: number
  /** The codec's maxFrameSize. */
  readonly limit: number

  constructor(size: number, limit: number, message?: string) {
    super(ErrorCode.FRAME_TOO_LARGE, message ?? `frame of ${size} bytes exceeds the limit of ${limit} bytes`)
    this.name = 'FrameTooLargeError'
    this.size = size
    this.limit = limit
  }
}
brandError(FrameTooLargeError, 'FrameTooLargeError')

/** The input ended inside a frame. */
export class FrameTruncatedError extends NetkitError {
  /** Bytes of the incomplete frame (prefix included) held when the input ended. */
  readonly buffered: number

  constructor(buffered: number, message?: string) {
    super(ErrorCode.FRAME_TRUNCATED, message ?? `input ended inside a frame (${buffered} bytes of an incomplete frame)`)
    this.name = 'FrameTruncatedError'
    this.buffered = buffered
  }
}
brandError(FrameTruncatedError, 'FrameTruncatedError')

/** A varint length prefix is overlong (non-minimal) or larger than 53 bits. */
export class InvalidVarintError extends NetkitError {
  constructor(message: string) {
    super(ErrorCode.INVALID_VARINT, message)
    this.name = 'InvalidVarintError'
  }
}
brandError(InvalidVarintError, 'InvalidVarintError')

/** A length prefix that cannot describe a frame: with `lengthIncludesHeader`, a length smaller than the header. */
export class InvalidFrameLengthError extends NetkitError {
  readonly length: number

  constructor(length: number, message: string) {
    super(ErrorCode.INVALID_FRAME_LENGTH, message)
    this.name = 'InvalidFrameLengthError'
    this.length = length
  }
}
brandError(InvalidFrameLengthError, 'InvalidFrameLengthError')

/** The errors a decoder throws for bad input; anything else is a bug. */
export type FrameError = FrameTooLargeError | FrameTruncatedError | InvalidVarintError | InvalidFrameLengthError
