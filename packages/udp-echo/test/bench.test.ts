import { describe, expect, it, onTestFinished } from 'vitest'
import { createUdpEchoServer, runUdpBench } from '../src/index.js'
import { startFaultyServer } from './helpers.js'

describe('runUdpBench', () => {
  it.each(['127.0.0.1', '::1'])('verifies every echo from our server on %s', async (host) => {
    const server = await createUdpEchoServer({ host, port: 0 })
    onTestFinished(() => server.close())
    const result = await runUdpBench({ host, port: server.address.port, window: 16, size: 200, durationMs: 500 })
    expect(result.mismatches).toBe(0)
    expect(result.verified).toBeGreaterThan(100)
    expect(result.sent).toBe(result.verified + result.lost)
    expect(result.latency.count).toBe(result.verified)
    expect(result.latency.p50).toBeGreaterThan(0)
    expect(result.latency.p99).toBeGreaterThanOrEqual(result.latency.p50)
    expect(result.datagramsPerSecond).toBeGreaterThan(0)
    // The server saw at least what the tester got back.
    expect(server.stats().echoed).toBeGreaterThanOrEqual(result.verified)
  })

  it('stops after --datagrams', async () => {
    const server = await createUdpEchoServer({ port: 0 })
    onTestFinished(() => server.close())
    const result = await runUdpBench({ host: '127.0.0.1', port: server.address.port, window: 8, datagrams: 500, durationMs: 10_000 })
    expect(result.sent).toBe(500)
    expect(result.verified + result.lost).toBe(500)
  })

  it('detects a server that corrupts bytes', async () => {
    const { port } = await startFaultyServer((msg, n) => {
      if (n % 10 === 0) msg[msg.byteLength - 1] = msg[msg.byteLength - 1]! ^ 0x40
      return msg
    })
    const result = await runUdpBench({ host: '127.0.0.1', port, window: 8, size: 100, datagrams: 400, lossTimeoutMs: 500 })
    expect(result.mismatches).toBeGreaterThanOrEqual(30)
    expect(result.mismatchSamples[0]).toMatch(/payload differs/)
    expect(result.verified).toBeGreaterThan(300)
  })

  it('detects truncation and counts loss without stalling the window', async () => {
    const { port } = await startFaultyServer((msg, n) => (n % 5 === 0 ? undefined : n % 7 === 0 ? msg.subarray(0, 50) : msg))
    const result = await runUdpBench({ host: '127.0.0.1', port, window: 4, size: 100, datagrams: 200, lossTimeoutMs: 100 })
    expect(result.lost).toBeGreaterThanOrEqual(30)
    expect(result.mismatches).toBeGreaterThan(0)
    expect(result.mismatchSamples.some((s) => s.includes('size 50'))).toBe(true)
    expect(result.sent).toBe(200)
  })

  it('reports nothing verified against a port with no server', async () => {
    const { port } = await startFaultyServer(() => undefined)
    const result = await runUdpBench({ host: '127.0.0.1', port, window: 4, durationMs: 300, lossTimeoutMs: 100 })
    expect(result.verified).toBe(0)
    expect(result.lost).toBe(result.sent)
    expect(result.lossRate).toBe(1)
  })
})
