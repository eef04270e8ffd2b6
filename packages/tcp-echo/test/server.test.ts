import { once } from 'node:events'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createTcpEchoServer, DELAY_BUFFER_LIMIT, type CloseEvent } from '../src/index.js'
import { client, echo, random, readAll, sha256, sleep, startServer, waitFor } from './helpers.js'

describe.each([
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
])('echo over %s', (family, host) => {
  it('echoes binary payloads of random sizes exactly (sha256)', async () => {
    const { server } = await startServer({ host })
    expect(server.address).toMatchObject({ host, family })
    const sizes = [0, 1, 255, 65_536, ...Array.from({ length: 6 }, () => Math.floor(Math.random() * 3_000_000))]
    const payloads = sizes.map(random)
    const echoed = await Promise.all(payloads.map((p) => echo(server.address.port, p, host)))
    for (let i = 0; i < payloads.length; i++) {
      expect(echoed[i]!.length).toBe(payloads[i]!.length)
      expect(sha256(echoed[i]!)).toBe(sha256(payloads[i]!))
    }
    const total = sizes.reduce((a, b) => a + b, 0)
    const stats = server.stats
    expect(stats.connections).toBe(sizes.length)
    expect(stats.bytesIn).toBe(total)
    expect(stats.bytesEchoed).toBe(total)
  })
})

