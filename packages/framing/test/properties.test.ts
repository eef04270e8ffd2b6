import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FrameTooLargeError,
  FrameTruncatedError,
  InvalidFrameLengthError,
  InvalidVarintError,
  delimited,
  lengthPrefixed,
  lines,
  varint,
  type Codec,
} from '../src/index.js'
import { decodeAll, rechunk } from './helpers.js'

interface Case {
  codec: Codec
  /** Payloads this codec can carry unchanged (delimited codecs cannot carry their delimiter). */
  fits: (payload: Uint8Array) => boolean
}

function delimitedFits(delimiter: Uint8Array, crlf: boolean) {
  return (payload: Uint8Array): boolean => {
    const joined = Buffer.concat([payload, delimiter])
    if (joined.indexOf(delimiter) !== payload.length) return false
    return !(crlf && payload.length > 0 && payload[payload.length - 1] === 0x0d)
  }
}

const any = (): boolean => true
const cases: Record<string, Case> = {}
for (const width of [1, 2, 4, 8] as const) {
  for (const endian of ['big', 'little'] as const) {
    for (const lengthIncludesHeader of [false, true]) {
      const codec = lengthPrefixed({ width, endian, lengthIncludesHeader })
      cases[codec.name] = { codec, fits: (p) => p.length <= codec.maxFrameSize }
    }
  }
}
cases.varint = { codec: varint(), fits: any }
cases.lines = { codec: lines(), fits: delimitedFits(Uint8Array.of(0x0a), true) }
cases['lines keepDelimiter'] = { codec: lines({ keepDelimiter: true, crlf: false }), fits: delimitedFits(Uint8Array.of(0x0a), false) }
cases['delimited NUL'] = { codec: delimited({ delimiter: Uint8Array.of(0) }), fits: delimitedFits(Uint8Array.of(0), false) }
cases['delimited "aba"'] = { codec: delimited({ delimiter: 'aba' }), fits: delimitedFits(Buffer.from('aba'), false) }
cases['delimited CRLFCRLF'] = { codec: delimited({ delimiter: '\r\n\r\n' }), fits: delimitedFits(Buffer.from('\r\n\r\n'), false) }

/** Payloads drawn from a small alphabet so delimiters and CRs occur often. */
const payloadBytes = fc.uint8Array({ maxLength: 300 }).chain((random) =>
  fc.boolean().map((small) => (small ? random.map((b) => [0x61, 0x62, 0x0a, 0x0d, 0x00, b][b % 6]) : random)),
)
const chunkSizes = fc.oneof(fc.constant([1]), fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 8 }))

describe('decode(encode(x)) == x under any chunking', () => {
  for (const [name, { codec, fits }] of Object.entries(cases)) {
    it(name, () => {
      const keep = name === 'lines keepDelimiter'
      fc.assert(
        fc.property(fc.array(payloadBytes, { maxLength: 12 }), chunkSizes, fc.boolean(), (raw, sizes, many) => {
          const payloads = raw.filter(fits)
          const stream = many ? codec.encodeMany(payloads) : Buffer.concat(payloads.map((p) => codec.encode(p)))
          const frames = decodeAll(codec, rechunk(stream, sizes))
          const expected = keep ? payloads.map((p) => Buffer.concat([p, Uint8Array.of(0x0a)])) : payloads
          expect(frames.map((f) => Buffer.from(f).toString('hex'))).toEqual(expected.map((p) => Buffer.from(p).toString('hex')))
        }),
        { numRuns: 150 },
      )
    })
  }
})

const LIMIT = 64
const hostile: Record<string, Codec> = {
  lp8: lengthPrefixed({ width: 1, maxFrameSize: LIMIT }),
  lp16le: lengthPrefixed({ width: 2, endian: 'little', maxFrameSize: LIMIT }),
  lp32: lengthPrefixed({ maxFrameSize: LIMIT }),
  'lp32+header': lengthPrefixed({ lengthIncludesHeader: true, maxFrameSize: LIMIT }),
  lp64: lengthPrefixed({ width: 8, maxFrameSize: LIMIT }),
  varint: varint({ maxFrameSize: LIMIT }),
  lines: lines({ maxFrameSize: LIMIT }),
  'delimited "xyz"': delimited({ delimiter: 'xyz', maxFrameSize: LIMIT }),
}
const typed = (err: unknown): boolean =>
  err instanceof FrameTooLargeError || err instanceof FrameTruncatedError || err instanceof InvalidVarintError || err instanceof InvalidFrameLengthError

describe('random garbage', () => {
  for (const [name, codec] of Object.entries(hostile)) {
    it(`${name}: only typed errors, never more than the limit held or returned`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 1500 }), chunkSizes, (garbage, sizes) => {
          const decoder = codec.createDecoder()
          let failed: unknown
          try {
            for (const chunk of rechunk(garbage, sizes)) {
              for (const frame of decoder.push(chunk)) expect(frame.length).toBeLessThanOrEqual(LIMIT + 3)
              // Header (at most 8) or delimiter slack (at most 3) on top of the limit.
              expect(decoder.buffered).toBeLessThanOrEqual(LIMIT + 8)
            }
            decoder.end()
          } catch (err) {
            failed = err
          }
          if (failed !== undefined) {
            expect(typed(failed)).toBe(true)
            // Refuses further input with the same error.
            let again: unknown
            try {
              decoder.push(Uint8Array.of(1))
            } catch (err) {
              again = err
            }
            expect(again).toBe(failed)
          }
        }),
        { numRuns: 300 },
      )
    })
  }
})
