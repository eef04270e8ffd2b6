import { describe, expect, it } from 'vitest'
import { LatencyHistogram } from '../src/latency.js'

describe('LatencyHistogram', () => {
  it('reports percentiles within its precision', () => {
    const h = new LatencyHistogram()
    for (let us = 1; us <= 100_000; us++) h.record(us)
    const s = h.summary()
    expect(s.count).toBe(100_000)
    expect(s.min).toBe(0.001)
    expect(s.max).toBe(100)
    expect(s.p50).toBeGreaterThan(50 * 0.98)
    expect(s.p50).toBeLessThan(50 * 1.02)
    expect(s.p99).toBeGreaterThan(99 * 0.98)
    expect(s.p99).toBeLessThanOrEqual(100)
    expect(s.mean).toBeCloseTo(50.0005, 2)
  })

  it('is exact below 64 µs, merges, and handles no samples', () => {
    const a = new LatencyHistogram()
    const b = new LatencyHistogram()
    expect(a.summary().p99).toBe(0)
    for (let i = 0; i < 90; i++) a.record(10)
    for (let i = 0; i < 10; i++) b.record(40)
    a.merge(b)
    expect(a.count).toBe(100)
    expect(a.percentile(90)).toBe(10)
    expect(a.percentile(91)).toBe(40)
    // Huge values are capped, not lost.
    a.record(1e12)
    expect(a.count).toBe(101)
  })
})
