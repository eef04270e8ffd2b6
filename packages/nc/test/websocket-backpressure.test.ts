/**
 * Backpressure in WebSocket mode, both ways, against a raw server: while nc's stdout is not read,
 * nc stops reading the socket (the server's writes back up); while the server does not read, nc
 * stops reading stdin (the test's writes to nc's stdin back up). Then everything flows, byte-exact.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { closePayload, sha256, sleep, waitFor, WS_OPCODE } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { rawWsServer, type RawWsConnection } from './helpers/ws-peers.js'
import { NC_CLI } from './support/nc.js'

const MiB = 1024 * 1024
const TOTAL = 32 * MiB

function spawnNc(args: string[]) {
  const child = spawn(process.execPath, [NC_CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  child.stdin.on('error', () => {})
  const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)))
  return { child, exit }
}

describe('nc ws:// backpressure', () => {
  it('a stdout nobody reads stops nc reading the socket; then all 32 MiB arrive byte-exact', async () => {
    const data = randomBytes(TOTAL)
    let conn: RawWsConnection | undefined
    const { port } = await rawWsServer((c) => {
      conn = c
      for (let i = 0; i < TOTAL; i += MiB) c.send({ opcode: WS_OPCODE.binary, payload: data.subarray(i, i + MiB) })
      c.send({ opcode: WS_OPCODE.close, payload: closePayload(1000) })
    })
    const nc = spawnNc(['-d', '--binary', `ws://127.0.0.1:${port}/`])
    nc.child.stdout.pause()
    await waitFor(() => conn !== undefined, 10_000)
    await sleep(1500)
    // Kernel buffers hold a few MiB at most: the rest must still wait in the server.
    expect(conn!.socket.writableLength).toBeGreaterThan(8 * MiB)
    const hash = createHash('sha256')
    nc.child.stdout.on('data', (chunk: Buffer) => hash.update(chunk))
    nc.child.stdout.resume()
    expect(await nc.exit).toBe(0)
    expect(hash.digest('hex')).toBe(sha256(data))
  })

  it('a server that does not read stops nc reading stdin; then all 32 MiB arrive byte-exact', async () => {
    const data = randomBytes(TOTAL)
    let conn: RawWsConnection | undefined
    const { port } = await rawWsServer((c) => {
      conn = c
      c.socket.pause()
    })
    const nc = spawnNc(['--binary', `ws://127.0.0.1:${port}/`])
    // Write in 64 KiB pieces, each after the last was taken, so what nc has read is what left our buffer.
    let written = 0
    const writer = (async () => {
      while (written < TOTAL) {
        const piece = data.subarray(written, written + 64 * 1024)
        written += piece.length
        if (!nc.child.stdin.write(piece)) await once(nc.child.stdin, 'drain')
      }
      nc.child.stdin.end()
    })()
    await waitFor(() => conn !== undefined, 10_000)
    await sleep(1500)
    // nc queues at most ~1 MiB, kernel buffers hold a few MiB: most of the 32 MiB has not been read.
    const taken = written - nc.child.stdin.writableLength
    expect(taken).toBeLessThan(16 * MiB)
    conn!.socket.resume()
    const close = await conn!.waitFrame((f) => f.opcode === WS_OPCODE.close, 30_000)
    expect(close.payload.readUInt16BE(0)).toBe(1000)
    const received = Buffer.concat(conn!.frames.filter((f) => f.opcode === WS_OPCODE.binary).map((f) => f.payload))
    expect(sha256(received)).toBe(sha256(data))
    conn!.send({ opcode: WS_OPCODE.close, payload: closePayload(1000) })
    expect(await nc.exit).toBe(0)
    await writer
  }, 60_000)
})
