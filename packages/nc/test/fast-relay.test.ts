/**
 * fast-relay.ts in-process, on real loopback sockets: the cases the CLI tests cannot force.
 * A reused read buffer must never be overwritten while an output still holds it, and bytes that
 * arrive before the relay starts must not be lost.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { sha256 } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openStream } from '../src/net/connect.js'
import { fastRelay, socketReader } from '../src/session/buffer-transport.js'

/**
 * An output that takes each chunk asynchronously: it copies the bytes only when it "finishes" the
 * write, a few ticks later, so a relay that reuses the buffer too early gets caught.
 */
function slowOutput(): { output: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = []
  const output = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      setTimeout(() => {
        parts.push(Buffer.from(chunk))
        cb()
      }, 1)
    },
  })
  return { output, bytes: () => Buffer.concat(parts) }
}

async function server(onConnection: (socket: net.Socket) => void, options: net.ServerOpts = {}) {
  const srv = net.createServer(options, onConnection).listen(0, '127.0.0.1')
  await once(srv, 'listening')
  onTestFinished(() => {
    srv.close()
  })
  return (srv.address() as net.AddressInfo).port
}

describe('fastRelay', { timeout: 30_000 }, () => {
  it('an accepted socket read into one buffer reaches a slow output intact', async () => {
    const data = randomBytes(8 * 1024 * 1024 + 13)
    const { output, bytes } = slowOutput()
    let relayed!: Promise<unknown>
    const port = await server(
      (socket) => {
        relayed = fastRelay(socket, null, output, { accepted: true })
      },
      { pauseOnConnect: true },
    )
    const client = net.connect(port, '127.0.0.1')
    onTestFinished(() => {
      client.destroy()
    })
    client.end(data)
    await once(client, 'close')
    const result = (await relayed) as { received: number; reason: string }
    await new Promise<void>((resolve) => output.write(Buffer.alloc(0), () => resolve()))
    expect(result.reason).toBe('peer-eof')
    expect(result.received).toBe(data.length)
    expect(sha256(bytes())).toBe(sha256(data))
  })

  it('a connected socket keeps the bytes that arrive before the relay starts', async () => {
    const port = await server((socket) => {
      socket.write('banner\n')
      setTimeout(() => socket.end('after\n'), 50)
    })
    const reader = socketReader()
    const socket = await openStream({ host: '127.0.0.1', port, onread: reader.onread })
    onTestFinished(() => {
      socket.destroy()
    })
    // Let the banner arrive while no relay is attached.
    await sleep(100)
    const { output, bytes } = slowOutput()
    const result = await fastRelay(socket, null, output, { reader })
    await new Promise<void>((resolve) => output.write(Buffer.alloc(0), () => resolve()))
    expect(result.reason).toBe('peer-eof')
    expect(bytes().toString()).toBe('banner\nafter\n')
  })
})
