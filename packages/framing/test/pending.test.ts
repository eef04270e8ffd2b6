import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PendingBytes } from '../src/pending.js'

const piece = fc.uint8Array({ maxLength: 1500 }).chain((bytes) =>
  fc.tuple(fc.constant(bytes), fc.nat(bytes.length), fc.nat(bytes.length)).map(([b, x, y]) => ({ bytes: b, start: Math.min(x, y), end: Math.max(x, y) })),
)

describe('PendingBytes', () => {
  it('holds exactly the bytes added, in order, and joins them with the last range', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), piece, fc.nat(8), (pieces, last, tailSize) => {
        const pending = new PendingBytes()
        const expected: number[] = []
        for (const { bytes, start, end } of pieces) {
          pending.add(bytes, start, end)
          expected.push(...bytes.subarray(start, end))
        }
        expect(pending.length).toBe(expected.length)
        const n = Math.min(tailSize, expected.length)
        expect([...pending.tail(n)]).toEqual(expected.slice(expected.length - n))
        expected.push(...last.bytes.subarray(last.start, last.end))
        expect([...pending.take(last.bytes, last.start, last.end)]).toEqual(expected)
        expect(pending.length).toBe(0)
      }),
      { numRuns: 300 },
    )
  })

  it('keeps a byte-by-byte frame in a few blocks, not one entry per byte', () => {
    const pending = new PendingBytes()
    const one = Uint8Array.of(7)
    for (let i = 0; i < 1024 * 1024; i++) pending.add(one)
    const pieces = (pending as unknown as { pieces: unknown[] }).pieces
    expect(pieces.length).toBeLessThanOrEqual(16)
    expect(pending.take().length).toBe(1024 * 1024)
  })
})
