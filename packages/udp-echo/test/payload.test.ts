import { describe, expect, it } from 'vitest'
import { PayloadCodec } from '../src/payload.js'
import { InvalidArgumentError } from '@netkit/shared'

describe('PayloadCodec', () => {
  it('verifies its own datagrams of every size and detects any flipped byte', () => {
    for (const size of [8, 9, 64, 1400, 65_507]) {
      const codec = new PayloadCodec(size)
      for (const seq of [0, 1, 255, 256, 2 ** 32 - 1]) {
        const d = codec.encode(seq)
        expect(d.byteLength).toBe(size)
        expect(codec.verify(d)).toEqual({ ok: true, seq: seq >>> 0 })
        for (const at of new Set([0, 4, 7, size - 1, size >> 1])) {
          const bad = Buffer.from(d)
          bad[at] = bad[at]! ^ 0x01
          expect(codec.verify(bad).ok).toBe(false)
        }
      }
    }
  })

  it('rejects truncated, extended, foreign and swapped datagrams', () => {
    const codec = new PayloadCodec(100)
    const d = codec.encode(7)
    expect(codec.verify(d.subarray(0, 99)).ok).toBe(false)
    expect(codec.verify(Buffer.concat([d, Buffer.from([0])])).ok).toBe(false)
    expect(codec.verify(new PayloadCodec(100).encode(7)).ok).toBe(false)
    // The body depends on the sequence number: datagram 8's body under header 7 fails.
    const swapped = codec.encode(8)
    swapped.writeUInt32BE(7, 4)
    expect(codec.verify(swapped).ok).toBe(false)
    expect(codec.verify(Buffer.alloc(3)).ok).toBe(false)
  })

  it('refuses sizes it cannot carry', () => {
    expect(() => new PayloadCodec(7)).toThrow(InvalidArgumentError)
    expect(() => new PayloadCodec(70_000)).toThrow(InvalidArgumentError)
  })
})
