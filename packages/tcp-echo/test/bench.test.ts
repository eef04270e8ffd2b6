import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runTcpBench, type TcpBenchMode } from '../src/index.js'
import { resolveBenchOptions } from '../src/bench/options.js'
import { PersistentClient } from '../src/bench/persistent.js'
import { BenchRun } from '../src/bench/run.js'
import { startServer } from './helpers.js'

/** A plain net server for misbehaving peers, closed when the test ends. */
async function rawServer(onSocket: (socket: Socket) => void, host = '127.0.0.1'): Promise<Server & { port: number }> {
  const server = createServer({ allowHalfOpen: true }, onSocket)
  server.listen(0, host)
  await once(server, 'listening')
  const sockets = new Set<Socket>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  onTestFinished(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return Object.assign(server, { port: (server.address() as { port: number }).port })
}

/** Echoes, but flips one bit in every 1,000th byte it sends back. */
function corrupting(socket: Socket): void {
  let position = 0
  socket.on('data', (chunk: Buffer) => {
    const copy = Buffer.from(chunk)
    for (let i = (1000 - (position % 1000)) % 1000; i < copy.length; i += 1000) copy[i]! ^= 0x01
    position += chunk.length
    socket.write(copy)
  })
  socket.on('end', () => socket.end())
  socket.on('error', () => {})
}

const MODES: TcpBenchMode[] = ['churn', 'pingpong', 'stream']

describe('runTcpBench against our server', () => {
  it.each(MODES)('%s: completes the requests with no errors and no mismatches', async (mode) => {
    const { server } = await startServer()
    const requests = mode === 'churn' ? 300 : mode === 'pingpong' ? 3000 : 400
    const result = await runTcpBench({ host: '127.0.0.1', port: server.address.port, mode, connections: 10, requests, size: mode === 'stream' ? 32 * 1024 : 1500 })
    expect(result).toMatchObject({ mode, errors: 0, mismatches: 0, completed: requests, aborted: false })
    expect(result.bytes).toBe(requests * (mode === 'stream' ? 32 * 1024 : 1500))
    expect(result.connects).toBe(mode === 'churn' ? requests : 10)
    expect(result.perSecond).toBeGreaterThan(0)
    if (mode !== 'stream') expect(result.latency!.count).toBe(requests)
    // Persistent connections each echo one warm-up byte before the measurement starts.
    expect(server.stats.bytesEchoed).toBe(result.bytes + (mode === 'churn' ? 0 : 10))
  })

  it('runs for a duration over IPv6 and reports latency percentiles in order', async () => {
    const { server } = await startServer({ host: '::1' })
    const result = await runTcpBench({ host: '::1', port: server.address.port, mode: 'pingpong', connections: 20, duration: 500 })
    expect(result.errors).toBe(0)
    expect(result.mismatches).toBe(0)
    expect(result.completed).toBeGreaterThan(100)
    expect(result.durationMs).toBeGreaterThanOrEqual(450)
    const l = result.latency!
    expect(l.p50).toBeLessThanOrEqual(l.p90)
    expect(l.p90).toBeLessThanOrEqual(l.p99)
    expect(l.p99).toBeLessThanOrEqual(l.max)
  })

  it('splits the load over worker threads (built worker) and merges the results', async () => {
    const { server } = await startServer()
    const result = await runTcpBench({ host: '127.0.0.1', port: server.address.port, mode: 'pingpong', connections: 8, requests: 2001, threads: 2 })
    expect(result).toMatchObject({ threads: 2, connects: 8, completed: 2001, errors: 0, mismatches: 0 })
    expect(result.latency!.count).toBe(2001)
  })

  it('stream: fewer requests than threads leaves no thread waiting for work it will never get', async () => {
    const { server } = await startServer()
    const result = await runTcpBench({ host: '127.0.0.1', port: server.address.port, mode: 'stream', connections: 3, requests: 1, threads: 3, stallTimeout: 2_000 })
    expect(result).toMatchObject({ completed: 1, errors: 0, mismatches: 0 })
  })

  it('stops early on abort and says so', async () => {
    const { server } = await startServer()
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const result = await runTcpBench({ host: '127.0.0.1', port: server.address.port, mode: 'stream', connections: 4, duration: 60_000, signal: controller.signal })
    expect(result.aborted).toBe(true)
    expect(result.durationMs).toBeLessThan(10_000)
    expect(result.mismatches).toBe(0)
  })
})

describe('runTcpBench stops promptly', () => {
  it('on abort while connections wait for their first echo', async () => {
    const server = await (async () => {
      const { createServer } = await import('node:net')
      const srv = createServer((s) => {
        s.resume() // read, never echo
        s.on('error', () => {})
      })
      srv.listen(0, '127.0.0.1')
      await once(srv, 'listening')
      const sockets = new Set<Socket>()
      srv.on('connection', (s) => sockets.add(s))
      onTestFinished(() => {
        for (const s of sockets) s.destroy()
        srv.close()
      })
      return srv
    })()
    const port = (server.address() as { port: number }).port
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const started = Date.now()
    const result = await runTcpBench({ host: '127.0.0.1', port, connections: 5, duration: 60_000, connectTimeout: 15_000, signal: controller.signal })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(result).toMatchObject({ aborted: true, completed: 0, errors: 0 })
  })
})

describe('runTcpBench detects broken servers', () => {
  it.each(MODES)('%s: counts mismatches from a corrupting server', async (mode) => {
    const server = await rawServer(corrupting)
    const result = await runTcpBench({ host: '127.0.0.1', port: server.port, mode, connections: 4, requests: 200, size: 4000, stallTimeout: 3000 })
    expect(result.mismatches).toBeGreaterThan(0)
    expect(result.errorSamples.join('\n')).toMatch(/differ/)
  })

  it('churn: counts a server that closes without echoing as mismatches', async () => {
    const server = await rawServer((s) => {
      s.resume()
      s.on('end', () => s.end())
      s.on('error', () => {})
    })
    const result = await runTcpBench({ host: '127.0.0.1', port: server.port, mode: 'churn', connections: 2, requests: 20 })
    expect(result.mismatches).toBe(20)
    expect(result.completed).toBe(0)
    expect(result.errorSamples[0]).toMatch(/echo ended after 0 of 64 bytes/)
  })

  it.each(['pingpong', 'stream'] as const)('%s: counts a server that closes persistent connections as errors', async (mode) => {
    // One server ends every connection at once, the other after echoing 5,000 bytes.
    for (const limit of [0, 5_000]) {
      const server = await rawServer((s) => {
        s.on('error', () => {})
        let echoed = 0
        if (limit === 0) s.end()
        s.on('data', (d: Buffer) => {
          if (echoed >= limit) return
          s.write(d)
          echoed += d.length
          if (echoed >= limit) s.end()
        })
      })
      const result = await runTcpBench({ host: '127.0.0.1', port: server.port, mode, connections: 3, duration: 20_000 })
      expect(result.errors).toBe(3)
      expect(result.errorSamples[0]).toMatch(/^the server closed the connection/)
    }
  })

  it('pingpong: reports a server that never answers as a stall', async () => {
    const server = await rawServer((s) => {
      s.resume()
      s.on('error', () => {})
    })
    const result = await runTcpBench({ host: '127.0.0.1', port: server.port, mode: 'pingpong', connections: 2, duration: 20_000, connectTimeout: 600 })
    expect(result.completed).toBe(0)
    expect(result.connects).toBe(2)
    expect(result.errors).toBe(2)
    expect(result.errorSamples).toEqual(['no echo within 600 ms of connecting'])
  })

  it('stream: reports a server that stops echoing mid-run as a stall', async () => {
    const server = await rawServer((s) => {
      let echoed = 0
      s.on('data', (d: Buffer) => {
        if (echoed < 100_000) s.write(d.subarray(0, Math.max(0, Math.min(d.length, 100_000 - echoed))))
        echoed += d.length
      })
      s.on('error', () => {})
    })
    const result = await runTcpBench({ host: '127.0.0.1', port: server.port, mode: 'stream', connections: 1, duration: 20_000, stallTimeout: 600 })
    expect(result.errors).toBe(1)
    expect(result.errorSamples).toEqual(['no echo for 600 ms'])
    expect(result.bytes).toBe(100_000 - 1)
    expect(result.mismatches).toBe(0)
    expect(result.durationMs).toBeLessThan(10_000)
  })

  it('rejects with one clear error when nothing listens', async () => {
    const probe = await rawServer(() => {})
    const port = probe.port
    await new Promise((resolve) => probe.close(resolve))
    for (const mode of MODES) {
      await expect(runTcpBench({ host: '127.0.0.1', port, mode, connections: 3, duration: 5000 })).rejects.toMatchObject({
        exitCode: 1,
        message: `connect to 127.0.0.1 port ${port} (tcp) failed: Connection refused`,
      })
    }
  })

  it('rejects bad options as usage errors', async () => {
    await expect(runTcpBench({ host: '127.0.0.1', port: 1, connections: 0 })).rejects.toMatchObject({ exitCode: 2 })
    await expect(runTcpBench({ host: '127.0.0.1', port: 1, mode: 'flood' as TcpBenchMode })).rejects.toMatchObject({ exitCode: 2 })
  })
})

describe('stream client', () => {
  it("registers one 'drain' listener, so a drain refills the window once, not twice", async () => {
    const { server } = await startServer()
    const run = new BenchRun(resolveBenchOptions({ host: '127.0.0.1', port: server.address.port, mode: 'stream', connections: 1, duration: 60_000 }))
    const client = new PersistentClient(run, true)
    onTestFinished(() => run.stop(false))
    await client.ready
    expect(client.alive).toBe(true)
    expect(client.socket.listenerCount('drain')).toBe(1)
    client.start()
    expect(client.socket.listenerCount('drain')).toBe(1)
  })
})
