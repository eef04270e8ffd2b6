import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { HttpParseError, ResponseParser, type HeaderList } from '../src/index.js'
import { bytes, normalize, run, splitAt, text, type NormalizedEvent } from './parser-helpers.js'

/** FC_SCALE=50 runs every property 50 times longer (a deeper local fuzz; CI keeps the default). */
const scale = Math.max(1, Number(process.env.FC_SCALE ?? 1) || 1)
const runs = (n: number) => ({ numRuns: n * scale })

// Field names that change framing are set by the encoder, never generated.
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection'])
const fieldName = fc
  .stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,16}$/)
  .filter((name) => !RESERVED.has(name.toLowerCase()))
// Values as a server may send them: visible ASCII and obs-text, inner spaces and tabs.
const valueWord = fc.stringMatching(/^[\x21-\x7e\x80-\xff]{1,12}$/)
const fieldValue = fc.oneof(
  fc.constant(''),
  fc.array(valueWord, { minLength: 1, maxLength: 4 }).map((words) => words.join(' ')),
  fc.tuple(valueWord, valueWord).map(([a, b]) => `${a}\t${b}`),
)
/** A field with its value possibly folded over several lines (obs-fold -> one space). */
const field = fc.record({
  name: fieldName,
  parts: fc.array(fc.array(valueWord, { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')), { minLength: 1, maxLength: 3 }),
  single: fieldValue,
  fold: fc.boolean(),
  ows: fc.constantFrom('', ' ', '  ', '\t', ' \t'),
})
type Field = typeof field extends fc.Arbitrary<infer T> ? T : never

function encodeField(f: Field, eol: string): { wire: string; expected: [string, string] } {
  if (f.fold) {
    return {
      wire: `${f.name}:${f.ows}${f.parts.join(`${f.ows}${eol}${f.ows || ' '}`)}${f.ows}${eol}`,
      expected: [f.name, f.parts.join(' ')],
    }
  }
  return { wire: `${f.name}:${f.ows}${f.single}${f.ows}${eol}`, expected: [f.name, f.single] }
}

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/)
const quoted = fc.stringMatching(/^[\x20\x21\x23-\x5b\x5d-\x7e;=]{0,8}$/).map((s) => `"${s}"`)
const extension = fc
  .tuple(token, fc.option(fc.oneof(token, quoted, fc.constant('"a\\"b\\\\c"'))), fc.constantFrom('', ' ', '\t'))
  .map(([name, value, bws]) => `${bws};${bws}${name}${value === null ? '' : `${bws}=${bws}${value}`}`)

const message = fc.record({
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  reason: fc.stringMatching(/^[\x20-\x7e\x80-\xff\t]{0,20}$/),
  version: fc.constantFrom('1.0', '1.1'),
  eol: fc.constantFrom('\r\n', '\n'),
  fields: fc.array(field, { maxLength: 8 }),
  body: fc.uint8Array({ maxLength: 3000 }),
  framing: fc.constantFrom('length', 'chunked'),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 20 }),
  extensions: fc.array(fc.array(extension, { maxLength: 2 }), { maxLength: 21 }),
  hexStyle: fc.constantFrom('lower', 'upper', 'padded'),
  trailers: fc.array(field, { maxLength: 4 }),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
})
type Message = typeof message extends fc.Arbitrary<infer T> ? T : never

function hex(size: number, style: Message['hexStyle']): string {
  const digits = size.toString(16)
  return style === 'upper' ? digits.toUpperCase() : style === 'padded' ? digits.padStart(6, '0') : digits
}

/** Encodes a message; returns the wire bytes and the events a parser must produce. */
function encode(m: Message): { wire: Uint8Array; expected: NormalizedEvent[] } {
  const { eol } = m
  const headers: HeaderList = []
  let head = `HTTP/${m.version} ${m.status} ${m.reason}${eol}`
  for (const f of m.fields) {
    const { wire, expected } = encodeField(f, eol)
    head += wire
    headers.push(expected)
  }
  const framingField: [string, string] = m.framing === 'length' ? ['Content-Length', String(m.body.length)] : ['Transfer-Encoding', 'chunked']
  head += `${framingField[0]}: ${framingField[1]}${eol}${eol}`
  headers.push(framingField)
  const parts: Uint8Array[] = [bytes(head)]
  const trailers: HeaderList = []
  if (m.framing === 'length') {
    parts.push(m.body)
  } else {
    let offset = 0
    let i = 0
    while (offset < m.body.length) {
      const size = Math.min(m.chunkSizes[i] ?? m.body.length, m.body.length - offset)
      parts.push(bytes(`${hex(size, m.hexStyle)}${(m.extensions[i] ?? []).join('')}${eol}`))
      parts.push(m.body.subarray(offset, offset + size), bytes(eol))
      offset += size
      i++
    }
    let tail = `0${(m.extensions[i] ?? []).join('')}${eol}`
    for (const f of m.trailers) {
      const { wire, expected } = encodeField(f, eol)
      tail += wire
      trailers.push(expected)
    }
    parts.push(bytes(`${tail}${eol}`))
  }
  const expected: NormalizedEvent[] = [{ type: 'head', head: expect.objectContaining({ status: m.status, reason: m.reason, headers }) as never }]
  if (m.body.length > 0) expected.push({ type: 'body', text: text(m.body) })
  if (trailers.length > 0) expected.push({ type: 'trailers', trailers })
  expected.push({ type: 'end' })
  return { wire: Buffer.concat(parts), expected }
}

