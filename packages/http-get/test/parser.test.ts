import { InvalidArgumentError, NetkitError } from '@netkit/shared'
import { describe, expect, test } from 'vitest'
import {
  DEFAULT_MAX_HEADER_SIZE,
  HttpParseError,
  ResponseParser,
  type ResponseHead,
} from '../src/index.js'
import { bytes, oneByteAtATime, run, runText, text, type NormalizedEvent } from './parser-helpers.js'

const headOf = (events: NormalizedEvent[]): ResponseHead => {
  const event = events.find((e) => e.type === 'head')
  if (!event || event.type !== 'head') throw new Error(`no head in ${JSON.stringify(events)}`)
  return event.head
}
const errorOf = (events: NormalizedEvent[]) => {
  const last = events[events.length - 1]
  if (last?.type !== 'error') throw new Error(`expected an error, got ${JSON.stringify(events)}`)
  return last
}

describe('a simple Content-Length response', () => {
  test('emits head, body and end, and stores extra bytes as leftover', () => {
    const { events, parser } = runText('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloEXTRA', {}, false)
    expect(events).toEqual([
      {
        type: 'head',
        head: {
          httpVersion: '1.1',
          status: 200,
          reason: 'OK',
          headers: [
            ['Content-Type', 'text/plain'],
            ['Content-Length', '5'],
          ],
          bodyKind: 'length',
          contentLength: 5,
          keepAlive: true,
          warnings: [],
        },
      },
      { type: 'body', text: 'hello' },
      { type: 'end' },
    ])
    expect(parser.done).toBe(true)
    expect(parser.bodyBytes).toBe(5)
    expect(text(parser.leftover)).toBe('EXTRA')
    expect(parser.head?.status).toBe(200)
    // Bytes after the end keep going to leftover; finish() adds nothing.
    expect(parser.push(bytes('MORE'))).toEqual([])
    expect(text(parser.leftover)).toBe('EXTRAMORE')
    expect(parser.finish()).toEqual([])
    expect(parser.finish()).toEqual([])
  })

  test('body pieces are views of the pushed chunk, not copies', () => {
    const parser = new ResponseParser()
    parser.push(bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'))
    const chunk = bytes('0123456789')
    const events = parser.push(chunk)
    const body = events[0]
    expect(body?.type).toBe('body')
    if (body?.type !== 'body') return
    expect(body.data.buffer).toBe(chunk.buffer)
    expect(body.data.byteOffset).toBe(chunk.byteOffset)
    expect(body.data.length).toBe(10)
  })

  test('held head bytes and leftover are copies: a caller may reuse its Buffer after push', () => {
    const parser = new ResponseParser()
    const buffer = Buffer.from('HTTP/1.1 200 OK\r\nX-Long: abc')
    parser.push(buffer)
    expect(parser.buffered).toBe(11)
    buffer.fill(0x21) // the socket layer reuses its buffer
    const second = Buffer.from('def\r\nContent-Length: 1\r\n\r\nzEXTRA')
    const events = parser.push(second)
    second.fill(0x21)
    expect(events[0]).toMatchObject({ type: 'head', head: { headers: [['X-Long', 'abcdef'], ['Content-Length', '1']] } })
    expect(text(parser.leftover)).toBe('EXTRA')
  })

  test('a zero Content-Length ends right after the head', () => {
    const { events, parser } = runText('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', {}, false)
    expect(events.map((e) => e.type)).toEqual(['head', 'end'])
    expect(parser.done).toBe(true)
    expect(parser.leftover.length).toBe(0)
  })
})

describe('status line', () => {
  test.each([
    ['HTTP/1.1 200 OK', '1.1', 200, 'OK'],
    ['HTTP/1.1 200 ', '1.1', 200, ''],
    ['HTTP/1.1 200', '1.1', 200, ''],
    ['HTTP/1.0 404 Not Found', '1.0', 404, 'Not Found'],
    ['HTTP/1.1 599 Some  odd   reason\t!', '1.1', 599, 'Some  odd   reason\t!'],
    ['HTTP/1.2 200 OK', '1.1', 200, 'OK'],
    ['HTTP/1.1 200 Caf\xe9', '1.1', 200, 'Caf\xe9'],
  ])('%j', (line, httpVersion, status, reason) => {
    const head = headOf(runText(`${line}\r\nContent-Length: 0\r\n\r\n`).events)
    expect({ httpVersion: head.httpVersion, status: head.status, reason: head.reason }).toEqual({ httpVersion, status, reason })
  })

  test.each([
    'HTTP/2 200 OK',
    'HTTP/1.1 20 OK',
    'HTTP/1.1 2000 OK',
    'HTTP/1.1 099 Low',
    'HTTP/1.1  200 OK',
    'HTTP/1.1 abc OK',
    'ICY 200 OK',
    'http/1.1 200 OK',
    'HTTP/1.1 200 O\0K',
    'HTTP/1.1 200 O\rK',
    '<html>',
  ])('rejects %j (exit 8)', (line) => {
    const error = errorOf(runText(`${line}\r\nContent-Length: 0\r\n\r\n`).events)
    expect(error.code).toBe('NETKIT_HTTP_MALFORMED')
    expect(error.message).toMatch(/^malformed status line: /)
  })

  test('a peer that does not speak HTTP is rejected from its first 7 bytes, not at the size cap', () => {
    const parser = new ResponseParser()
    expect(parser.push(bytes('SSH-2.'))).toEqual([])
    expect(() => parser.push(bytes('0-OpenSSH_9.6'))).toThrow('malformed status line: not an HTTP/1.x response (starts with "SSH-2.0")')
    const error = errorOf(runText('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03').events)
    expect(error).toMatchObject({
      code: 'NETKIT_HTTP_MALFORMED',
      message: `malformed status line: not an HTTP/1.x response (starts with ${JSON.stringify('\x16\x03\x01\x02\x00\x01\x00')})`,
    })
  })

  test('bare LF line endings are tolerated everywhere (like curl)', () => {
    const { events } = runText('HTTP/1.1 200 OK\nA: 1\nTransfer-Encoding: chunked\n\n3\nabc\n0\nT: 2\n\n')
    expect(events).toEqual([
      expect.objectContaining({ type: 'head' }),
      { type: 'body', text: 'abc' },
      { type: 'trailers', trailers: [['T', '2']] },
      { type: 'end' },
    ])
    expect(headOf(events).headers).toEqual([
      ['A', '1'],
      ['Transfer-Encoding', 'chunked'],
    ])
  })

  test('empty lines before the status line are skipped', () => {
    const head = headOf(runText('\r\n\nHTTP/1.1 204 No Content\r\n\r\n').events)
    expect(head.status).toBe(204)
  })
})

describe('header fields', () => {
  test('OWS is trimmed, repeated fields are kept in order, names keep their case', () => {
    const head = headOf(
      runText('HTTP/1.1 200 OK\r\nSet-Cookie:a=1\r\nX-Y: \t spaced value \t \r\nset-cookie:   b=2\r\nEmpty:\r\nEmpty2:   \r\nContent-Length: 0\r\n\r\n').events,
    )
    expect(head.headers).toEqual([
      ['Set-Cookie', 'a=1'],
      ['X-Y', 'spaced value'],
      ['set-cookie', 'b=2'],
      ['Empty', ''],
      ['Empty2', ''],
      ['Content-Length', '0'],
    ])
  })

  test('obs-fold continuation lines are joined with a single space', () => {
    const head = headOf(
      runText('HTTP/1.1 200 OK\r\nX-Folded: first  \r\n   second\r\n\tthird \r\nEmptyStart:\r\n  now\r\nContent-Length: 0\r\n\r\n').events,
    )
    expect(head.headers).toEqual([
      ['X-Folded', 'first second third'],
      ['EmptyStart', 'now'],
      ['Content-Length', '0'],
    ])
  })

  test('a colon in the value and obs-text bytes are kept as received', () => {
    const head = headOf(runText('HTTP/1.1 200 OK\r\nLocation: http://h:8/p?q=a:b\r\nX-Bin: \xff\xfe\x80\r\nContent-Length: 0\r\n\r\n').events)
    expect(head.headers).toEqual([
      ['Location', 'http://h:8/p?q=a:b'],
      ['X-Bin', '\xff\xfe\x80'],
      ['Content-Length', '0'],
    ])
  })

  test.each([
    ['space before the colon', 'Content-Length : 5'],
    ['no colon', 'NoColonHere'],
    ['empty name', ': value'],
    ['non-token name', 'Bad(Name): 1'],
    ['NUL in value', 'X: a\0b'],
    ['bare CR in value', 'X: a\rb'],
  ])('rejects a field with %s', (_what, line) => {
    const error = errorOf(runText(`HTTP/1.1 200 OK\r\n${line}\r\n\r\n`).events)
    expect(error.code).toBe('NETKIT_HTTP_MALFORMED')
  })

  test('rejects a continuation line right after the status line', () => {
    const error = errorOf(runText('HTTP/1.1 200 OK\r\n  folded\r\n\r\n').events)
    expect(error).toMatchObject({ code: 'NETKIT_HTTP_MALFORMED', message: 'header continuation line without a field: "  folded"' })
  })
})

describe('header section size cap', () => {
  const big = (size: number): string => {
    let head = 'HTTP/1.1 200 OK\r\n'
    let i = 0
    while (head.length < size) head += `X-Filler-${i++}: ${'v'.repeat(100)}\r\n`
    return `${head}Content-Length: 0\r\n\r\n`
  }

  test('a 100 KiB header section is rejected as soon as the limit is passed, without buffering more', () => {
    expect(DEFAULT_MAX_HEADER_SIZE).toBe(64 * 1024)
    const data = bytes(big(100 * 1024))
    const parser = new ResponseParser()
    let fed = 0
    let error: unknown
    for (let i = 0; i < data.length; i += 1000) {
      const piece = data.subarray(i, i + 1000)
      try {
        parser.push(piece)
      } catch (err) {
        error = err
        break
      }
      fed += piece.length
      expect(parser.buffered).toBeLessThanOrEqual(DEFAULT_MAX_HEADER_SIZE)
    }
    expect(error).toBeInstanceOf(HttpParseError)
    expect(error).toMatchObject({
      code: 'NETKIT_HTTP_HEADERS_TOO_LARGE',
      exitCode: 8,
      message: 'Too large response headers: more than 65536 bytes',
    })
    // It failed within the 1000-byte piece that crossed the limit.
    expect(fed).toBeLessThanOrEqual(64 * 1024)
    expect(fed).toBeGreaterThan(64 * 1024 - 1000)
    // The error sticks.
    expect(() => parser.push(bytes('x'))).toThrow('Too large response headers')
    expect(() => parser.finish()).toThrow('Too large response headers')
  })

  test('a single header line without LF is cut at the limit (no unbounded line buffer)', () => {
    const parser = new ResponseParser({ maxHeaderSize: 1024 })
    parser.push(bytes('HTTP/1.1 200 OK\r\nX: '))
    const piece = bytes('a'.repeat(100))
    let pushes = 0
    expect(() => {
      for (; pushes < 100; pushes++) parser.push(piece)
    }).toThrow(HttpParseError)
    expect(pushes).toBe(10)
    expect(parser.buffered).toBeLessThanOrEqual(1024)
  })

  test('the limit counts the whole head, terminators included: exactly at the limit passes, one more byte fails', () => {
    const response = 'HTTP/1.1 200 OK\r\nX-A: 12345\r\nContent-Length: 2\r\n\r\n'
    const exact = response.length
    expect(headOf(runText(`${response}ok`, { maxHeaderSize: exact }).events).status).toBe(200)
    const error = errorOf(runText(`${response}ok`, { maxHeaderSize: exact - 1 }).events)
    expect(error.code).toBe('NETKIT_HTTP_HEADERS_TOO_LARGE')
  })

  test('each interim response gets its own budget', () => {
    const interim = 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'
    const final = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'
    const { events } = runText(interim + interim + final, { maxHeaderSize: Math.max(interim.length, final.length) })
    expect(events.map((e) => e.type)).toEqual(['interim', 'interim', 'head', 'end'])
  })

  test('an invalid maxHeaderSize is a programming error', () => {
    expect(() => new ResponseParser({ maxHeaderSize: 0 })).toThrow(InvalidArgumentError)
  })
})

describe('interim responses', () => {
  test('100, 102 and 103 are emitted as interim and the next head is parsed', () => {
    const { events } = runText(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    )
    expect(events.map((e) => (e.type === 'interim' || e.type === 'head' ? `${e.type} ${e.head.status}` : e.type))).toEqual([
      'interim 100',
      'interim 102',
      'interim 103',
      'head 200',
      'body',
      'end',
    ])
    const early = events[2]
    expect(early?.type === 'interim' && early.head).toMatchObject({ bodyKind: 'none', headers: [['Link', '</s.css>; rel=preload']] })
  })

  test('101 is final, has no body, and the rest of the stream is leftover', () => {
    const { events, parser } = runText('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello', {}, false)
    expect(events.map((e) => e.type)).toEqual(['head', 'end'])
    expect(headOf(events)).toMatchObject({ status: 101, bodyKind: 'none', keepAlive: false })
    expect(text(parser.leftover)).toBe('\x81\x05hello')
  })

  test('closing after an interim response is a partial response', () => {
    expect(errorOf(runText('HTTP/1.1 100 Continue\r\n\r\n').events)).toMatchObject({ code: 'NETKIT_HTTP_PARTIAL_BODY' })
  })
})

describe('message body length (RFC 9112 §6.3)', () => {
  const bodyOf = (response: string, method?: string) => {
    const { events, parser } = runText(response, { method }, false)
    return { events, head: headOf(events), parser }
  }

  test('HEAD: no body, Content-Length still reported', () => {
    const { events, head, parser } = bodyOf('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', 'head')
    expect(head).toMatchObject({ bodyKind: 'none', contentLength: 1234, keepAlive: true })
    expect(events.map((e) => e.type)).toEqual(['head', 'end'])
    expect(parser.done).toBe(true)
  })

  test('HEAD with an invalid Content-Length: no body, a warning, no error', () => {
    const { head } = bodyOf('HTTP/1.1 200 OK\r\nContent-Length: 12, 13\r\n\r\n', 'HEAD')
    expect(head.contentLength).toBeUndefined()
    expect(head).toMatchObject({ bodyKind: 'none', warnings: ['invalid Content-Length ignored (no body expected)'] })
  })

  test.each([204, 304])('%i: no body even with framing headers; bytes after it are leftover', (status) => {
    const { events, head, parser } = bodyOf(`HTTP/1.1 ${status} X\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\n`)
    expect(head.bodyKind).toBe('none')
    expect(events.map((e) => e.type)).toEqual(['head', 'end'])
    expect(text(parser.leftover)).toBe('HTTP/1.1 200 OK\r\n')
  })

  test('2xx to CONNECT: no body', () => {
    expect(bodyOf('HTTP/1.1 200 Connection established\r\n\r\n', 'CONNECT').head.bodyKind).toBe('none')
  })

  test('chunked and Content-Length: chunked wins, flagged, connection not reused', () => {
    const { events, head } = bodyOf('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')
    expect(head).toMatchObject({
      bodyKind: 'chunked',
      keepAlive: false,
      warnings: ['both Transfer-Encoding and Content-Length (chunked wins)'],
    })
    expect(head.contentLength).toBeUndefined()
    expect(events.slice(1)).toEqual([{ type: 'body', text: 'hello' }, { type: 'end' }])
  })

  test.each([
    ['gzip, chunked', 'chunked'],
    ['gzip', 'close'],
    ['chunked, gzip', 'close'],
    ['Chunked', 'chunked'],
    ['gzip,\tCHUNKED ', 'chunked'],
  ] as const)('Transfer-Encoding: %s -> %s', (value, kind) => {
    const { head } = bodyOf(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${value}\r\n\r\n`)
    expect(head.bodyKind).toBe(kind)
    if (kind === 'close') expect(head.keepAlive).toBe(false)
  })

  test('Transfer-Encoding split over two fields', () => {
    expect(bodyOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n').head.bodyKind).toBe('chunked')
    expect(bodyOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n').head.bodyKind).toBe('close')
  })

  test('chunked applied twice is rejected', () => {
    const error = errorOf(runText('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n').events)
    expect(error).toMatchObject({ code: 'NETKIT_HTTP_MALFORMED', message: 'chunked applied more than once: "chunked, chunked"' })
  })

  test('a read-to-close body after Transfer-Encoding without chunked ends at close', () => {
    const { events } = runText('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef')
    expect(events.slice(1)).toEqual([{ type: 'body', text: 'abcdef' }, { type: 'end' }])
  })

  test.each([
    ['5, 5', 5],
    ['7,7,7', 7],
    ['  42  ', 42],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('Content-Length: %j is %i', (value, length) => {
    expect(bodyOf(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\n`).head).toMatchObject({ bodyKind: 'length', contentLength: length })
  })

  test('identical repeated Content-Length fields are accepted', () => {
    const { events } = runText('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc')
    expect(events.slice(1)).toEqual([{ type: 'body', text: 'abc' }, { type: 'end' }])
  })

  test.each([
    ['5, 6', 'conflicting Content-Length values: "5, 6"'],
    ['-1', 'invalid Content-Length: "-1"'],
    ['+5', 'invalid Content-Length: "+5"'],
    ['abc', 'invalid Content-Length: "abc"'],
    ['', 'invalid Content-Length: ""'],
    ['5 5', 'invalid Content-Length: "5 5"'],
    ['1e3', 'invalid Content-Length: "1e3"'],
    ['0x10', 'invalid Content-Length: "0x10"'],
    ['5,', 'invalid Content-Length: "5,"'],
    ['99999999999999999999', 'invalid Content-Length: "99999999999999999999"'],
    ['9007199254740992', 'invalid Content-Length: "9007199254740992"'],
  ])('Content-Length: %j is rejected', (value, message) => {
    const error = errorOf(runText(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\n`).events)
    expect(error).toEqual({ type: 'error', code: 'NETKIT_HTTP_MALFORMED', message })
  })

  test('different values in two Content-Length fields are rejected', () => {
    const error = errorOf(runText('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello').events)
    expect(error).toMatchObject({ code: 'NETKIT_HTTP_MALFORMED', message: 'conflicting Content-Length values: "5, 6"' })
  })

  test('neither: read to close, not reusable', () => {
    const { events, parser } = runText('HTTP/1.1 200 OK\r\n\r\nsome', {}, false)
    expect(headOf(events)).toMatchObject({ bodyKind: 'close', keepAlive: false })
    expect(parser.done).toBe(false)
    expect(parser.push(bytes(' more'))).toHaveLength(1)
    expect(parser.push(new Uint8Array(0))).toEqual([])
    expect(parser.finish()).toEqual([{ type: 'end' }])
    expect(parser.done).toBe(true)
    expect(parser.bodyBytes).toBe(9)
  })
})

describe('keep-alive', () => {
  test.each([
    ['1.1', '', true],
    ['1.1', 'Connection: close\r\n', false],
    ['1.1', 'Connection: Upgrade, CLOSE\r\n', false],
    ['1.1', 'Connection: keep-alive\r\n', true],
    ['1.0', '', false],
    ['1.0', 'Connection: Keep-Alive\r\n', true],
    ['1.0', 'Connection: foo\r\nConnection: keep-alive\r\n', true],
  ])('HTTP/%s with %j -> %s', (version, fields, keepAlive) => {
    expect(headOf(runText(`HTTP/${version} 200 OK\r\n${fields}Content-Length: 0\r\n\r\n`).events).keepAlive).toBe(keepAlive)
  })

  test('Transfer-Encoding in HTTP/1.0 is decoded but flagged and not reused', () => {
    const { events } = runText('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n')
    expect(headOf(events)).toMatchObject({ bodyKind: 'chunked', keepAlive: false, warnings: ['Transfer-Encoding in an HTTP/1.0 response'] })
    expect(events.slice(1)).toEqual([{ type: 'body', text: 'ok' }, { type: 'end' }])
  })
})

describe('chunked bodies', () => {
  const chunked = (body: string) => runText(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`)

  test('chunks, extensions (ignored, quoted strings too), upper and lower case hex, trailers', () => {
    const { events, parser } = chunked(
      '5;name=value\r\nhello\r\nA ; a ; b = "x;\\"y\\"" ;c=d\r\n0123456789\r\n000000000000000c\r\n hello world\r\n0;last\r\nExpires: never\r\nX-Sum:  ab \r\n  cd\r\n\r\n',
    )
    expect(events.slice(1)).toEqual([
      { type: 'body', text: 'hello0123456789 hello world' },
      {
        type: 'trailers',
        trailers: [
          ['Expires', 'never'],
          ['X-Sum', 'ab cd'],
        ],
      },
      { type: 'end' },
    ])
    expect(parser.bodyBytes).toBe(27)
  })

  test('no trailers: no trailers event', () => {
    expect(chunked('2\r\nhi\r\n0\r\n\r\n').events.slice(1)).toEqual([{ type: 'body', text: 'hi' }, { type: 'end' }])
  })

  test('an empty chunked body', () => {
    expect(chunked('0\r\n\r\n').events.map((e) => e.type)).toEqual(['head', 'end'])
  })

  test('chunk data is a view of the pushed chunk', () => {
    const parser = new ResponseParser()
    parser.push(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'))
    const chunk = bytes('4\r\nwxyz\r\n3\r\nabc\r\n0\r\n\r\nNEXT')
    const events = parser.push(chunk)
    expect(events.map((e) => e.type)).toEqual(['body', 'body', 'end'])
    for (const event of events) if (event.type === 'body') expect(event.data.buffer).toBe(chunk.buffer)
    expect(text(parser.leftover)).toBe('NEXT')
  })

  test.each([
    ['empty size', '\r\nhello\r\n0\r\n\r\n', 'malformed chunk size line: ""'],
    ['non-hex size', 'xyz\r\n', 'malformed chunk size line: "xyz"'],
    ['negative size', '-5\r\n', 'malformed chunk size line: "-5"'],
    ['leading space', ' 5\r\nhello\r\n', 'malformed chunk size line: " 5"'],
    ['0x prefix', '0x5\r\nhello\r\n', 'malformed chunk extension: "0x5"'],
    ['17 hex digits', '00000000000000005\r\nhello\r\n', 'chunk size overflow: "00000000000000005"'],
    ['2^53', '20000000000000\r\n', 'chunk size overflow: "20000000000000"'],
    ['2^64 - 1', 'ffffffffffffffff\r\n', 'chunk size overflow: "ffffffffffffffff"'],
    ['bad extension', '5;=x\r\nhello\r\n', 'malformed chunk extension: "5;=x"'],
    ['unterminated quote', '5;a="x\r\nhello\r\n', 'malformed chunk extension: "5;a=\\"x"'],
    ['data longer than the size', '5\r\nhelloX\r\n0\r\n\r\n', 'chunk data not followed by CRLF'],
    ['CR without LF after data', '5\r\nhello\rX0\r\n\r\n', 'chunk data not followed by CRLF'],
    ['bad trailer', '0\r\nNo colon\r\n\r\n', 'malformed trailer field: "No colon"'],
  ])('rejects %s', (_what, body, message) => {
    const { events } = chunked(body)
    expect(errorOf(events)).toEqual({ type: 'error', code: 'NETKIT_HTTP_MALFORMED', message })
  })

  test('events completed before a failure in the same push travel with the error', () => {
    const parser = new ResponseParser()
    let error: unknown
    try {
      parser.push(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n'))
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(HttpParseError)
    const { events } = error as HttpParseError
    expect(events.map((e) => e.type)).toEqual(['head', 'body'])
    expect(events[1]?.type === 'body' && text(events[1].data)).toBe('hello')
    expect(parser.bodyBytes).toBe(5)
  })

  test('the largest safe chunk size is accepted (then the body is short)', () => {
    const { events } = chunked('1fffffffffffff\r\nabc')
    expect(events.slice(1)).toEqual([
      { type: 'body', text: 'abc' },
      { type: 'error', code: 'NETKIT_HTTP_PARTIAL_BODY', message: 'transfer closed with outstanding read data remaining' },
    ])
  })

  test('bare LF after chunk data is tolerated', () => {
    expect(chunked('3\r\nabc\n3\nxyz\r\n0\n\n').events.slice(1)).toEqual([{ type: 'body', text: 'abcxyz' }, { type: 'end' }])
  })

  test('a chunk-size line longer than the cap is rejected', () => {
    const { events } = runText(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=${'a'.repeat(2000)}\r\nhello\r\n`, { maxHeaderSize: 1024 })
    expect(errorOf(events)).toMatchObject({ code: 'NETKIT_HTTP_HEADERS_TOO_LARGE', message: 'Too large chunk size line: more than 1024 bytes' })
  })

  test('a trailer section larger than the cap is rejected', () => {
    let trailers = ''
    for (let i = 0; i < 20; i++) trailers += `T-${i}: ${'v'.repeat(90)}\r\n`
    const { events } = runText(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${trailers}\r\n`, { maxHeaderSize: 1024 })
    expect(errorOf(events)).toMatchObject({ code: 'NETKIT_HTTP_HEADERS_TOO_LARGE', message: 'Too large trailer section: more than 1024 bytes' })
  })
})

describe('end of input (finish)', () => {
  test('nothing received: empty reply, exit 52', () => {
    const parser = new ResponseParser()
    let error: unknown
    try {
      parser.finish()
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(HttpParseError)
    expect(error).toBeInstanceOf(NetkitError)
    expect(error).toMatchObject({ name: 'HttpParseError', code: 'NETKIT_HTTP_EMPTY_REPLY', exitCode: 52, message: 'Empty reply from server' })
  })

  test.each(['H', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n'])(
    'closed in the head %j: partial, exit 18',
    (partial) => {
      const { events } = runText(partial)
      expect(events).toEqual([
        { type: 'error', code: 'NETKIT_HTTP_PARTIAL_BODY', message: 'connection closed in the middle of the response headers' },
      ])
    },
  )

  test('short Content-Length body: the part received stays emitted, then exit 18', () => {
    const parser = new ResponseParser()
    const events = parser.push(bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello'))
    expect(events.map((e) => e.type)).toEqual(['head', 'body'])
    expect(parser.bodyBytes).toBe(5)
    let error: unknown
    try {
      parser.finish()
    } catch (err) {
      error = err
    }
    expect(error).toMatchObject({ code: 'NETKIT_HTTP_PARTIAL_BODY', exitCode: 18, message: 'transfer closed with 5 bytes remaining to read' })
    expect(parser.done).toBe(false)
  })

  test.each(['5\r\nhel', '5\r\nhello', '5\r\nhello\r\n', '5\r\nhello\r\n0\r\n', '5\r\nhello\r\n0\r\nT: 1\r\n'])(
    'closed inside a chunked body %j: partial, exit 18',
    (body) => {
      const { events } = runText(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`)
      expect(events[events.length - 1]).toEqual({
        type: 'error',
        code: 'NETKIT_HTTP_PARTIAL_BODY',
        message: 'transfer closed with outstanding read data remaining',
      })
    },
  )

  test('one byte at a time gives the same result as one chunk', () => {
    const response = bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x="a;b"\r\nhello\r\n0\r\nT: 1\r\n\r\nrest')
    const whole = run([response], {}, false)
    const split = run(oneByteAtATime(response), {}, false)
    expect(split.events).toEqual(whole.events)
    expect(text(split.parser.leftover)).toBe('rest')
    expect(text(whole.parser.leftover)).toBe('rest')
  })
})

describe('HttpParseError', () => {
  test('is a NetkitError with curl exit codes, and answers instanceof by brand', () => {
    const error = new HttpParseError('NETKIT_HTTP_MALFORMED', 'x')
    expect(error).toBeInstanceOf(Error)
    expect(error).toBeInstanceOf(NetkitError)
    expect(error.exitCode).toBe(8)
    expect(new HttpParseError('NETKIT_HTTP_PARTIAL_BODY', 'x').exitCode).toBe(18)
    expect(new HttpParseError('NETKIT_HTTP_EMPTY_REPLY', 'x').exitCode).toBe(52)
    expect(new HttpParseError('NETKIT_HTTP_HEADERS_TOO_LARGE', 'x').exitCode).toBe(8)
    // A copy from another install carries the same brand.
    const foreign = Object.create({ [Symbol.for('netkit.error.HttpParseError')]: true }) as object
    expect(foreign instanceof HttpParseError).toBe(true)
    expect(new Error('x') instanceof HttpParseError).toBe(false)
  })
})
