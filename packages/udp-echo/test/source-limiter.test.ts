import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SourceLimiter } from '../src/source-limiter.js'

describe('SourceLimiter', () => {
  it('lets a burst through, then the configured rate, per source', () => {
    const limiter = new SourceLimiter({ rate: 10, burst: 3 })
    const at0 = Array.from({ length: 5 }, () => limiter.admit('10.0.0.1', 0))
    expect(at0).toEqual(['new', 'allowed', 'allowed', 'limit-start', 'limited'])
    // Another source has its own bucket.
    expect(limiter.admit('10.0.0.2', 0)).toBe('new')
    // 100 ms at 10/s refills one token.
    expect(limiter.admit('10.0.0.1', 100)).toBe('allowed')
    expect(limiter.admit('10.0.0.1', 100)).toBe('limit-start')
    // Tokens never exceed the burst.
    const after = Array.from({ length: 5 }, () => limiter.admit('10.0.0.1', 60_000))
    expect(after.filter((a) => a === 'allowed')).toHaveLength(3)
  })

  it('admits at about `rate` per second over time', () => {
    const limiter = new SourceLimiter({ rate: 50 })
    let allowed = 0
    for (let ms = 0; ms < 10_000; ms++) {
      const a = limiter.admit('192.0.2.7', ms)
      if (a === 'allowed' || a === 'new') allowed++
    }
    // 50 at once, then 50/s for 10 s.
    expect(allowed).toBeGreaterThanOrEqual(540)
    expect(allowed).toBeLessThanOrEqual(551)
  })

  it('with rate 0 admits everything and still counts sources', () => {
    const limiter = new SourceLimiter({ rate: 0 })
    for (let i = 0; i < 1000; i++) expect(limiter.admit('::1', 0)).toBe(i === 0 ? 'new' : 'allowed')
    expect(limiter.seen).toBe(1)
  })

  it('keeps the table bounded under a flood of distinct sources', () => {
    const limiter = new SourceLimiter({ rate: 5, maxSources: 100 })
    for (let i = 0; i < 10_000; i++) limiter.admit(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, i / 10)
    expect(limiter.size).toBeLessThanOrEqual(100)
    expect(limiter.seen).toBe(10_000)
  })

  it('prunes only sources whose bucket has refilled', () => {
    const limiter = new SourceLimiter({ rate: 1, burst: 1, idleMs: 0 })
    limiter.admit('a', 0)
    limiter.admit('b', 900)
    expect(limiter.prune(1000)).toBe(1)
    expect(limiter.size).toBe(1)
    // 'b' was kept: it is still limited at 1000 ms.
    expect(limiter.admit('b', 1000)).toBe('limit-start')
  })
})

describe('SourceLimiter (properties)', () => {
  it('never admits more than burst + rate × elapsed from one source, and never limits a source under the rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          const limiter = new SourceLimiter({ rate, burst })
          let now = 0
          let allowed = 0
          for (const gap of gaps) {
            now += gap
            const a = limiter.admit('198.51.100.1', now)
            if (a === 'allowed' || a === 'new') allowed++
          }
          // Token bucket bound (the float refill may round up by one).
          expect(allowed).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1000) + 1)
          // A source sending no faster than the rate is never limited.
          const slow = new SourceLimiter({ rate, burst })
          const step = Math.ceil(1000 / rate)
          for (let i = 0; i < gaps.length; i++) expect(['allowed', 'new']).toContain(slow.admit('198.51.100.2', i * step))
        },
      ),
      { numRuns: 200 },
    )
  })
})
