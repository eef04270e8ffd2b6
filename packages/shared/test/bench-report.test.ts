import { describe, expect, it } from 'vitest'
import { BenchTally, ErrorCode, benchFailure, benchTotalsRows, formatReportRows } from '../src/index.js'

class Tally extends BenchTally {
  stoppedClients = 0
  private done: (() => void) | undefined
  execute(): Promise<void> {
    this.begin()
    return new Promise((resolve) => (this.done = resolve))
  }
  protected stopClients(): void {
    this.stoppedClients++
    this.done?.()
  }
  report() {
    return this.totals(true)
  }
}

describe('the load testers\' shared tally and report', () => {
  it('fails a stalled run once, with the stall as an error sample, and stops its clients once', async () => {
    const progress: number[] = []
    const tally = new Tally({ host: '127.0.0.1', port: 7 }, { stallTimeout: 300, onProgress: (p) => progress.push(p.completed) })
    const running = tally.executeUntil(undefined)
    tally.completed = 3
    await running
    expect(tally.stopped).toBe(true)
    expect(tally.stoppedClients).toBe(1)
    tally.stop(true)
    expect(tally.stoppedClients).toBe(1)
    const totals = tally.report()
    expect(totals).toMatchObject({ completed: 3, errors: 1, mismatches: 0, aborted: false, errorSamples: ['no echo for 300 ms'] })
    expect(totals.durationMs).toBeGreaterThan(250)
    expect(progress).toContain(3)
  })

  it('stops early, marked aborted, when its signal aborts', async () => {
    const tally = new Tally({}, { stallTimeout: 60_000 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    await tally.executeUntil(controller.signal)
    expect(tally.report()).toMatchObject({ aborted: true, errors: 0 })
    const early = new Tally({}, { stallTimeout: 60_000 })
    await early.executeUntil(AbortSignal.abort())
    expect(early.report().aborted).toBe(true)
  })

  it('keeps at most five distinct samples and counts every mismatch', () => {
    const tally = new Tally({}, { stallTimeout: 1000 })
    for (let i = 0; i < 20; i++) tally.mismatch(`byte ${i % 7} differs`)
    expect(tally.mismatches).toBe(20)
    expect(tally.report().errorSamples).toHaveLength(5)
  })

  it('words a failure as one line with the right code, and none for a clean run', () => {
    expect(benchFailure({ errors: 0, mismatches: 0 })).toBeUndefined()
    const mismatch = benchFailure({ errors: 2, mismatches: 1 })!
    expect(mismatch.code).toBe(ErrorCode.BENCH_MISMATCH)
    expect(mismatch.message).toBe('bench failed: 1 mismatched echo, 2 errors')
    expect(benchFailure({ errors: 1, mismatches: 0 })!.code).toBe(ErrorCode.BENCH_ERRORS)
  })

  it('lays the report out as aligned rows in one style', () => {
    const table = formatReportRows([
      ['target', '127.0.0.1:7'],
      ...benchTotalsRows(
        { durationMs: 2000, connects: 1, completed: 12345, bytes: 2 * 1048576, perSecond: 6172.5, bytesPerSecond: 1048576, errors: 0, mismatches: 0, errorSamples: [], aborted: true, latency: { count: 1, min: 50, mean: 50, p50: 50, p90: 60, p99: 2500, max: 3000 } },
        'messages',
      ),
    ])
    expect(table.split('\n')).toEqual([
      'target      127.0.0.1:7',
      'duration    2.00s (interrupted)',
      'messages    12,345  (6,173/s)',
      'throughput  2.00 MiB echoed  (1.00 MiB/s)',
      'latency     p50 50 µs  p90 60 µs  p99 2.50 ms  max 3.00 ms',
      'errors      0',
      'mismatches  0',
    ])
  })
})
