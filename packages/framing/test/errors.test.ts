import { NetkitError } from '@netkit/shared'
import { describe, expect, it } from 'vitest'
import { FrameTooLargeError, FrameTruncatedError, InvalidFrameLengthError, InvalidVarintError } from '../src/index.js'

describe('errors', () => {
  it('have stable codes, names and exit code 1, and extend NetkitError', () => {
    const all = [
      [new FrameTooLargeError(5, 4), 'NETKIT_FRAME_TOO_LARGE', 'FrameTooLargeError'],
      [new FrameTruncatedError(3), 'NETKIT_FRAME_TRUNCATED', 'FrameTruncatedError'],
      [new InvalidVarintError('bad'), 'NETKIT_INVALID_VARINT', 'InvalidVarintError'],
      [new InvalidFrameLengthError(1, 'bad'), 'NETKIT_INVALID_FRAME_LENGTH', 'InvalidFrameLengthError'],
    ] as const
    for (const [error, code, name] of all) {
      expect(error).toBeInstanceOf(NetkitError)
      expect(error).toBeInstanceOf(Error)
      expect(error.code).toBe(code)
      expect(error.name).toBe(name)
      expect(error.exitCode).toBe(1)
    }
  })

  it('brand each class: instanceof tells them apart, and works across copies of the package', () => {
    expect(new FrameTruncatedError(1)).not.toBeInstanceOf(FrameTooLargeError)
    expect(new NetkitError('X', 'x')).not.toBeInstanceOf(FrameTooLargeError)
    // An object from "another copy" carries the same Symbol.for brand.
    const foreign = Object.create(Error.prototype, { [Symbol.for('netkit.error.FrameTooLargeError')]: { value: true } })
    expect(foreign).toBeInstanceOf(FrameTooLargeError)
  })

  it('say what happened', () => {
    const error = new FrameTooLargeError(5, 4)
    expect(error.message).toBe('frame of 5 bytes exceeds the limit of 4 bytes')
    expect(error.size).toBe(5)
    expect(error.limit).toBe(4)
    expect(new FrameTruncatedError(3).buffered).toBe(3)
  })
})
