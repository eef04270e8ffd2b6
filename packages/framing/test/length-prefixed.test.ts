import { InvalidArgumentError } from '@netkit/shared'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_MAX_FRAME_SIZE,
  FrameTooLargeError,
  FrameTruncatedError,
  InvalidFrameLengthError,
  codecFor,
  lengthPrefixed,
} from '../src/index.js'
import { bytes, decodeAll, rechunk, str, text } from './helpers.js'

describe('lengthPrefixed encode', () => {
  it('writes a 4-byte big-endian length by default', () => {
    const codec = lengthPrefixed()
    expect(codec.name).toBe('lp32')
    expect(codec.maxFrameSize).toBe(DEFAULT_MAX_FRAME_SIZE)
    expect([...codec.encode(text('abc'))]).toEqual([0, 0, 0, 3, 0x61, 0x62, 0x63])
  })

  it.each([
    [1, 'big', [3]],
    [2, 'big', [0, 3]],
    [2, 'little', [3, 0]],
    [4, 'little', [3, 0, 0, 0]],
    [8, 'big', [0, 0, 0, 0, 0, 0, 0, 3]],
    [8, 'little', [3, 0, 0, 0, 0, 0, 0, 0]],
  ] as const)('width %i %s', (width, endian, header) => {
    const codec = lengthPrefixed({ width, endian })
    const framed = codec.encode(text('abc'))
    expect([...framed.subarray(0, width)]).toEqual(header)
    expect(str(decodeAll(codec, [framed]))).toEqual(['abc'])
  })

  it('counts the header when lengthIncludesHeader is set', () => {
    const codec = lengthPrefixed({ width: 2, lengthIncludesHeader: true })
    expect([...codec.encode(text('abc'))]).toEqual([0, 5, 0x61, 0x62, 0x63])
    expect(str(decodeAll(codec, [bytes(0, 5, 0x61, 0x62, 0x63, 0, 2)]))).toEqual(['abc', ''])
  })

  it('rejects a length smaller than its header when lengthIncludesHeader is set', () => {
    const decoder = lengthPrefixed({ width: 4, lengthIncludesHeader: true }).createDecoder()
    expect(() => decoder.push(bytes(0, 0, 0, 3))).toThrow(InvalidFrameLengthError)
  })

  it('encodeMany makes one buffer with every frame', () => {
    const codec = lengthPrefixed({ width: 2, endian: 'little' })
    const out = codec.encodeMany([text('a'), text(''), text('bc')])
    expect([...out]).toEqual([1, 0, 0x61, 0, 0, 2, 0, 0x62, 0x63])
  })

  it('encodes multi-byte lengths correctly in both byte orders', () => {
    for (const width of [2, 4, 8] as const) {
      for (const endian of ['big', 'little'] as const) {
        const codec = lengthPrefixed({ width, endian })
        const payload = new Uint8Array(300 + width).fill(7)
        const framed = codec.encode(payload)
        const view = Buffer.from(framed)
        const length = width === 2 ? (endian === 'big' ? view.readUInt16BE(0) : view.readUInt16LE(0))
          : width === 4 ? (endian === 'big' ? view.readUInt32BE(0) : view.readUInt32LE(0))
            : Number(endian === 'big' ? view.readBigUInt64BE(0) : view.readBigUInt64LE(0))
        expect(length).toBe(payload.length)
        expect(decodeAll(codec, rechunk(framed, [1]))).toEqual([payload])
      }
    }
  })

  it('refuses to encode more than the width or the limit allows', () => {
    expect(() => lengthPrefixed({ width: 1 }).encode(new Uint8Array(256))).toThrow(FrameTooLargeError)
    expect(lengthPrefixed({ width: 1 }).encode(new Uint8Array(255)).length).toBe(256)
    expect(lengthPrefixed({ width: 1 }).maxFrameSize).toBe(255)
    expect(lengthPrefixed({ width: 2, lengthIncludesHeader: true }).maxFrameSize).toBe(65533)
    expect(() => lengthPrefixed({ maxFrameSize: 10 }).encodeMany([new Uint8Array(3), new Uint8Array(11)])).toThrow(FrameTooLargeError)
  })

  it('validates options', () => {
    expect(() => lengthPrefixed({ width: 3 as 4 })).toThrow(InvalidArgumentError)
    expect(() => lengthPrefixed({ endian: 'middle' as 'big' })).toThrow(InvalidArgumentError)
    expect(() => lengthPrefixed({ maxFrameSize: -1 })).toThrow(InvalidArgumentError)
    expect(() => lengthPrefixed({ maxFrameSize: 1.5 })).toThrow(InvalidArgumentError)
  })
})

