import { describe, expect, test } from 'vitest'
import { bytes, oneByteAtATime, run, splitAt, text } from './parser-helpers.js'

/**
 * Representative responses (good and bad). Each is parsed whole, split in two at every byte
 * boundary, split in three around every pair of close offsets, and fed one byte at a time: the
 * events (body pieces concatenated), the error if any, and the leftover must be identical.
 */
const RESPONSES: Array<[name: string, response: string, method?: string]> = [
  ['content-length', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world'],
  ['content-length + leftover', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\n'],
  ['empty reason, no SP', 'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok'],
  ['empty reason with SP', 'HTTP/1.0 200 \r\nContent-Length: 2\r\n\r\nok'],
  ['bare LF', 'HTTP/1.1 200 OK\nA: 1\nContent-Length: 2\n\nok'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\tc\r\nContent-Length: 1\r\n\r\n!'],
  ['interim + final', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'],
  ['101 switching', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n\x00\x01binary'],
  ['204', 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n'],
  ['304 with leftover', 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', 'HEAD'],
  ['read to close', 'HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody until\r\nthe end\r\n'],
  ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'],
  ['chunked with extensions and trailers', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=1;b="x;\\"y"\r\nhello\r\nA\r\n0123456789\r\n0;end\r\nT1: v1\r\nT2: a\r\n b\r\n\r\nafter'],
  ['chunked + content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
  ['chunked bare LF', 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n'],
  ['gzip not chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00'],
  ['binary body', `HTTP/1.1 200 OK\r\nContent-Length: 256\r\n\r\n${Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('')}`],
  ['empty reply', ''],
  ['truncated head', 'HTTP/1.1 200 OK\r\nContent-Le'],
  ['short body', 'HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nonly ten b'],
  ['truncated chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel'],
  ['bad status line', 'HTTP/1.1 2OO OK\r\n\r\n'],
  ['not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n'],
  ['not HTTP, no line end', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc'],
  ['short garbage line', 'hi\r\n'],
  ['stray empty lines then garbage', '\r\n\r\nHTTX/1.1 200 OK\r\n'],
  ['conflicting content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello'],
  ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n'],
  ['chunk overflow', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n'],
  ['missing CRLF after chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n'],
  ['bad header', 'HTTP/1.1 200 OK\r\nBad Header: 1\r\n\r\n'],
]

function expectSame(name: string, chunks: Uint8Array[], method: string | undefined, expected: ReturnType<typeof run>) {
  const got = run(chunks, { method })
  expect(got.events, name).toEqual(expected.events)
  expect(text(got.parser.leftover), name).toBe(text(expected.parser.leftover))
  expect(got.parser.bodyBytes, name).toBe(expected.parser.bodyBytes)
}

describe('any chunking gives the same events', () => {
  test.each(RESPONSES)('%s', (_name, response, method) => {
    const data = bytes(response)
    const whole = run([data], { method })
    expect(whole.events.length).toBeGreaterThan(0)
    for (let i = 0; i <= data.length; i++) expectSame(`split at ${i}`, splitAt(data, [i]), method, whole)
    for (let i = 0; i <= data.length; i++) {
      for (let j = i; j <= Math.min(data.length, i + 4); j++) expectSame(`split at ${i}, ${j}`, splitAt(data, [i, j]), method, whole)
    }
    expectSame('one byte at a time', oneByteAtATime(data), method, whole)
  })

  test('the table covers every outcome', () => {
    const outcomes = new Set(RESPONSES.map(([, response, method]) => {
      const last = run([bytes(response)], { method }).events.at(-1)
      return last?.type === 'error' ? last.code : last?.type
    }))
    expect([...outcomes].sort()).toEqual(['NETKIT_HTTP_EMPTY_REPLY', 'NETKIT_HTTP_MALFORMED', 'NETKIT_HTTP_PARTIAL_BODY', 'end'])
  })
})
