import { describe, expect, it } from 'vitest'
import { LatencyHistogram } from '../src/index.js'

describe('LatencyHistogram', () => {
  it('gives percentiles within 1% of the exact ones, and merges', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => Math.round(10 + ((i * 7919) % 100_000) * 3.7))
    const a = new LatencyHistogram()
    const b = new LatencyHistogram()
    values.forEach((v, i) => (i % 2 ? a : b).record(v))
    a.merge(b)
    const sorted = [...values].sort((x, y) => x - y)
    for (const p of [50, 90, 99]) {
      const exact = sorted[Math.ceil((p / 100) * sorted.length) - 1]!
      expect(Math.abs(a.percentile(p) - exact) / exact).toBeLessThan(0.01)
    }
    expect(a.count).toBe(values.length)
    expect(a.max).toBe(sorted.at(-1))
    expect(a.min).toBe(sorted[0])
    expect(new LatencyHistogram().summary()).toMatchObject({ count: 0, p50: 0, max: 0 })
  })

  it('summarises in milliseconds on request, within its precision', () => {
    const h = new LatencyHistogram()
    for (let us = 1; us <= 100_000; us++) h.record(us)
    const s = h.summary('ms')
    expect(s.count).toBe(100_000)
    expect(s.min).toBe(0.001)
    expect(s.max).toBe(100)
    expect(s.p50).toBeGreaterThan(50 * 0.99)
    expect(s.p50).toBeLessThan(50 * 1.01)
    expect(s.p99).toBeGreaterThan(99 * 0.99)
    expect(s.p99).toBeLessThanOrEqual(100)
    expect(s.mean).toBeCloseTo(50.0005, 2)
  })

  it('is exact below 256 µs, takes nanoseconds, and caps huge values instead of losing them', () => {
    const a = new LatencyHistogram()
    const b = new LatencyHistogram()
    expect(a.summary().p99).toBe(0)
    for (let i = 0; i < 90; i++) a.record(10)
    for (let i = 0; i < 10; i++) b.recordNanos(200_000n)
    a.merge(b)
    expect(a.count).toBe(100)
    expect(a.percentile(90)).toBe(10)
    expect(a.percentile(91)).toBe(200)
    a.record(1e12)
    expect(a.count).toBe(101)
    expect(a.max).toBe(1e12)
    expect(a.percentile(100)).toBeGreaterThan(2e9)
  })

  it('serializes to plain data that survives JSON and structured clone, and merges back', () => {
    const h = new LatencyHistogram()
    for (let i = 1; i <= 5000; i++) h.record(i * 13.3)
    const data = h.serialize()
    for (const copy of [JSON.parse(JSON.stringify(data)), structuredClone(data)]) {
      const revived = LatencyHistogram.from(copy)
      expect(revived.summary()).toEqual(h.summary())
    }
    const merged = new LatencyHistogram()
    merged.merge(data)
    merged.merge(data)
    expect(merged.count).toBe(10_000)
    expect(merged.percentile(50)).toBe(h.percentile(50))
    expect(() => merged.merge({ ...data, layout: 6 })).toThrow(/layout/)
  })
})