describe('createTcpEchoServer', () => {
  it('serves 1,000 concurrent clients', async () => {
    const { server, events } = await startServer()
    const payloads = Array.from({ length: 1000 }, (_, i) => random(1 + (i % 3000)))
    const echoed = await Promise.all(payloads.map((p) => echo(server.address.port, p)))
    expect(echoed.every((e, i) => e.equals(payloads[i]!))).toBe(true)
    expect(server.stats.connections).toBe(1000)
    expect(server.stats.peak).toBeGreaterThan(1)
    expect(await waitFor(() => server.stats.open === 0)).toBe(true)
    const closes = events.filter((e): e is CloseEvent => e.event === 'close')
    expect(closes).toHaveLength(1000)
    expect(closes.every((c) => c.reason === 'end' && c.bytesIn === c.bytesOut)).toBe(true)
  })

  it('stops reading from a client that never reads, keeping its buffers bounded, and catches up when it does', async () => {
    const { server } = await startServer()
    const socket = await client(server.address.port)
    socket.pause() // never read (for now)
    const chunk = random(64 * 1024)
    let sent = 0
    // Write until TCP flow control stops us: no 'drain' for 500 ms. Bounded at 256 MiB.
    for (let i = 0; i < 4096; i++) {
      sent += chunk.length
      if (!socket.write(chunk)) {
        const drained = await Promise.race([once(socket, 'drain').then(() => true), sleep(500).then(() => false)])
        if (!drained) break
      }
    }
    expect(sent).toBeLessThan(4096 * chunk.length) // flow control kicked in before the bound
    const [conn] = server.connections()
    expect(conn).toBeDefined()
    const before = conn!.bytesIn
    await sleep(400)
    const after = server.connections()[0]!
    expect(after.bytesIn).toBe(before) // reading paused
    expect(after.bytesIn).toBeLessThan(sent)
    expect(after.buffered).toBeLessThanOrEqual(256 * 1024) // user-space buffering capped
    // Now read: everything sent comes back, in order.
    socket.end()
    const received = readAll(socket, 30_000)
    socket.resume()
    const data = await received
    expect(data.length).toBe(sent)
    for (let off = 0; off < data.length; off += chunk.length) {
      if (!data.subarray(off, off + chunk.length).equals(chunk)) throw new Error(`mismatch at ${off}`)
    }
  })

  it('finishes echoing after the client half-closes, then closes its side', async () => {
    const { server, events } = await startServer()
    const socket = await client(server.address.port)
    const received = readAll(socket)
    const payload = random(200_000)
    socket.end(payload) // our FIN right after the data
    const data = await received // resolves on the server's FIN
    expect(data.equals(payload)).toBe(true)
    expect(await waitFor(() => events.some((e) => e.event === 'close'))).toBe(true)
    expect(events.find((e) => e.event === 'close')).toMatchObject({ reason: 'end', bytesIn: 200_000, bytesOut: 200_000 })
  })

  it('keeps echoing while the client keeps its side open', async () => {
    const { server } = await startServer()
    const socket = await client(server.address.port)
    const got: Buffer[] = []
    socket.on('data', (d: Buffer) => got.push(d))
    for (const word of ['one', 'two', 'three']) {
      socket.write(word)
      expect(await waitFor(() => Buffer.concat(got).toString().endsWith(word))).toBe(true)
    }
    expect(Buffer.concat(got).toString()).toBe('onetwothree')
    expect(server.stats.open).toBe(1)
  })

  it('closes silent connections after the idle timeout, not busy ones', async () => {
    // Generous margins: the busy client writes every 100 ms against a 1 s timeout.
    const { server, events } = await startServer({ idleTimeout: 1000 })
    const silent = await client(server.address.port)
    const busy = await client(server.address.port)
    busy.on('data', () => {})
    const silentClosed = once(silent, 'end') // the server's FIN
    silent.resume()
    for (let i = 0; i < 15; i++) {
      busy.write('x')
      await sleep(100)
    }
    await silentClosed
    expect(busy.destroyed).toBe(false)
    const close = events.find((e): e is CloseEvent => e.event === 'close')
    expect(close).toMatchObject({ reason: 'idle-timeout', bytesIn: 0 })
  })

  it('does not count time spent on its own --delay as idle', async () => {
    const { server, events } = await startServer({ idleTimeout: 300, delay: 900 })
    const socket = await client(server.address.port)
    const received: Buffer[] = []
    socket.on('data', (d: Buffer) => received.push(d))
    socket.on('error', () => {})
    socket.write('hi')
    // The echo is due after 900 ms, three idle periods: it must still arrive, then idleness counts.
    expect(await waitFor(() => Buffer.concat(received).toString() === 'hi', 10_000)).toBe(true)
    expect(await waitFor(() => events.some((e) => e.event === 'close'), 10_000)).toBe(true)
    expect(events.find((e): e is CloseEvent => e.event === 'close')).toMatchObject({ reason: 'idle-timeout', bytesIn: 2, bytesOut: 2 })
  })

  it('closes connections over maxConns at once and serves again when one leaves', async () => {
    const { server, events } = await startServer({ maxConns: 2 })
    const a = await client(server.address.port)
    const b = await client(server.address.port)
    expect(await waitFor(() => server.stats.open === 2)).toBe(true)
    // The kernel accepts the third; Node closes it without reading.
    const c = connect({ host: '127.0.0.1', port: server.address.port })
    c.on('error', () => {}) // RST or FIN, depending on timing
    c.write('hello')
    const gotData: Buffer[] = []
    c.on('data', (d: Buffer) => gotData.push(d))
    await once(c, 'close')
    expect(Buffer.concat(gotData).length).toBe(0)
    expect(await waitFor(() => server.stats.dropped === 1)).toBe(true)
    expect(events.some((e) => e.event === 'drop' && e.reason === 'max-conns')).toBe(true)
    a.destroy()
    expect(await waitFor(() => server.stats.open === 1)).toBe(true)
    const payload = random(1000)
    expect((await echo(server.address.port, payload)).equals(payload)).toBe(true)
    b.destroy()
  })

  it('delays each echo and keeps the order', async () => {
    const { server } = await startServer({ delay: 150 })
    const socket = await client(server.address.port)
    const received = readAll(socket)
    const started = Date.now()
    const parts = Array.from({ length: 20 }, (_, i) => random(100 + i * 1000))
    for (const p of parts) socket.write(p)
    socket.end()
    const data = await received
    expect(data.equals(Buffer.concat(parts))).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('bounds --delay buffering with a client that never reads', async () => {
    const { server } = await startServer({ delay: 20 })
    const socket = await client(server.address.port)
    socket.pause()
    const chunk = random(64 * 1024)
    for (let i = 0; i < 2048; i++) {
      if (!socket.write(chunk)) {
        const drained = await Promise.race([once(socket, 'drain').then(() => true), sleep(500).then(() => false)])
        if (!drained) break
      }
    }
    await sleep(200)
    const conn = server.connections()[0]!
    expect(conn.buffered).toBeLessThanOrEqual(256 * 1024)
    expect(conn.bytesIn - conn.bytesOut).toBeLessThanOrEqual(DELAY_BUFFER_LIMIT + 64 * 1024)
  })

  it('bounds --delay bookkeeping for a client trickling tiny frames: timers, not just bytes', async () => {
    const { server } = await startServer({ delay: 3_000, frame: 'lines' })
    const socket = await client(server.address.port)
    socket.setNoDelay(true)
    socket.pause()
    // 20,000 one-byte frames in separate writes: each could become its own timer and view.
    const line = Buffer.from('\n')
    for (let i = 0; i < 20_000; i++) socket.write(line)
    expect(await waitFor(() => server.stats.bytesIn >= 2_000, 5_000)).toBe(true)
    await sleep(300)
    const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    expect(timers).toBeLessThanOrEqual(200)
    expect(server.connections()[0]!.buffered).toBeLessThanOrEqual(256 * 1024)
  })

  it('shuts down gracefully: refuses new connections, finishes a transfer in progress', async () => {
    const { server, events } = await startServer()
    const port = server.address.port
    const socket = await client(port)
    const received = readAll(socket)
    const payload = random(1_000_000)
    socket.write(payload.subarray(0, 400_000))
    expect(await waitFor(() => server.stats.bytesEchoed >= 400_000)).toBe(true)
    const closed = server.close(10_000)
    // New connections are refused once close() has been called.
    const refused = connect({ host: '127.0.0.1', port })
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException]
    expect(err.code).toBe('ECONNREFUSED')
    // The open connection still gets everything echoed.
    for (let off = 400_000; off < payload.length; off += 100_000) {
      socket.write(payload.subarray(off, off + 100_000))
      await sleep(20)
    }
    socket.end()
    const data = await received
    expect(sha256(data)).toBe(sha256(payload))
    const summary = await closed
    expect(summary).toMatchObject({ connections: 1, bytesIn: 1_000_000, bytesEchoed: 1_000_000, forced: 0 })
    expect(events.at(-1)).toMatchObject({ event: 'summary', connections: 1 })
  })

  it('closes connections still open when the grace period ends', async () => {
    const { server, events } = await startServer()
    const socket = await client(server.address.port)
    const closed = once(socket, 'end')
    socket.resume()
    const summary = await server.close(200)
    await closed
    expect(summary.forced).toBe(1)
    expect(events.find((e) => e.event === 'close')).toMatchObject({ reason: 'shutdown' })
    expect(server.close()).toBeInstanceOf(Promise) // idempotent
  })

  it('reports a port in use as one clear error', async () => {
    const { server } = await startServer()
    const err = await createTcpEchoServer({ host: '127.0.0.1', port: server.address.port }).catch((e: unknown) => e)
    expect(err).toMatchObject({
      code: 'NETKIT_ADDRESS_IN_USE',
      exitCode: 1,
      message: `bind to 127.0.0.1 port ${server.address.port} (tcp) failed: Address already in use`,
    })
  })

  it('rejects invalid options', async () => {
    await expect(createTcpEchoServer({ port: 70_000 })).rejects.toMatchObject({ exitCode: 2 })
    await expect(createTcpEchoServer({ port: 0, maxConns: 0 })).rejects.toMatchObject({ exitCode: 2 })
  })
})
