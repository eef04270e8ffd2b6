import dgram from 'node:dgram'
import { once } from 'node:events'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createUdpEchoServer, type Peer } from '../src/index.js'
import { waitFor } from './helpers.js'

/** A UDP socket bound to `address` (any loopback address: Linux routes all of 127/8 to lo), counting echoes. */
async function sourceSocket(address: string): Promise<{ socket: dgram.Socket; echoes: () => number }> {
  const socket = dgram.createSocket('udp4')
  socket.bind(0, address)
  await once(socket, 'listening')
  onTestFinished(() => {
    socket.close()
  })
  let echoes = 0
  socket.on('message', () => echoes++)
  return { socket, echoes: () => echoes }
}

const send = (socket: dgram.Socket, port: number) =>
  new Promise<void>((resolve, reject) => socket.send(Buffer.from('flood'), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())))

describe('udp-echo rate limit with many sources (real sockets on 127.0.0.2 ... 127.0.0.255)', () => {
  it('drops and counts what each source sends over its limit, keeps the source table at maxSources, and leaves a polite source alone', async () => {
    const maxSources = 64
    const burst = 5
    const server = await createUdpEchoServer({ host: '127.0.0.1', port: 0, rateLimit: 5, rateBurst: burst, maxSources })
    onTestFinished(() => server.close())
    const limited: Peer[] = []
    server.on('rate-limit', (peer) => limited.push(peer))
    let largestTable = 0
    server.on('source', () => (largestTable = Math.max(largestTable, server.stats().activeSources)))

    const polite = await sourceSocket('127.0.0.1')
    const perPort = 10
    const flooders: Array<{ address: string; echoes: () => number }> = []
    for (let host = 2; host <= 255; host++) {
      const address = `127.0.0.${host}`
      // Two ports per address: the limit is per source address, whatever the port.
      const ports = [await sourceSocket(address), await sourceSocket(address)]
      for (const { socket } of ports) for (let i = 0; i < perPort; i++) await send(socket, server.address.port)
      flooders.push({ address, echoes: () => ports[0]!.echoes() + ports[1]!.echoes() })
      // The polite source sends one datagram now and then, well under its limit.
      if (host % 64 === 0) await send(polite.socket, server.address.port)
    }
    const sent = 254 * 2 * perPort
    expect(await waitFor(() => server.stats().received >= sent + 3, 10_000)).toBe(true)
    const stats = server.stats()

    // Bounded: never more than maxSources remembered, though 255 addresses were seen (the polite
    // one may be evicted as the oldest and counted again when it returns).
    expect(stats.sources).toBeGreaterThanOrEqual(255)
    expect(stats.activeSources).toBeLessThanOrEqual(maxSources)
    expect(largestTable).toBeLessThanOrEqual(maxSources)
    // Each flooding address got its burst (plus what its bucket refilled meanwhile), no more.
    expect(await waitFor(() => flooders.every((f) => f.echoes() >= burst), 5000)).toBe(true)
    for (const f of flooders) expect(f.echoes(), f.address).toBeLessThanOrEqual(burst + 2)
    // Everything else was dropped and counted, and each address was reported once as limited.
    expect(stats.droppedRateLimited).toBe(stats.received - stats.echoed)
    expect(stats.droppedRateLimited).toBeGreaterThanOrEqual(254 * (2 * perPort - burst - 2))
    expect(new Set(limited.map((p) => p.address)).size).toBe(254)
    expect(limited.some((p) => p.address === '127.0.0.1')).toBe(false)
    // The polite source lost nothing.
    expect(await waitFor(() => polite.echoes() === 3, 3000)).toBe(true)
  }, 30_000)
})
