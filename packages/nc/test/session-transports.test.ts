/**
 * Each transport of the session engine honours the half-close rules in-process, on real
 * loopback sockets (the CLI matrix for both is test/half-close.test.ts), and a transport written
 * for this test shows that a new one needs no half-close code of its own.
 */
import { once } from 'node:events'
import net from 'node:net'
import { PassThrough, Writable } from 'node:stream'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createBufferTransport } from '../src/session/buffer-transport.js'
import { closeSocket, driveSession, type Transport } from '../src/session/driver.js'
import type { SessionEvent } from '../src/session/machine.js'
import { relay } from '../src/session/stream-transport.js'
import { tcpServer, waitFor } from './support/nc.js'

/** A connected pair on loopback: `ours` for the session, `peer` for the test. */
async function pair(): Promise<{ ours: net.Socket; peer: net.Socket }> {
  let resolvePeer!: (s: net.Socket) => void
  const peerP = new Promise<net.Socket>((r) => (resolvePeer = r))
  const { port } = await tcpServer((s) => resolvePeer(s))
  const ours = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  await once(ours, 'connect')
  onTestFinished(() => {
    ours.destroy()
  })
  return { ours, peer: await peerP }
}

function collector(): { output: Writable; text: () => string } {
  const parts: Buffer[] = []
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(Buffer.from(chunk))
      cb()
    },
  })
  return { output, text: () => Buffer.concat(parts).toString() }
}

describe('transports in-process', { timeout: 20_000 }, () => {
  it('stream transport: -N shuts down at input EOF and ends with the peer', async () => {
    const { ours, peer } = await pair()
    const input = new PassThrough()
    const { output, text } = collector()
    const done = relay(ours, { input, output }, { shutdownOnEof: true })
    peer.resume()
    const eof = once(peer, 'end')
    input.end('hello\n')
    await eof
    peer.end('world\n')
    const result = await done
    expect(result).toMatchObject({ reason: 'peer-eof', sent: 6, received: 6 })
    expect(text()).toBe('world\n')
  })

  it('stream transport: -q 200 ends with reason quit while the peer stays open', async () => {
    const { ours, peer } = await pair()
    const input = new PassThrough()
    const done = relay(ours, { input, output: collector().output }, { quitAfterEofMs: 200 })
    peer.resume()
    input.end('x')
    const result = await done
    expect(result.reason).toBe('quit')
    expect(result.durationMs).toBeGreaterThanOrEqual(150)
  })

  it('buffer transport: -w ends an idle session with reason idle', async () => {
    const { ours } = await pair()
    const started = performance.now()
    const result = await driveSession(createBufferTransport(ours, null, collector().output), { idleTimeoutMs: 200 })
    expect(result.reason).toBe('idle')
    expect(performance.now() - started).toBeGreaterThanOrEqual(150)
  })

  it('buffer transport: a reset fails the session with a NetworkError', async () => {
    const { ours, peer } = await pair()
    const done = driveSession(createBufferTransport(ours, new PassThrough(), collector().output), {})
    peer.resetAndDestroy()
    await expect(done).rejects.toMatchObject({ exitCode: 1 })
  })

  it('a new transport plugs in with no half-close code: messages in, messages out', async () => {
    const { ours, peer } = await pair()
    const lines: string[] = []
    // A toy line transport (what a WebSocket transport looks like to the driver).
    const transport: Transport = {
      start(emit: (e: SessionEvent) => void, meter) {
        ours.on('data', (c: Buffer) => {
          meter.received(c.length)
          lines.push(...c.toString().split('\n').filter(Boolean))
        })
        ours.on('end', () => emit({ type: 'peer-eof' }))
        setImmediate(() => {
          ours.write('one\ntwo\n')
          meter.sent(8)
          emit({ type: 'input-eof' })
        })
      },
      shutdownWrite: () => ours.end(),
      flushOutput: (done) => done(),
      stop: () => ours.removeAllListeners('data'),
      close: () => closeSocket(ours),
    }
    const got = waitFor(peer, 'two\n')
    const eof = once(peer, 'end')
    const done = driveSession(transport, { shutdownOnEof: true })
    await got
    await eof
    peer.end('three\n')
    expect(await done).toMatchObject({ reason: 'peer-eof', sent: 8, received: 6 })
    expect(lines).toEqual(['three'])
  })
})
