import { constants, deflateRawSync, inflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { closePayload, rawWebSocket, waitFor, WS_OPCODE, type RawWsClient } from '@netkit/test-kit'
import { startServer } from './helpers.js'

const { text, binary, continuation, close, ping, pong } = WS_OPCODE

/** Send a text message and expect its echo (the connection is healthy). */
async function roundTrip(client: RawWsClient, message: string): Promise<void> {
  const before = client.frames.length
  client.send({ opcode: text, payload: message })
  const echo = await client.waitFrame((f) => client.frames.indexOf(f) >= before && f.opcode === text)
  expect(echo.payload.toString()).toBe(message)
}

describe('echo', () => {
  it('echoes text as text and binary as binary, the prefix on text only', async () => {
    const { port } = await startServer({ prefix: '收到: ' })
    const c = await rawWebSocket(port)
    expect(c.status).toBe(101)
    c.send({ opcode: text, payload: 'hello' })
    const t = await c.waitFrame((f) => f.opcode === text)
    expect(t.payload.toString()).toBe('收到: hello')
    c.send({ opcode: binary, payload: Buffer.from([0, 1, 2, 255]) })
    const b = await c.waitFrame((f) => f.opcode === binary)
    expect([...b.payload]).toEqual([0, 1, 2, 255])
  })

  it('joins a fragmented message and answers a ping sent between its fragments', async () => {
    const { port } = await startServer()
    const c = await rawWebSocket(port)
    c.send({ opcode: text, payload: 'frag', fin: false })
    c.send({ opcode: ping, payload: 'are you there' })
    const p = await c.waitFrame((f) => f.opcode === pong)
    expect(p.payload.toString()).toBe('are you there')
    c.send({ opcode: continuation, payload: 'mented', fin: true })
    const echo = await c.waitFrame((f) => f.opcode === text)
    expect(echo.payload.toString()).toBe('fragmented')
  })
})

describe('protocol errors close with the right code, are counted, and leave other connections alone', () => {
  const cases: Array<{ name: string; code: number; send: (c: RawWsClient) => void; maxMessage?: number }> = [
    { name: 'an unmasked client frame', code: 1002, send: (c) => c.send({ opcode: text, payload: 'x', mask: false }) },
    { name: 'invalid UTF-8 in a text message', code: 1007, send: (c) => c.send({ opcode: text, payload: Buffer.from([0x68, 0xc3, 0x28]) }) },
    { name: 'a control frame over 125 bytes', code: 1002, send: (c) => c.send({ opcode: ping, payload: Buffer.alloc(126) }) },
    { name: 'a fragmented control frame', code: 1002, send: (c) => c.send({ opcode: ping, payload: 'x', fin: false }) },
    { name: 'a reserved opcode', code: 1002, send: (c) => c.send({ opcode: 3, payload: 'x' }) },
    { name: 'a reserved control opcode', code: 1002, send: (c) => c.send({ opcode: 0xb, payload: 'x' }) },
    { name: 'RSV1 without an extension', code: 1002, send: (c) => c.send({ opcode: text, payload: 'x', rsv: 4 }) },
    { name: 'RSV2 set', code: 1002, send: (c) => c.send({ opcode: text, payload: 'x', rsv: 2 }) },
    { name: 'a continuation with no message started', code: 1002, send: (c) => c.send({ opcode: continuation, payload: 'x' }) },
    { name: 'a message over --max-message', code: 1009, maxMessage: 1024, send: (c) => c.send({ opcode: binary, payload: Buffer.alloc(1025) }) },
    {
      name: 'fragments adding up to more than --max-message',
      code: 1009,
      maxMessage: 1024,
      send: (c) => {
        c.send({ opcode: binary, payload: Buffer.alloc(600), fin: false })
        c.send({ opcode: continuation, payload: Buffer.alloc(600), fin: true })
      },
    },
  ]

  it.each(cases)('$name -> $code', async ({ code, send, maxMessage }) => {
    const { server, port, events } = await startServer({ maxMessage })
    const good = await rawWebSocket(port)
    await roundTrip(good, 'before')
    const bad = await rawWebSocket(port)
    send(bad)
    expect((await bad.closeCode()).code).toBe(code)
    bad.socket.end()
    await bad.closed
    await roundTrip(good, 'after')
    expect(await waitFor(() => server.stats.protocolErrors[code] === 1)).toBe(true)
    const closeEvent = events.find((e) => e.event === 'close' && e.reason === 'protocol-error')
    expect(closeEvent).toMatchObject({ code })
  })
})

describe('--compress', () => {
  const deflateHeader = { 'Sec-WebSocket-Extensions': 'permessage-deflate' }
  /** A permessage-deflate payload: raw deflate without the final empty block's 00 00 ff ff. */
  const compress = (data: Buffer) => {
    const z = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH })
    return z.subarray(0, z.length - 4)
  }

  it('negotiates permessage-deflate and echoes compressed messages', async () => {
    const { port } = await startServer({ compress: true })
    const c = await rawWebSocket(port, { headers: deflateHeader })
    expect(c.head).toMatch(/sec-websocket-extensions: permessage-deflate/i)
    const message = Buffer.from('echo me '.repeat(1000))
    c.send({ opcode: text, payload: compress(message), rsv: 4 })
    const echo = await c.waitFrame((f) => f.opcode === text)
    const body = echo.rsv & 4 ? inflateRawSync(Buffer.concat([echo.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }) : echo.payload
    expect(body.equals(message)).toBe(true)
  })

  it('caps a decompression bomb at --max-message (1009)', async () => {
    const { server, port } = await startServer({ compress: true, maxMessage: 1024 * 1024 })
    const c = await rawWebSocket(port, { headers: deflateHeader })
    const bomb = compress(Buffer.alloc(64 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(1024 * 1024) // small on the wire, 64 MiB inflated
    c.send({ opcode: binary, payload: bomb, rsv: 4 })
    expect((await c.closeCode()).code).toBe(1009)
    expect(await waitFor(() => server.stats.protocolErrors['1009'] === 1)).toBe(true)
  })

  it('is off by default: the extension is not offered and a compressed frame is 1002', async () => {
    const { port } = await startServer()
    const c = await rawWebSocket(port, { headers: deflateHeader })
    expect(c.head).not.toMatch(/sec-websocket-extensions/i)
    c.send({ opcode: text, payload: compress(Buffer.from('hello')), rsv: 4 })
    expect((await c.closeCode()).code).toBe(1002)
  })
})

describe('HTTP answers', () => {
  it('a plain request gets 426 with a one-line body', async () => {
    const { port, server } = await startServer()
    const c = await rawWebSocket(port, { plain: true })
    expect(c.status).toBe(426)
    expect(c.head).toMatch(/upgrade: websocket/i)
    expect(await c.body()).toMatch(/^[^\n]+\n$/)
    expect(server.stats.rejected).toBe(1)
  })

  it('--path: upgrades elsewhere get 404, the path itself (with a query) upgrades', async () => {
    const { port } = await startServer({ path: '/echo' })
    const wrong = await rawWebSocket(port, { path: '/other' })
    expect(wrong.status).toBe(404)
    expect(await wrong.body()).toMatch(/\/echo/)
    const right = await rawWebSocket(port, { path: '/echo?x=1' })
    expect(right.status).toBe(101)
    await roundTrip(right, 'on the path')
  })

  it('--max-conns: an extra upgrade gets 503, and a slot freed is usable again', async () => {
    const { port, events } = await startServer({ maxConns: 2 })
    const a = await rawWebSocket(port)
    const b = await rawWebSocket(port)
    expect([a.status, b.status]).toEqual([101, 101])
    const c = await rawWebSocket(port)
    expect(c.status).toBe(503)
    expect(events.some((e) => e.event === 'reject' && e.status === 503 && e.reason === 'max-conns')).toBe(true)
    await roundTrip(a, 'still served')
    a.send({ opcode: close, payload: closePayload(1000) })
    await a.closed
    const d = await rawWebSocket(port)
    expect(d.status).toBe(101)
  })
})

describe('timeouts', () => {
  it('--ping-interval: a peer that does not answer pings is terminated, one that does stays', async () => {
    const { server, port, events } = await startServer({ pingInterval: 500 })
    const silent = await rawWebSocket(port)
    const answering = await rawWebSocket(port)
    answering.socket.on('data', () => {
      // Answer every ping seen so far (the raw client has no automatic pong).
      for (const f of answering.frames.splice(0)) if (f.opcode === ping) answering.send({ opcode: pong, payload: f.payload })
    })
    await silent.waitFrame((f) => f.opcode === ping, 5000)
    await silent.closed
    expect(await waitFor(() => events.some((e) => e.event === 'close' && e.reason === 'ping-timeout'))).toBe(true)
    expect(answering.socket.destroyed).toBe(false)
    expect(server.stats.open).toBe(1)
  })

  it('--idle-timeout: a connection that sends nothing is closed with 1000', async () => {
    const { port, events } = await startServer({ idleTimeout: 300 })
    const c = await rawWebSocket(port)
    const started = Date.now()
    const { code, reason } = await c.closeCode(3000)
    expect(code).toBe(1000)
    expect(reason).toMatch(/idle/)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(await waitFor(() => events.some((e) => e.event === 'close' && e.reason === 'idle-timeout'))).toBe(true)
  })
})

describe('shutdown', () => {
  it('closes every connection with 1001, then terminates one that does not answer after the grace period', async () => {
    const { server, port } = await startServer()
    const polite = await rawWebSocket(port)
    const rude = await rawWebSocket(port)
    polite.socket.on('data', () => {
      if (polite.frames.some((f) => f.opcode === close) && !polite.socket.writableEnded) {
        polite.send({ opcode: close, payload: closePayload(1001) })
        polite.socket.end()
      }
    })
    const summary = server.close(500)
    expect((await polite.closeCode()).code).toBe(1001)
    expect((await rude.closeCode()).code).toBe(1001)
    const s = await summary
    expect(s.connections).toBe(2)
    expect(s.forced).toBe(1)
    await rude.closed
  })
})
