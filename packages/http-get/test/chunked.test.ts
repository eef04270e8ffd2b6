import { describe, expect, test } from 'vitest'
import { ChunkedDecoder, HttpParseError, MAX_CHUNK_SIZE_DIGITS, parseChunkSize } from '../src/index.js'
import type { ChunkedOutput } from '../src/protocol/chunked.js'
import { bytes, oneByteAtATime, text } from './parser-helpers.js'

describe('parseChunkSize', () => {
  test.each([
    ['0', 0],
    ['a', 10],
    ['A', 10],
    ['00ff', 255],
    ['1fffffffffffff', Number.MAX_SAFE_INTEGER],
    ['000000000000000f', 15],
    ['5;foo', 5],
    ['5 ; foo = bar', 5],
    ['5;foo="a;b=c"', 5],
    ['5;a="\\"";b', 5],
    ['5\t;\ta\t=\t"x"\t', 5],
    ['5   ', 5],
  ])('%j -> %i', (line, size) => {
    expect(parseChunkSize(line)).toBe(size)
  })

  test.each([
    ['', 'malformed chunk size line: ""'],
    ['g', 'malformed chunk size line: "g"'],
    ['+5', 'malformed chunk size line: "+5"'],
    ['5 5', 'malformed chunk extension: "5 5"'],
    ['5;', 'malformed chunk extension: "5;"'],
    ['5;a=', 'malformed chunk extension: "5;a="'],
    ['5;a="b', 'malformed chunk extension: "5;a=\\"b"'],
    ['5;a=b c', 'malformed chunk extension: "5;a=b c"'],
    ['5;a="\x01"', 'malformed chunk extension: "5;a=\\"\\u0001\\""'],
    ['0'.repeat(MAX_CHUNK_SIZE_DIGITS + 1), `chunk size overflow: "${'0'.repeat(17)}"`],
    ['20000000000000', 'chunk size overflow: "20000000000000"'],
  ])('rejects %j', (line, message) => {
    let error: unknown
    try {
      parseChunkSize(line)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(HttpParseError)
    expect(error).toMatchObject({ code: 'NETKIT_HTTP_MALFORMED', exitCode: 8, message })
  })

  test('a long run of extensions is parsed in linear time', () => {
    const line = `5${';a="x"'.repeat(5000)};b="unterminated`
    const started = performance.now()
    expect(() => parseChunkSize(line)).toThrow('malformed chunk extension')
    // Generous bound: a backtracking blow-up would take seconds or minutes, not milliseconds.
    expect(performance.now() - started).toBeLessThan(2000)
  })
})

describe('ChunkedDecoder', () => {
  const decodeAll = (chunks: Uint8Array[]) => {
    const decoder = new ChunkedDecoder(1024)
    const out: ChunkedOutput[] = []
    let rest = ''
    for (const chunk of chunks) {
      const pos = decoder.decode(chunk, 0, out)
      rest += text(chunk.subarray(pos))
    }
    const body = out.flatMap((o) => (o.type === 'body' ? [text(o.data)] : [])).join('')
    const trailers = out.flatMap((o) => (o.type === 'trailers' ? [o.trailers] : []))
    return { decoder, body, trailers, rest }
  }

  test('stops at the end of the body and reports where', () => {
    const wire = bytes('3\r\nabc\r\n0\r\nX: y\r\n\r\nHTTP/1.1')
    const whole = decodeAll([wire])
    expect(whole).toMatchObject({ body: 'abc', trailers: [[['X', 'y']]], rest: 'HTTP/1.1' })
    expect(whole.decoder.done).toBe(true)
    expect(whole.decoder.bodyBytes).toBe(3)
    const split = decodeAll(oneByteAtATime(wire))
    expect(split).toMatchObject({ body: 'abc', trailers: [[['X', 'y']]], rest: 'HTTP/1.1' })
  })

  test('buffered and chunkRemaining describe the state between pushes', () => {
    const decoder = new ChunkedDecoder(1024)
    const out: ChunkedOutput[] = []
    decoder.decode(bytes('10;ext'), 0, out)
    expect(decoder.buffered).toBe(6)
    decoder.decode(bytes('\r\n0123'), 0, out)
    expect(decoder.buffered).toBe(0)
    expect(decoder.chunkRemaining).toBe(12)
    expect(decoder.done).toBe(false)
  })

  test('a chunk-size line is capped while it is still arriving', () => {
    const decoder = new ChunkedDecoder(64)
    const out: ChunkedOutput[] = []
    decoder.decode(bytes(`5;${'x'.repeat(60)}`), 0, out)
    expect(() => decoder.decode(bytes('xx'), 0, out)).toThrow('Too large chunk size line: more than 64 bytes')
  })
})
