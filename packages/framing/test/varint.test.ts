import { describe, expect, it } from 'vitest'
import { FrameTooLargeError, FrameTruncatedError, InvalidVarintError, codecFor, varint } from '../src/index.js'
import { bytes, decodeAll, rechunk, str, text } from './helpers.js'

describe('varint codec', () => {
  it('encodes lengths as LEB128', () => {
    const codec = varint()
    expect(codec.name).toBe('varint')
    expect([...codec.encode(text('abc'))]).toEqual([3, 0x61, 0x62, 0x63])
    expect([...codec.encode(new Uint8Array(300)).subarray(0, 2)]).toEqual([0xac, 0x02])
    expect([...codec.encode(new Uint8Array(127)).subarray(0, 1)]).toEqual([0x7f])
    expect([...codec.encode(new Uint8Array(128)).subarray(0, 2)]).toEqual([0x80, 0x01])
    expect([...codec.encode(new Uint8Array(16384)).subarray(0, 3)]).toEqual([0x80, 0x80, 0x01])
  })

  it('decodes what it encodes, however chunked', () => {
    const codec = varint()
    const payloads = [new Uint8Array(0), new Uint8Array(127).fill(1), new Uint8Array(128).fill(2), new Uint8Array(20000).fill(3)]
    const stream = codec.encodeMany(payloads)
    expect(stream.length).toBe(1 + 1 + 127 + 2 + 128 + 3 + 20000)
    for (const sizes of [[1], [2], [3, 1], [4096]]) expect(decodeAll(codec, rechunk(stream, sizes))).toEqual(payloads)
  })

  it('is compatible with it-length-prefixed', async () => {
    const lp = await import('it-length-prefixed')
    const { Uint8ArrayList } = await import('uint8arraylist')
    const payload = new Uint8Array(1000).fill(9)
    const theirs = lp.encode.single(payload).subarray()
    expect(Buffer.compare(theirs, varint().encode(payload))).toBe(0)
    const back: Uint8Array[] = []
    for await (const frame of lp.decode([varint().encode(payload)])) back.push(frame instanceof Uint8ArrayList ? frame.subarray() : frame)
    expect(back).toHaveLength(1)
    expect(Buffer.compare(back[0], payload)).toBe(0)
  })

  it('rejects an overlong varint', () => {
    expect(() => varint().createDecoder().push(bytes(0x81, 0x00))).toThrow(InvalidVarintError)
    expect(() => varint().createDecoder().push(bytes(0x80, 0x80, 0x00))).toThrow(InvalidVarintError)
    const decoder = varint().createDecoder()
    decoder.push(bytes(0x80))
    let caught: unknown
    try {
      decoder.push(bytes(0x00))
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(InvalidVarintError)
    expect((caught as InvalidVarintError).code).toBe('NETKIT_INVALID_VARINT')
    expect((caught as InvalidVarintError).exitCode).toBe(1)
  })

  it('rejects more than 53 bits', () => {
    const huge = varint({ maxFrameSize: Number.MAX_SAFE_INTEGER }).createDecoder()
    expect(() => huge.push(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10))).toThrow(InvalidVarintError)
    const nine = varint({ maxFrameSize: Number.MAX_SAFE_INTEGER }).createDecoder()
    expect(() => nine.push(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01))).toThrow(InvalidVarintError)
    // 2^53 - 1 itself is accepted (as a length; the frame is then pending).
    const max = varint({ maxFrameSize: Number.MAX_SAFE_INTEGER }).createDecoder()
    expect(max.push(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f))).toEqual([])
    expect(max.buffered).toBe(0)
  })

  it('rejects a length over the limit before the varint even ends', () => {
    const decoder = varint({ maxFrameSize: 100 }).createDecoder()
    expect(() => decoder.push(bytes(0xff, 0xff))).toThrow(FrameTooLargeError)
    expect(decoder.buffered).toBe(0)
    const exact = varint({ maxFrameSize: 100 }).createDecoder()
    expect(() => exact.push(bytes(101))).toThrow(FrameTooLargeError)
  })

  it('rejects a 4 GiB announcement at once with the default limit', () => {
    const decoder = codecFor('varint').createDecoder()
    expect(() => decoder.push(bytes(0xff, 0xff, 0xff, 0xff, 0x0f))).toThrow(FrameTooLargeError)
    expect(decoder.buffered).toBe(0)
  })

  it('reports a truncated varint or payload at end()', () => {
    const a = varint().createDecoder()
    a.push(bytes(0x80))
    expect(a.buffered).toBe(1)
    expect(() => a.end()).toThrow(FrameTruncatedError)
    const b = varint().createDecoder()
    b.push(bytes(5, 1, 2))
    expect(() => b.end()).toThrow(FrameTruncatedError)
  })

  it('returns a zero-copy view for a frame inside one chunk', () => {
    const chunk = Buffer.from(varint().encode(text('abc')))
    const [frame] = varint().createDecoder().push(chunk)
    expect(frame.buffer).toBe(chunk.buffer)
    expect(str([frame])).toEqual(['abc'])
  })
})

describe('varint fast paths', () => {
  it('reject overlong 2- and 3-byte lengths read inside one chunk', () => {
    expect(() => varint().createDecoder().push(bytes(0x81, 0x00, 0x00, 0x00))).toThrow(InvalidVarintError)
    expect(() => varint().createDecoder().push(bytes(0x80, 0x80, 0x00, 0x00))).toThrow(InvalidVarintError)
  })

  it('read 2- and 3-byte lengths inside one chunk', () => {
    const codec = varint()
    for (const size of [128, 16383, 16384, 2 ** 21 - 1]) {
      const payload = new Uint8Array(size).fill(5)
      const [frame] = codec.createDecoder().push(codec.encode(payload))
      expect(frame.length).toBe(size)
    }
  })
})
