import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '@netkit/shared'
import { HttpParseError, RequestParser, type RequestEvent } from '../src/index.js'

const bytes = (text: string) => Buffer.from(text, 'latin1')

/** Feed `text` in the given piece sizes; collect events (body joined) and the leftover. */
function parse(text: string, sizes: number[] = [text.length], options = {}) {
  const parser = new RequestParser(options)
  const data = bytes(text)
  const events: RequestEvent[] = []
  let body = ''
  for (let pos = 0, i = 0; pos < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]!)
    for (const e of parser.push(data.subarray(pos, pos + size))) {
      if (e.type === 'body') body += Buffer.from(e.data).toString('latin1')
      else events.push(e)
    }
    pos += size
  }
  return { events, body, leftover: Buffer.from(parser.leftover).toString('latin1'), parser }
}

const failure = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    if (err instanceof HttpParseError) return err.code
    throw err
  }
  return undefined
}

describe('RequestParser', () => {
  it('parses CONNECT and keeps what follows the head as leftover, uninterpreted', () => {
    const { events, leftover } = parse('CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n\x16\x03\x01 tls bytes')
    expect(events[0]).toMatchObject({ type: 'head', head: { method: 'CONNECT', target: 'example.test:443', httpVersion: '1.1', bodyKind: 'none' } })
    expect(events[1]).toEqual({ type: 'end' })
    expect(leftover).toBe('\x16\x03\x01 tls bytes')
  })

  it('reads Content-Length and chunked bodies in any chunking, and the next request stays leftover', () => {
    const chunked = 'POST http://o.test/x HTTP/1.1\r\nHost: o.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.1\r\n'
    const length = 'POST /x HTTP/1.0\r\nContent-Length: 11\r\n\r\nhello worldNEXT'
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), (sizes) => {
        const a = parse(chunked, sizes)
        expect(a.body).toBe('hello world')
        expect(a.leftover).toBe('GET / HTTP/1.1\r\n')
        expect(a.events.map((e) => e.type)).toEqual(['head', 'trailers', 'end'])
        const b = parse(length, sizes)
        expect(b.body).toBe('hello world')
        expect(b.leftover).toBe('NEXT')
      }),
      { numRuns: 200 },
    )
  })

  it('answers an over-long request line with URI_TOO_LONG, a large header section with HEADERS_TOO_LARGE, in any chunking', () => {
    const longLine = `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: h\r\n\r\n`
    const bigHead = `GET / HTTP/1.1\r\nHost: h\r\n${'X-A: b\r\n'.repeat(2000)}\r\n`
    for (const sizes of [[1], [7], [100_000]]) {
      expect(failure(() => parse(longLine, sizes))).toBe(ErrorCode.HTTP_URI_TOO_LONG)
      expect(failure(() => parse(bigHead, sizes, { maxHeaderSize: 8192 }))).toBe(ErrorCode.HTTP_HEADERS_TOO_LARGE)
    }
  })

  it('holds at most the caps while a head dribbles in (nothing peer-controlled grows without bound)', () => {
    const parser = new RequestParser({ maxHeaderSize: 4096, maxRequestLine: 1024 })
    parser.push(bytes('GET / HTTP/1.1\r\nHost: h\r\nX: '))
    let failed: string | undefined
    for (let i = 0; i < 10_000 && !failed; i++) {
      failed = failure(() => parser.push(bytes('y')))
      expect(parser.buffered).toBeLessThanOrEqual(4096)
    }
    expect(failed).toBe(ErrorCode.HTTP_HEADERS_TOO_LARGE)
  })

  it.each([
    ['both Transfer-Encoding and Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['Transfer-Encoding without chunked last', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n'],
    ['conflicting Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n'],
    ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n'],
    ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: h\r\n\r\n'],
    ['binary garbage', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
    ['not HTTP/1.x', 'GET / HTTP/2.0\r\nHost: h\r\n\r\n'],
  ])('refuses a request that two parties could frame differently: %s', (_name, text) => {
    expect(failure(() => parse(text))).toBe(ErrorCode.HTTP_MALFORMED)
  })

  it('reports a client that closes mid-head', () => {
    const parser = new RequestParser()
    parser.push(bytes('GET / HT'))
    expect(failure(() => parser.finish())).toBe(ErrorCode.HTTP_PARTIAL_BODY)
  })
})
