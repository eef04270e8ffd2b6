import { once } from 'node:events'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { runCli } from '@netkit/test-kit'
import { runWsBench } from '../src/index.js'
import { CLI, startServer } from './helpers.js'

/** A deliberately faulty echo server on a free port: `reply` decides what goes back. */
async function faultyServer(reply: (ws: WebSocket, data: Buffer, isBinary: boolean, n: number) => void): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  wss.on('connection', (ws) => {
    let n = 0
    ws.on('error', () => {})
    ws.on('message', (data, isBinary) => reply(ws, data as Buffer, isBinary, n++))
  })
  onTestFinished(() => {
    for (const ws of wss.clients) ws.terminate()
    wss.close()
  })
  return (wss.address() as { port: number }).port
}

const benchJson = async (args: string[]) => {
  const r = await runCli(CLI, ['bench', ...args, '--json'])
  return { ...r, result: r.stdout.length > 0 ? JSON.parse(r.stdout.toString()) : undefined }
}

describe('ws-echo bench', () => {
  it('verifies text pingpong against ws-echo, with the prefix it expects: exit 0', async () => {
    const { port, server } = await startServer({ prefix: '收到: ' })
    const r = await benchJson([`ws://127.0.0.1:${port}/`, '-c', '10', '-d', '500ms', '--expect-prefix', '收到: '])
    expect(r.code).toBe(0)
    expect(r.result).toMatchObject({ mode: 'pingpong', connections: 10, size: 64, binary: false, errors: 0, mismatches: 0 })
    expect(r.result.completed).toBeGreaterThan(100)
    expect(r.result.latency.p50).toBeGreaterThan(0)
    // Every verified echo was a message the server counted.
    expect(server.stats.messages).toBeGreaterThanOrEqual(r.result.completed)
  })

  it('verifies a binary stream of 64 KiB messages (library)', async () => {
    const { port } = await startServer()
    const result = await runWsBench({ url: `ws://127.0.0.1:${port}/`, mode: 'stream', binary: true, connections: 4, duration: 500 })
    expect(result).toMatchObject({ size: 65_536, errors: 0, mismatches: 0 })
    expect(result.bytes).toBe(result.completed * 65_536)
    expect(result.completed).toBeGreaterThan(10)
  })

  it('a missing prefix is a mismatch: exit 1', async () => {
    const { port } = await startServer()
    const r = await benchJson([`ws://127.0.0.1:${port}/`, '-c', '2', '-d', '300ms', '--expect-prefix', '收到: '])
    expect(r.code).toBe(1)
    expect(r.result.mismatches).toBeGreaterThan(0)
    expect(r.stderr).toMatch(/^ws-echo: bench failed: \d+ mismatched echoes/m)
  })

  it.each([
    ['flips one byte of every 50th echo', (ws: WebSocket, d: Buffer, b: boolean, n: number) => {
      const copy = Buffer.from(d)
      if (n % 50 === 49) copy[copy.length - 1]! ^= 1
      ws.send(copy, { binary: b })
    }],
    ['echoes text as binary', (ws: WebSocket, d: Buffer) => ws.send(d, { binary: true })],
    ['drops the last byte once', (ws: WebSocket, d: Buffer, b: boolean, n: number) => ws.send(n === 10 ? d.subarray(0, -1) : d, { binary: b })],
  ])('a faulty server that %s makes bench exit 1', async (_, reply) => {
    const port = await faultyServer(reply)
    const r = await benchJson([`ws://127.0.0.1:${port}/`, '-c', '4', '-d', '500ms'])
    expect(r.code).toBe(1)
    expect(r.result.mismatches).toBeGreaterThan(0)
  })

  it('a server that closes the connection is an error: exit 1', async () => {
    const port = await faultyServer((ws, d, b, n) => (n === 5 ? ws.close(1011, 'oops') : ws.send(d, { binary: b })))
    const r = await benchJson([`ws://127.0.0.1:${port}/`, '-c', '2', '-d', '500ms'])
    expect(r.code).toBe(1)
    expect(r.result.errors).toBeGreaterThan(0)
    expect(r.result.errorSamples.join('\n')).toMatch(/code 1011: oops/)
  })

  it('nothing listening: one line, exit 1', async () => {
    const { port, server } = await startServer()
    await server.close(0)
    const r = await runCli(CLI, ['bench', `ws://127.0.0.1:${port}/`, '-c', '2', '-d', '300ms'])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/refused/i)
  })

  it('a server that answers 404: the status is in the error, exit 1', async () => {
    const { port } = await startServer({ path: '/echo' })
    const r = await runCli(CLI, ['bench', `ws://127.0.0.1:${port}/elsewhere`, '-c', '1', '-d', '300ms'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/404/)
  })
})
