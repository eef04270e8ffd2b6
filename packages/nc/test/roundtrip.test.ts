/**
 * Binary round trips through the built CLI, sha256-compared: both directions, both roles, and
 * a full-duplex echo (which deadlocks if either direction ignores backpressure).
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { connectTo, hashAll, sha256, spawnListener, spawnNc, tcpServer } from './support/nc.js'

const MiB = 1024 * 1024
const small = randomBytes(64 * 1024 + 7)
const big = randomBytes(64 * MiB)
const bigHash = sha256(big)

describe('binary round trips', { timeout: 60_000 }, () => {
  for (const [name, data, hash] of [
    ['64 KiB', small, sha256(small)],
    ['64 MiB', big, bigHash],
  ] as const) {
    it(`connect mode, stdin to peer (${name})`, async () => {
      let received!: Promise<string>
      const { port } = await tcpServer((s) => {
        received = hashAll(s)
        received.then(() => s.end())
      })
      const nc = spawnNc(['-N', '127.0.0.1', String(port)], { stdin: data })
      expect(await nc.exit).toBe(0)
      expect(await received).toBe(hash)
    })

    it(`connect mode, peer to stdout (${name})`, async () => {
      const { port } = await tcpServer((s) => s.end(data))
      const nc = spawnNc(['127.0.0.1', String(port)], { stdin: 'ignore', hashStdout: true })
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe(hash)
    })

    it(`listen mode, stdin to client (${name})`, async () => {
      const nc = await spawnListener(['-lvN', '127.0.0.1', '0'], { stdin: data })
      const client = await connectTo(nc.port)
      const received = hashAll(client)
      expect(await received).toBe(hash)
      client.end()
      expect(await nc.exit).toBe(0)
    })

    it(`listen mode, client to stdout (${name})`, async () => {
      const nc = await spawnListener(['-lv', '127.0.0.1', '0'], { stdin: 'ignore', hashStdout: true })
      const client = await connectTo(nc.port)
      client.resume()
      client.end(data)
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe(hash)
    })
  }

  it('full duplex through an echo server (64 MiB each way at once)', async () => {
    const { port } = await tcpServer((s) => s.pipe(s))
    const nc = spawnNc(['-N', '127.0.0.1', String(port)], { stdin: big, hashStdout: true })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe(bigHash)
  })

  it('listen mode, full duplex with a client that echoes (64 MiB)', async () => {
    const nc = await spawnListener(['-lvN', '127.0.0.1', '0'], { stdin: big, hashStdout: true })
    const client = await connectTo(nc.port)
    client.pipe(client)
    await once(client, 'end')
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe(bigHash)
  })
})

/** Bytes a writer got rid of into `write` before it had to wait (writes `chunk` while it may). */
function floodWhileAccepted(write: (chunk: Buffer) => boolean, onDrain: (fn: () => void) => void, limit: number): { accepted: () => number } {
  const chunk = Buffer.alloc(256 * 1024, 0x5a)
  let accepted = 0
  const pump = () => {
    while (accepted < limit) {
      accepted += chunk.length
      if (!write(chunk)) return onDrain(pump)
    }
  }
  pump()
  return { accepted: () => accepted }
}

describe('backpressure: a slow reader does not make nc buffer without bound', () => {
  const LIMIT = 512 * MiB
  const BOUND = 48 * MiB // kernel socket and pipe buffers plus nc's stream buffers stay far below this

  it('a peer that stops reading stops nc reading stdin', async () => {
    const { port } = await tcpServer((s) => s.pause())
    const nc = spawnNc(['127.0.0.1', String(port)])
    const stdin = nc.child.stdin!
    const flood = floodWhileAccepted((c) => stdin.write(c), (fn) => stdin.once('drain', fn), LIMIT)
    await new Promise((r) => setTimeout(r, 2000))
    expect(flood.accepted()).toBeGreaterThan(0)
    expect(flood.accepted()).toBeLessThan(BOUND)
    nc.child.kill('SIGKILL')
  })

  it('a stdout nobody reads stops nc reading the socket', async () => {
    let flood!: { accepted: () => number }
    const { port } = await tcpServer((s) => {
      flood = floodWhileAccepted((c) => s.write(c), (fn) => s.once('drain', fn), LIMIT)
    })
    const nc = spawnNc(['-d', '127.0.0.1', String(port)])
    nc.child.stdout!.pause()
    await new Promise((r) => setTimeout(r, 2000))
    expect(flood.accepted()).toBeGreaterThan(0)
    expect(flood.accepted()).toBeLessThan(BOUND)
    nc.child.kill('SIGKILL')
  })
})