describe('lengthPrefixed decoder', () => {
  it('returns views into the chunk when a frame lies inside it (zero copy)', () => {
    const codec = lengthPrefixed()
    const chunk = Buffer.from(codec.encodeMany([text('hello'), text('world')]))
    const frames = codec.createDecoder().push(chunk)
    expect(str(frames)).toEqual(['hello', 'world'])
    for (const frame of frames) expect(frame.buffer).toBe(chunk.buffer)
    // Same memory: a change to the chunk shows in the frame.
    chunk[4] = 0x48
    expect(str(frames)[0]).toBe('Hello')
  })

  it('handles a prefix split across chunks and frames split anywhere', () => {
    const decoder = lengthPrefixed().createDecoder()
    expect(decoder.push(bytes(0, 0))).toEqual([])
    expect(decoder.buffered).toBe(2)
    expect(decoder.push(bytes(0))).toEqual([])
    expect(str(decoder.push(bytes(2, 0x61)))).toEqual([])
    expect(decoder.buffered).toBe(1)
    expect(str(decoder.push(bytes(0x62, 0, 0, 0, 0, 0, 0)))).toEqual(['ab', ''])
    expect(decoder.buffered).toBe(2)
    expect(() => decoder.end()).toThrow(FrameTruncatedError)
  })

  it('rejects a 4 GiB prefix at once, holding nothing', () => {
    const decoder = lengthPrefixed().createDecoder()
    let caught: unknown
    try {
      decoder.push(bytes(0xff, 0xff, 0xff, 0xff))
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(FrameTooLargeError)
    const error = caught as FrameTooLargeError
    expect(error.code).toBe('NETKIT_FRAME_TOO_LARGE')
    expect(error.exitCode).toBe(1)
    expect(error.size).toBe(2 ** 32 - 1)
    expect(error.limit).toBe(DEFAULT_MAX_FRAME_SIZE)
    expect(decoder.buffered).toBe(0)
  })

  it('rejects the prefix when it arrives one byte at a time, before any payload byte', () => {
    const decoder = lengthPrefixed({ maxFrameSize: 1000 }).createDecoder()
    decoder.push(bytes(0))
    decoder.push(bytes(0))
    decoder.push(bytes(0x03))
    expect(() => decoder.push(bytes(0xe9))).toThrow(FrameTooLargeError)
    expect(decoder.buffered).toBe(0)
  })

  it('accepts a frame of exactly maxFrameSize', () => {
    const codec = lengthPrefixed({ maxFrameSize: 1000 })
    const payload = new Uint8Array(1000).fill(1)
    expect(decodeAll(codec, rechunk(codec.encode(payload), [333]))).toEqual([payload])
  })

  it('rejects an 8-byte prefix beyond 2^53 immediately', () => {
    const decoder = lengthPrefixed({ width: 8 }).createDecoder()
    expect(() => decoder.push(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toThrow(FrameTooLargeError)
  })

  it('returns the frames before a bad prefix, then throws the error once asked again', () => {
    const codec = lengthPrefixed({ maxFrameSize: 10 })
    const decoder = codec.createDecoder()
    const chunk = Buffer.concat([codec.encode(text('ok')), bytes(0, 0, 0, 11)])
    expect(str(decoder.push(chunk))).toEqual(['ok'])
    expect(decoder.error).toBeInstanceOf(FrameTooLargeError)
    expect(() => decoder.push(text('more'))).toThrow(FrameTooLargeError)
    expect(() => decoder.end()).toThrow(FrameTooLargeError)
  })

  it('refuses input after an error, rethrowing the same error', () => {
    const decoder = lengthPrefixed({ maxFrameSize: 10 }).createDecoder()
    let first: unknown
    try {
      decoder.push(bytes(0, 0, 0, 11))
    } catch (err) {
      first = err
    }
    expect(first).toBeInstanceOf(FrameTooLargeError)
    let second: unknown
    try {
      decoder.push(bytes(0, 0, 0, 1, 0x61))
    } catch (err) {
      second = err
    }
    expect(second).toBe(first)
  })

  it('end() without pending bytes returns nothing; with a partial payload it reports the bytes held', () => {
    const codec = codecFor('lp32')
    expect(codec.createDecoder().end()).toEqual([])
    const decoder = codec.createDecoder()
    decoder.push(bytes(0, 0, 0, 5, 1, 2))
    let caught: unknown
    try {
      decoder.end()
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(FrameTruncatedError)
    expect((caught as FrameTruncatedError).buffered).toBe(2)
    expect((caught as FrameTruncatedError).code).toBe('NETKIT_FRAME_TRUNCATED')
  })

  it('is linear: a 1 MiB frame fed one byte at a time', () => {
    const codec = lengthPrefixed()
    const payload = new Uint8Array(1024 * 1024)
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff
    const framed = codec.encode(payload)
    const decoder = codec.createDecoder()
    const started = performance.now()
    const frames: Uint8Array[] = []
    for (let i = 0; i < framed.length; i++) frames.push(...decoder.push(framed.subarray(i, i + 1)))
    const elapsed = performance.now() - started
    expect(frames).toHaveLength(1)
    expect(Buffer.compare(frames[0], payload)).toBe(0)
    // Quadratic re-concatenation would copy ~550 GB here and take minutes; linear takes well under a second.
    expect(elapsed).toBeLessThan(5000)
  })
})

describe('input checks', () => {
  it('push() refuses strings with an InvalidArgumentError instead of decoding garbage', () => {
    expect(() => lengthPrefixed().createDecoder().push('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError)
    expect(() => codecFor('lines').createDecoder().push('abc\n' as unknown as Uint8Array)).toThrow(InvalidArgumentError)
  })
})
