import { InvalidArgumentError } from '@netkit/shared'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { DEFAULT_MAX_LINE_SIZE, FrameTooLargeError, FrameTruncatedError, codecFor, delimited, lines } from '../src/index.js'
import { decodeAll, feed, rechunk, str, text } from './helpers.js'

describe('lines', () => {
  it('splits on \\n and strips a \\r before it', () => {
    const codec = lines()
    expect(codec.name).toBe('lines')
    expect(codec.maxFrameSize).toBe(DEFAULT_MAX_LINE_SIZE)
    expect(feed(codec.createDecoder(), text('a\r\nb\n\nc\r\r\n'))).toEqual(['a', 'b', '', 'c\r'])
  })

  it('keeps the \\r when crlf is false', () => {
    expect(feed(lines({ crlf: false }).createDecoder(), text('a\r\nb\n'))).toEqual(['a\r', 'b'])
  })

  it('keeps the delimiter as received when asked', () => {
    expect(feed(lines({ keepDelimiter: true }).createDecoder(), text('a\r\nb\n'))).toEqual(['a\r\n', 'b\n'])
    expect(feed(lines({ keepDelimiter: true }).createDecoder(), text('a\r'), text('\nb'), text('\n'))).toEqual(['a\r\n', 'b\n'])
  })

  it('strips a \\r that arrived in the previous chunk', () => {
    expect(feed(lines().createDecoder(), text('abc\r'), text('\n'))).toEqual(['abc'])
    expect(feed(lines().createDecoder(), text('\r'), text('\n'))).toEqual([''])
  })

  it('encodes with \\n', () => {
    expect(str([lines().encode(text('hi'))])).toEqual(['hi\n'])
    expect(str([lines().encodeMany([text('a'), text(''), text('b')])])).toEqual(['a\n\nb\n'])
  })

  it('returns views into the chunk for complete lines', () => {
    const chunk = Buffer.from('one\ntwo\n')
    const frames = lines().createDecoder().push(chunk)
    expect(frames.map((f) => f.buffer === chunk.buffer)).toEqual([true, true])
  })

  it('accepts a plain Uint8Array (not a Buffer)', () => {
    expect(str(lines().createDecoder().push(new Uint8Array([0x61, 0x0a, 0x62, 0x0a])))).toEqual(['a', 'b'])
  })

  it('throws FrameTruncatedError for an unterminated last line unless allowed', () => {
    const strict = lines().createDecoder()
    expect(feed(strict, text('a\nrest'))).toEqual(['a'])
    expect(strict.buffered).toBe(4)
    let caught: unknown
    try {
      strict.end()
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(FrameTruncatedError)
    expect((caught as FrameTruncatedError).buffered).toBe(4)
    const lenient = codecFor('lines', { allowUnterminatedEnd: true }).createDecoder()
    feed(lenient, text('a\nre'), text('st'))
    expect(str(lenient.end())).toEqual(['rest'])
    expect(lenient.end()).toEqual([])
  })
})

describe('line limits', () => {
  it('accepts a line of exactly the limit, with or without \\r', () => {
    const codec = lines({ maxFrameSize: 4 })
    expect(feed(codec.createDecoder(), text('abcd\n'))).toEqual(['abcd'])
    expect(feed(codec.createDecoder(), text('abcd\r\n'))).toEqual(['abcd'])
    expect(feed(codec.createDecoder(), text('ab'), text('cd\r'), text('\n'))).toEqual(['abcd'])
    expect(() => feed(codec.createDecoder(), text('abcde\n'))).toThrow(FrameTooLargeError)
    expect(() => feed(codec.createDecoder(), text('abc'), text('de\n'))).toThrow(FrameTooLargeError)
  })

  it('rejects an over-long line as soon as the limit passes without a delimiter', () => {
    const decoder = lines({ maxFrameSize: 8 }).createDecoder()
    decoder.push(text('12345'))
    decoder.push(text('678'))
    // 8 bytes + a possible '\r' still fit; the tenth byte cannot.
    decoder.push(text('9'))
    expect(decoder.buffered).toBe(9)
    let caught: unknown
    try {
      decoder.push(text('0'))
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(FrameTooLargeError)
    expect((caught as FrameTooLargeError).limit).toBe(8)
    expect(decoder.buffered).toBe(0)
  })

  it('rejects a huge chunk without a delimiter without holding it', () => {
    const decoder = lines().createDecoder()
    expect(() => decoder.push(new Uint8Array(1024 * 1024).fill(0x61))).toThrow(FrameTooLargeError)
    expect(decoder.buffered).toBe(0)
    expect(() => decoder.push(text('\n'))).toThrow(FrameTooLargeError)
  })

  it('returns the lines before an over-long one and then refuses input', () => {
    const decoder = lines({ maxFrameSize: 3 }).createDecoder()
    expect(feed(decoder, text('ab\ncd\ntoolong'))).toEqual(['ab', 'cd'])
    expect(decoder.error).toBeInstanceOf(FrameTooLargeError)
    expect(() => decoder.push(text('\n'))).toThrow(FrameTooLargeError)
    expect(() => decoder.end()).toThrow(FrameTooLargeError)
  })

  it('is linear: a 1 MiB line fed one byte at a time', () => {
    const codec = lines({ maxFrameSize: 2 * 1024 * 1024 })
    const payload = new Uint8Array(1024 * 1024).fill(0x61)
    const framed = codec.encode(payload)
    const decoder = codec.createDecoder()
    const started = performance.now()
    const frames: Uint8Array[] = []
    for (let i = 0; i < framed.length; i++) frames.push(...decoder.push(framed.subarray(i, i + 1)))
    expect(performance.now() - started).toBeLessThan(5000)
    expect(frames).toHaveLength(1)
    expect(Buffer.compare(frames[0], payload)).toBe(0)
  })
})

describe('delimited with other delimiters', () => {
  it('splits on a multi-byte delimiter split across chunks', () => {
    const codec = delimited({ delimiter: '\r\n\r\n' })
    const input = text('head one\r\n\r\nhead two\r\n\r\n\r\n\r\n')
    const expected = ['head one', 'head two', '']
    for (const sizes of [[1], [2], [3], [5, 1], [100]]) expect(str(decodeAll(codec, rechunk(input, sizes)))).toEqual(expected)
  })

  it('handles a delimiter that overlaps itself', () => {
    const codec = delimited({ delimiter: 'aab' })
    const input = text('xaaab' + 'aab' + 'yaab')
    for (const sizes of [[1], [2], [4], [100]]) expect(str(decodeAll(codec, rechunk(input, sizes)))).toEqual(['xa', '', 'y'])
  })

  it('takes a Uint8Array delimiter and keeps it when asked', () => {
    const codec = delimited({ delimiter: Uint8Array.of(0), keepDelimiter: true })
    expect(feed(codec.createDecoder(), Uint8Array.of(1, 0, 2, 0))).toEqual(['\x01\x00', '\x02\x00'])
    expect([...codec.encode(Uint8Array.of(5))]).toEqual([5, 0])
  })

  it('encodes multi-byte delimiters', () => {
    expect(str([delimited({ delimiter: '||' }).encodeMany([text('a'), text('b')])])).toEqual(['a||b||'])
  })

  it('applies the limit to multi-byte delimited frames', () => {
    const codec = delimited({ delimiter: '--', maxFrameSize: 3 })
    expect(feed(codec.createDecoder(), text('abc-'), text('-'))).toEqual(['abc'])
    expect(() => feed(codec.createDecoder(), text('abcd--'))).toThrow(FrameTooLargeError)
    expect(() => feed(codec.createDecoder(), text('abc'), text('de'))).toThrow(FrameTooLargeError)
  })

  it('rejects an empty delimiter', () => {
    expect(() => delimited({ delimiter: '' })).toThrow(InvalidArgumentError)
  })

  it('refuses to encode more than the limit', () => {
    expect(() => lines({ maxFrameSize: 2 }).encode(text('abc'))).toThrow(FrameTooLargeError)
  })
})

describe('allowUnterminatedEnd', () => {
  it('returns a last frame only when it fits the limit (held delimiter slack does not count as room)', () => {
    const short = lines({ maxFrameSize: 3, allowUnterminatedEnd: true }).createDecoder()
    short.push(text('abc'))
    expect(str(short.end())).toEqual(['abc'])
    const crlf = lines({ maxFrameSize: 3, allowUnterminatedEnd: true }).createDecoder()
    crlf.push(text('abc\r'))
    expect(() => crlf.end()).toThrow(FrameTooLargeError)
    const multi = delimited({ delimiter: '\r\n\r\n', maxFrameSize: 3, allowUnterminatedEnd: true }).createDecoder()
    multi.push(text('abc\r\n\r'))
    expect(() => multi.end()).toThrow(FrameTooLargeError)
  })
})

describe('a line that completes over the limit', () => {
  it.each([
    ['\\n', lines({ maxFrameSize: 1000 })],
    ['\\r\\n\\r\\n', delimited({ delimiter: '\r\n\r\n', maxFrameSize: 1000 })],
  ])('is rejected before its held bytes and the chunk are joined (%s)', (_name, codec) => {
    const decoder = codec.createDecoder()
    expect(decoder.push(Buffer.alloc(900, 0x61))).toEqual([])
    // The delimiter ends a 1 MiB chunk: joining first would copy 1 MiB to learn the line is too long.
    const chunk = Buffer.concat([Buffer.alloc(1 << 20, 0x61), Buffer.from(codec.name === 'lines' ? '\n' : '\r\n\r\n')])
    const allocations: number[] = []
    const spy = vi.spyOn(Buffer, 'allocUnsafe').mockImplementation(function (this: unknown, size: number) {
      allocations.push(size)
      return Buffer.allocUnsafeSlow(size)
    })
    onTestFinished(() => spy.mockRestore())
    expect(() => decoder.push(chunk)).toThrow(FrameTooLargeError)
    expect(allocations.filter((n) => n > 2000)).toEqual([])
  })
})