function rechunk(wire: Uint8Array, cuts: number[]): Uint8Array[] {
  return splitAt(wire, [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b))
}

describe('round trip (fast-check)', () => {
  test('random heads and bodies, Content-Length or chunked with extensions and trailers, any chunking', () => {
    fc.assert(
      fc.property(message, (m) => {
        const { wire, expected } = encode(m)
        const parser = new ResponseParser()
        const events: NormalizedEvent[] = []
        for (const chunk of rechunk(wire, m.cuts)) {
          normalize(parser.push(chunk), events)
          expect(parser.buffered).toBeLessThanOrEqual(parser.maxHeaderSize)
        }
        expect(events).toEqual(expected)
        expect(parser.done).toBe(true)
        expect(parser.bodyBytes).toBe(m.body.length)
        expect(parser.leftover.length).toBe(0)
        expect(parser.head?.bodyKind).toBe(m.framing)
        expect(parser.head?.httpVersion).toBe(m.version)
      }),
      runs(300),
    )
  })
})

/** Feeds chunks; every failure must be an HttpParseError, and the held bytes stay under the cap. */
function feedExpectingOnlyTypedErrors(chunks: Uint8Array[], maxHeaderSize: number, method?: string): void {
  const parser = new ResponseParser({ maxHeaderSize, method })
  let total = 0
  let bodyTotal = 0
  try {
    for (const chunk of chunks) {
      total += chunk.length
      for (const event of parser.push(chunk)) if (event.type === 'body') bodyTotal += event.data.length
      expect(parser.buffered).toBeLessThanOrEqual(maxHeaderSize)
    }
    parser.finish()
    expect(parser.done).toBe(true)
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err
    // Events completed before the failure in the same push travel with the error.
    for (const event of err.events) if (event.type === 'body') bodyTotal += event.data.length
    expect(err.exitCode).toBeOneOf([8, 18, 52])
    expect(parser.buffered).toBeLessThanOrEqual(maxHeaderSize)
  }
  expect(bodyTotal).toBeLessThanOrEqual(total)
  expect(parser.bodyBytes).toBe(bodyTotal)
}

describe('garbage only ever gives HttpParseError (fast-check)', () => {
  test('random bytes, random chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2048 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 16, max: 512 }),
        (data, cuts, cap) => feedExpectingOnlyTypedErrors(rechunk(data, cuts), cap),
      ),
      runs(500),
    )
  })

  test('random bytes after a valid prefix (status line, headers, chunk sizes)', () => {
    const prefix = fc.constantFrom(
      'HTTP/1.1 200 OK\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n',
      'HTTP/1.1 100 Continue\r\n\r\n',
    )
    const noise = fc.array(
      fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('\r\n', '\n', ':', ';', '"', ' ', '0', 'f', '\\', 'HTTP/1.1 ').map(bytes)),
      { maxLength: 40 },
    )
    fc.assert(
      fc.property(prefix, noise, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 64, max: 1024 }), (start, pieces, cuts, cap) => {
        const data = Buffer.concat([bytes(start), ...pieces])
        feedExpectingOnlyTypedErrors(rechunk(data, cuts), cap)
      }),
      runs(500),
    )
  })

  test('mutated valid responses (bytes flipped, inserted, deleted)', () => {
    const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'insert', 'delete'), byte: fc.integer({ min: 0, max: 255 }) })
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.constantFrom('GET', 'HEAD'), (m, mutations, method) => {
        const bytesOut = [...encode(m).wire]
        for (const { at, kind, byte } of mutations) {
          const i = at % (bytesOut.length + 1)
          if (kind === 'insert') bytesOut.splice(i, 0, byte)
          else if (i < bytesOut.length) {
            if (kind === 'flip') bytesOut[i] = byte
            else bytesOut.splice(i, 1)
          }
        }
        feedExpectingOnlyTypedErrors(rechunk(Uint8Array.from(bytesOut), m.cuts), 4096, method)
      }),
      runs(300),
    )
  })
})

describe('chunking never changes the outcome (fast-check)', () => {
  test('mutated valid responses and noise: same events and same error, whole or re-chunked', () => {
    const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'insert', 'delete'), byte: fc.integer({ min: 0, max: 255 }) })
    const input = fc.oneof(
      fc.tuple(message, fc.array(mutation, { maxLength: 4 })).map(([m, mutations]) => {
        const out = [...encode(m).wire]
        for (const { at, kind, byte } of mutations) {
          const i = at % (out.length + 1)
          if (kind === 'insert') out.splice(i, 0, byte)
          else if (i < out.length) {
            if (kind === 'flip') out[i] = byte
            else out.splice(i, 1)
          }
        }
        return Uint8Array.from(out)
      }),
      fc.uint8Array({ maxLength: 600 }),
    )
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 16, max: 2048 }), fc.constantFrom('GET', 'HEAD'), (data, cuts, cap, method) => {
        const whole = run([data], { maxHeaderSize: cap, method })
        const split = run(rechunk(data, cuts), { maxHeaderSize: cap, method })
        expect(split.events).toEqual(whole.events)
        expect(text(split.parser.leftover)).toBe(text(whole.parser.leftover))
      }),
      runs(400),
    )
  })
})
