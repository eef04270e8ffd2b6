import { createHash, randomBytes, randomInt } from 'node:crypto'
import dgram from 'node:dgram'
import { once } from 'node:events'
import { NetworkError } from '@netkit/shared'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createUdpEchoServer, type UdpEchoServerOptions } from '../src/index.js'
import { udpClient, waitFor } from './helpers.js'

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function start(options: UdpEchoServerOptions) {
  const server = await createUdpEchoServer({ port: 0, ...options })
  onTestFinished(() => server.close())
  return server
}

describe.each([
  { host: '127.0.0.1', family: 4 as const, max: 65_507 },
  { host: '::1', family: 6 as const, max: 65_527 },
])('createUdpEchoServer on $host', ({ host, family, max }) => {
  it('echoes random binary datagrams of many sizes exactly', async () => {
    const server = await start({ host })
    expect(server.address.host).toBe(host)
    expect(server.address.port).toBeGreaterThan(0)
    expect(server.rateLimit).toBe(0)
    const client = await udpClient(family)
    const sizes = [0, 1, 2, 7, 255, 256, 1400, 1500, 8192, 32_768, 65_000, max, ...Array.from({ length: 20 }, () => randomInt(0, max + 1))]
    let bytes = 0
    for (const size of sizes) {
      const data = randomBytes(size)
      let echo: Buffer | undefined
      // Loopback UDP almost never loses a datagram, but it may: retry a few times, never forever.
      for (let attempt = 0; attempt < 3 && echo === undefined; attempt++) {
        await client.send(data, server.address.port, host)
        echo = await client.next(2000)
      }
      expect(echo, `echo of ${size} bytes`).toBeDefined()
      expect(echo!.byteLength).toBe(size)
      expect(sha256(echo!)).toBe(sha256(data))
      bytes += size
    }
    const stats = server.stats()
    expect(stats.received).toBeGreaterThanOrEqual(sizes.length)
    expect(stats.echoed).toBe(stats.received)
    expect(stats.bytesEchoed).toBeGreaterThanOrEqual(bytes)
    expect(stats.sources).toBe(1)
    expect(stats.droppedTooLarge + stats.droppedRateLimited + stats.droppedSendQueue).toBe(0)
  })

  it('drops and counts datagrams above maxSize', async () => {
    const server = await start({ host, maxSize: 100 })
    const drops: Array<[number, string]> = []
    server.on('drop', (_peer, size, reason) => drops.push([size, reason]))
    const client = await udpClient(family)
    await client.send(Buffer.alloc(101, 1), server.address.port, host)
    await client.send(Buffer.alloc(100, 2), server.address.port, host)
    const echo = await client.next(3000)
    // The 100-byte datagram comes back; the 101-byte one does not.
    expect(echo).toEqual(Buffer.alloc(100, 2))
    expect(await waitFor(() => server.stats().received === 2, 3000)).toBe(true)
    expect(await client.next(300)).toBeUndefined()
    expect(server.stats()).toMatchObject({ received: 2, echoed: 1, droppedTooLarge: 1, bytesReceived: 201, bytesEchoed: 100 })
    expect(drops).toEqual([[101, 'too-large']])
  })
})

describe('createUdpEchoServer', () => {
  it('rate-limits each source and drops the excess', async () => {
    const server = await start({ host: '127.0.0.1', rateLimit: 5, rateBurst: 5 })
    expect(server.rateLimit).toBe(5)
    const limited: string[] = []
    server.on('rate-limit', (peer) => limited.push(peer.address))
    const client = await udpClient(4)
    for (let i = 0; i < 50; i++) await client.send(Buffer.from([i]), server.address.port, '127.0.0.1')
    expect(await waitFor(() => server.stats().received === 50, 5000)).toBe(true)
    const stats = server.stats()
    // A burst of 5 plus whatever refilled (5/s) while sending.
    expect(stats.echoed).toBeGreaterThanOrEqual(5)
    expect(stats.echoed).toBeLessThan(20)
    expect(stats.droppedRateLimited).toBe(50 - stats.echoed)
    expect(limited[0]).toBe('127.0.0.1')
    // What does come back is the first datagrams, unchanged.
    const first = await client.next(2000)
    expect(first).toEqual(Buffer.from([0]))
  })

  it('turns the rate limit on by default away from loopback', async () => {
    const server = await start({ host: '0.0.0.0' })
    expect(server.rateLimit).toBe(100)
    const opted = await start({ host: '0.0.0.0', rateLimit: 0 })
    expect(opted.rateLimit).toBe(0)
    const loop = await start({ host: '127.0.0.1', rateLimit: 7 })
    expect(loop.rateLimit).toBe(7)
  })

  it('rejects a port in use with a one-line NetworkError', async () => {
    const holder = dgram.createSocket('udp4')
    holder.bind(0, '127.0.0.1')
    await once(holder, 'listening')
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())))
    const port = holder.address().port
    const err = await createUdpEchoServer({ host: '127.0.0.1', port }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect((err as NetworkError).message).toBe(`bind to 127.0.0.1 port ${port} (udp) failed: Address already in use`)
    expect((err as NetworkError).exitCode).toBe(1)
  })

  it('close() releases the port and can be called twice', async () => {
    const server = await createUdpEchoServer({ port: 0 })
    const port = server.address.port
    await Promise.all([server.close(), server.close()])
    const again = await createUdpEchoServer({ port })
    expect(again.address.port).toBe(port)
    await again.close()
  })
})
