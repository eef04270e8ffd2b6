import { InvalidArgumentError } from '@netkit/shared'
import { describe, expect, it } from 'vitest'
import { Readable } from 'node:stream'
import { ZERO_COPY_ENCODE_MIN, codecFor, createNodeEncodeStream, delimited, encodeFrames, lengthPrefixed, varint, type Codec } from '../src/index.js'

const codecs: Codec[] = [lengthPrefixed(), lengthPrefixed({ width: 2, endian: 'little', lengthIncludesHeader: true }), varint(), codecFor('lines'), delimited({ delimiter: '--' })]

describe('frameParts (large payloads without a copy)', () => {
  for (const codec of codecs) {
    it(`${codec.name}: the parts join to encode(payload) and share the payload's memory`, () => {
      const payload = Buffer.alloc(40_000, 0x61)
      const parts = codec.frameParts!(payload)
      expect(Buffer.compare(Buffer.concat(parts), codec.encode(payload))).toBe(0)
      expect(parts.some((part) => part.buffer === payload.buffer)).toBe(true)
    })
  }

  it('the encode stream and encodeFrames send large payloads as parts, small ones as one buffer', async () => {
    const codec = lengthPrefixed()
    const big = Buffer.alloc(ZERO_COPY_ENCODE_MIN, 1)
    const small = Buffer.from('hi')
    const fromStream: Uint8Array[] = []
    for await (const chunk of Readable.from([small, big]).pipe(createNodeEncodeStream(codec))) fromStream.push(chunk as Uint8Array)
    const fromIterator: Uint8Array[] = []
    for await (const chunk of encodeFrames([small, big], codec)) fromIterator.push(chunk)
    expect(fromIterator.map((c) => c.length)).toEqual([6, 4, ZERO_COPY_ENCODE_MIN])
    expect(Buffer.compare(Buffer.concat(fromStream), Buffer.concat([codec.encode(small), codec.encode(big)]))).toBe(0)
  })
})

describe('encode input checks', () => {
  it('refuses payloads that are not bytes (a string would be framed as garbage)', async () => {
    for (const codec of codecs) expect(() => codec.encode('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError)
    const encode = createNodeEncodeStream(lengthPrefixed())
    const done = new Promise((_, reject) => encode.on('error', reject))
    encode.write('abc')
    await expect(done).rejects.toBeInstanceOf(InvalidArgumentError)
  })
})
