import { once } from 'node:events'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createSelfSignedCertificate, dial, NetworkError, type DialPhase } from '../src/index.js'

async function listen(server: net.Server, ...args: unknown[]): Promise<net.Server> {
  const sockets = new Set<net.Socket>()
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  server.listen(...(args as [number, string]))
  await once(server, 'listening')
  onTestFinished(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return server
}

describe('dial', () => {
  it('connects over TCP, reads into the onread buffer, and reports timings', async () => {
    const server = await listen(net.createServer((socket) => socket.end('hello')), 0, '127.0.0.1')
    const port = (server.address() as net.AddressInfo).port
    const reads: string[] = []
    const buffer = Buffer.alloc(64)
    const { socket, timings } = await dial({ host: '127.0.0.1', port, onread: { buffer, callback: (n, b) => { reads.push(b.subarray(0, n).toString()); return true } } })
    await once(socket, 'close')
    expect(reads.join('')).toBe('hello')
    expect(timings.connect).toBeGreaterThanOrEqual(0)
    expect(timings.lookup).toBe(0)
  })

  it('connects to a Unix socket', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netkit-dial-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const file = path.join(dir, 's.sock')
    await listen(net.createServer((socket) => socket.end('unix')), file)
    const { socket } = await dial({ path: file })
    const [chunk] = (await once(socket, 'data')) as [Buffer]
    expect(chunk.toString()).toBe('unix')
    socket.destroy()
  })

  it('normalises a refused connect once, with the phase for a custom wording', async () => {
    const probe = await listen(net.createServer(), 0, '127.0.0.1')
    const port = (probe.address() as net.AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const failure = await dial({ host: '127.0.0.1', port }).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(NetworkError)
    expect((failure as Error).message).toBe(`connect to 127.0.0.1 port ${port} (tcp) failed: Connection refused`)
    const phases: DialPhase[] = []
    await expect(dial({ host: '127.0.0.1', port, mapError: (_err, phase) => (phases.push(phase), new Error('mine')) })).rejects.toThrow('mine')
    expect(phases).toEqual(['connect'])
  })

  it('TLS: a handshake failure is phase "handshake"; a silent peer hits the timeout in that phase', async () => {
    const certificate = createSelfSignedCertificate()
    const secure = tls.createServer(certificate, (socket) => socket.end())
    secure.on('tlsClientError', () => {})
    await listen(secure, 0, '127.0.0.1')
    const port = (secure.address() as net.AddressInfo).port
    const seen: DialPhase[] = []
    await expect(dial({ host: '127.0.0.1', port, tls: { rejectUnauthorized: true }, mapError: (err, phase) => (seen.push(phase), err as Error) })).rejects.toThrow(/self[- ]signed/)
    expect(seen).toEqual(['handshake'])
    const silent = await listen(net.createServer(() => {}), 0, '127.0.0.1')
    const silentPort = (silent.address() as net.AddressInfo).port
    const timedOut: DialPhase[] = []
    await expect(dial({ host: '127.0.0.1', port: silentPort, tls: {}, connectTimeout: 200, timeoutError: (phase) => (timedOut.push(phase), new Error('slow')) })).rejects.toThrow('slow')
    expect(timedOut).toEqual(['handshake'])
  })

  it('an AbortSignal rejects with its reason', async () => {
    const silent = await listen(net.createServer(() => {}), 0, '127.0.0.1')
    const port = (silent.address() as net.AddressInfo).port
    const controller = new AbortController()
    const pending = dial({ host: '127.0.0.1', port, tls: {}, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('stop')), 50)
    await expect(pending).rejects.toThrow('stop')
  })
})
