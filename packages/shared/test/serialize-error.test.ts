import { describe, expect, it } from 'vitest'
import { checkCount, InvalidArgumentError, NetkitError, NetworkError, reviveError, serializeError, TimeoutError, toNetworkError, UsageError } from '../src/index.js'

describe('serializeError / reviveError', () => {
  it('carries class, code, message, exit code and errno across structured clone', () => {
    const errors = [
      new UsageError('bad flag'),
      new InvalidArgumentError('size must be a whole number'),
      toNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), { operation: 'connect', host: '127.0.0.1', port: 9, protocol: 'tcp' }),
      new TimeoutError('no echo'),
      new NetkitError('NETKIT_BENCH_STALLED', 'stalled', { exitCode: 3 }),
    ]
    for (const err of errors) {
      const revived = reviveError(structuredClone(serializeError(err)))
      expect(revived.constructor).toBe(err.constructor)
      expect(revived).toMatchObject({ name: err.name, code: err.code, message: err.message, exitCode: err.exitCode })
      if (err instanceof NetworkError) expect((revived as NetworkError).errno).toBe(err.errno)
    }
  })

  it('gives anything else the fallback code and exit code 1', () => {
    const revived = reviveError(serializeError(new Error('boom'), 'NETKIT_BENCH_WORKER'))
    expect(revived).toBeInstanceOf(NetkitError)
    expect(revived).toMatchObject({ code: 'NETKIT_BENCH_WORKER', message: 'boom', exitCode: 1 })
  })
})

describe('checkCount', () => {
  it("applies parseCount's rule to numbers and throws InvalidArgumentError", () => {
    expect(checkCount(5, 'connections')).toBe(5)
    expect(checkCount(undefined, 'connections')).toBeUndefined()
    expect(checkCount(0, 'port', 0, 65_535)).toBe(0)
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => checkCount(bad, 'connections', 1, 1000)).toThrow(InvalidArgumentError)
    }
    expect(() => checkCount(70_000, 'port', 0, 65_535)).toThrow('port out of range: 70000 (use 0-65535)')
  })
})
