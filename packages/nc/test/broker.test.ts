import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import * as net from 'node:net'
import { Duplex, PassThrough, Writable } from 'node:stream'
import { describe, expect, it, onTestFinished } from 'vitest'
import { Hub, escapeControl, MAX_ANNOUNCE_BACKLOG, MAX_CHAT_LINE, type HubOptions } from '../src/features/broker.js'

async function hubServer(options: HubOptions): Promise<{ port: number; hub: Hub }> {
  const hub = new Hub(options)
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    void hub.add(socket, socket.remoteAddress)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(async () => {
    hub.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { port: (server.address() as net.AddressInfo).port, hub }
}

interface Client {
  socket: net.Socket
  received: () => Buffer
  waitFor: (predicate: (data: Buffer) => boolean, ms?: number) => Promise<Buffer>
}

async function client(port: number, read = true): Promise<Client> {
  const socket = net.connect({ port, host: '127.0.0.1' })
  await once(socket, 'connect')
  onTestFinished(() => {
    socket.destroy()
  })
  const chunks: Buffer[] = []
  if (read) socket.on('data', (c: Buffer) => chunks.push(c))
  const received = () => Buffer.concat(chunks)
  return {
    socket,
    received,
    async waitFor(predicate, ms = 10_000) {
      const deadline = Date.now() + ms
      while (!predicate(received())) {
        if (Date.now() > deadline) throw new Error(`timed out; have ${JSON.stringify(received().toString('latin1').slice(-200))}`)
        await new Promise((r) => setTimeout(r, 10))
      }
      return received()
    },
  }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('broker', () => {
  it('relays each client’s bytes to every other client, never back to the sender', async () => {
    const { port, hub } = await hubServer({ mode: 'broker' })
    const a = await client(port)
    const b = await client(port)
    const c = await client(port)
    await until(() => hub.size === 3)
    a.socket.write(Buffer.from([0, 1, 2, 255]))
    await b.waitFor((d) => d.length === 4)
    await c.waitFor((d) => d.length === 4)
    b.socket.write('from b')
    await a.waitFor((d) => d.toString('latin1').endsWith('from b'))
    await c.waitFor((d) => d.toString('latin1').endsWith('from b'))
    expect(a.received().toString('latin1')).toBe('from b')
    expect(b.received()).toEqual(Buffer.from([0, 1, 2, 255]))
    expect(c.received()).toEqual(Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from('from b')]))
    c.socket.end()
    await until(() => hub.size === 2)
    a.socket.write('after c left')
    await b.waitFor((d) => d.toString('latin1').endsWith('after c left'))
  })

  it('pauses a sender while a recipient does not read, and loses nothing', async () => {
    const { port, hub } = await hubServer({ mode: 'broker' })
    const sender = await client(port)
    const slow = await client(port, false)
    await until(() => hub.size === 2)
    slow.socket.pause()
    const payload = randomBytes(24 * 1024 * 1024)
    let written = 0
    let blocked = false
    // Write until the sender's own socket reports backpressure: the broker stopped reading it.
    while (written < payload.length) {
      const ok = sender.socket.write(payload.subarray(written, written + 256 * 1024))
      written += 256 * 1024
      if (!ok) {
        const drained = await Promise.race([once(sender.socket, 'drain').then(() => true), new Promise((r) => setTimeout(() => r(false), 1500))])
        if (!drained) {
          blocked = true
          break
        }
      }
    }
    expect(blocked).toBe(true)
    expect(written).toBeLessThan(payload.length)
    // Now the slow client reads everything: the sender resumes and every byte arrives in order.
    const hash = createHash('sha256')
    let got = 0
    slow.socket.on('data', (c: Buffer) => {
      hash.update(c)
      got += c.length
    })
    slow.socket.resume()
    while (written < payload.length) {
      if (!sender.socket.write(payload.subarray(written, written + 256 * 1024))) await once(sender.socket, 'drain')
      written += 256 * 1024
    }
    await until(() => got === payload.length, 15_000)
    expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'))
  })

  it('disconnects a client idle for longer than the idle timeout', async () => {
    const { port, hub } = await hubServer({ mode: 'broker', idleTimeoutMs: 300 })
    const a = await client(port)
    await until(() => hub.size === 1)
    await once(a.socket, 'close')
    await until(() => hub.size === 0)
  })
})

describe('chat', () => {
  it('prefixes lines with the sender, escapes control characters, announces joins and leaves', async () => {
    const { port, hub } = await hubServer({ mode: 'chat' })
    const a = await client(port)
    await until(() => hub.size === 1)
    const b = await client(port)
    await until(() => hub.size === 2)
    await a.waitFor((d) => d.toString().includes('<user2>.'))
    b.socket.write('hello\r\nbell\x07 esc\x1b[31m tab\there ünï\x7f\n')
    b.socket.write('split ')
    b.socket.write('line\n')
    await a.waitFor((d) => d.toString().includes('split line'))
    const text = a.received().toString('utf8')
    expect(text).toBe(
      '<announce> 127.0.0.1 is connected as <user1>.\n' +
        '<announce> already connected: nobody.\n' +
        '<announce> 127.0.0.1 is connected as <user2>.\n' +
        '<announce> already connected: 127.0.0.1 as <user1>.\n' +
        '<user2> hello\n' +
        '<user2> bell\\007 esc\\033[31m tab\there ünï\\177\n' +
        '<user2> split line\n',
    )
    expect(b.received().toString()).toBe('<announce> 127.0.0.1 is connected as <user2>.\n<announce> already connected: 127.0.0.1 as <user1>.\n')
    b.socket.end('last words without newline')
    await a.waitFor((d) => d.toString().endsWith('<announce> <user2> is disconnected.\n'))
    expect(a.received().toString()).toContain('<user2> last words without newline\n<announce> <user2> is disconnected.\n')
  })

  it('cuts a line that grows past the cap instead of buffering it', async () => {
    const { port, hub } = await hubServer({ mode: 'chat' })
    const a = await client(port)
    const b = await client(port)
    await until(() => hub.size === 2)
    b.socket.write(Buffer.alloc(MAX_CHAT_LINE + 10, 'x'))
    await a.waitFor((d) => d.toString().includes('<user2> xxx'))
    const line = a.received().toString().split('\n').find((l) => l.startsWith('<user2> x'))!
    expect(line.length).toBeGreaterThanOrEqual(MAX_CHAT_LINE)
    expect(line.length).toBeLessThan(MAX_CHAT_LINE + 20)
  })

  it('skips announcements to a member that stopped reading, so churn cannot grow its buffer', async () => {
    const hub = new Hub({ mode: 'chat' })
    const stalled = new Duplex({ read() {}, write(_chunk, _enc, _cb) {} }) // never finishes a write
    void hub.add(stalled, '192.0.2.1')
    stalled.write(Buffer.alloc(MAX_ANNOUNCE_BACKLOG + 1)) // its backlog is now over the cap
    const before = stalled.writableLength
    const heard: string[] = []
    const listener = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        heard.push(chunk.toString())
        cb()
      },
    })
    void hub.add(listener, '192.0.2.2')
    const visitor = new Duplex({ read() {}, write: (_c, _e, cb) => cb() })
    void hub.add(visitor, '192.0.2.3')
    visitor.destroy()
    await until(() => hub.size === 2)
    expect(stalled.writableLength).toBe(before)
    expect(heard.join('')).toContain('<announce> <user3> is disconnected.\n')
    hub.close()
  })

  it('escapes only what it must', () => {
    const plain = Buffer.from('nothing to see')
    expect(escapeControl(plain)).toBe(plain)
    expect(escapeControl(Buffer.from([0, 0x1f, 0x20, 0x09, 0x7f, 0xc3, 0xa9])).toString('latin1')).toBe('\\000\\037 \t\\177\xc3\xa9')
  })
})

describe('fanout (--keep-open)', () => {
  it('sends stdin to every client and every client to stdout', async () => {
    const input = new PassThrough()
    const out: Buffer[] = []
    const output = new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk)
        cb()
      },
    })
    const { port, hub } = await hubServer({ mode: 'fanout', local: { input, output } })
    const a = await client(port)
    const b = await client(port)
    await until(() => hub.size === 2)
    input.write('to all\n')
    await a.waitFor((d) => d.toString() === 'to all\n')
    await b.waitFor((d) => d.toString() === 'to all\n')
    a.socket.write('from a\n')
    await until(() => Buffer.concat(out).toString() === 'from a\n')
    b.socket.write('from b\n')
    await until(() => Buffer.concat(out).toString() === 'from a\nfrom b\n')
    expect(a.received().toString()).toBe('to all\n')
  })
})
