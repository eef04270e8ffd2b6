import { once } from 'node:events'
import { codecFor } from '@netkit/framing'
import { describe, expect, it } from 'vitest'
import type { CloseEvent } from '../src/index.js'
import { client, random, readAll, sleep, startCli, startServer, waitFor } from './helpers.js'

/** Write `data` in random pieces (1 byte to 3 KiB) with a pause now and then, then half-close. */
async function trickle(socket: import('node:net').Socket, data: Uint8Array): Promise<void> {
  let off = 0
  for (let i = 0; off < data.length && i < 1_000_000; i++) {
    const n = Math.min(data.length - off, 1 + Math.floor(Math.random() * 3000))
    socket.write(data.subarray(off, off + n))
    off += n
    if (i % 50 === 0) await sleep(1)
  }
  socket.end()
}

describe('frame mode', () => {
  it('lines: echoes whole lines byte for byte (CRLF kept), holds a partial line, drops it at EOF', async () => {
    const { server, events } = await startServer({ frame: 'lines' })
    const socket = await client(server.address.port)
    const got: Buffer[] = []
    socket.on('data', (d: Buffer) => got.push(d))
    socket.write('hello\r\nwor')
    expect(await waitFor(() => Buffer.concat(got).toString() === 'hello\r\n')).toBe(true)
    await sleep(150)
    expect(Buffer.concat(got).toString()).toBe('hello\r\n') // 'wor' waits for its newline
    socket.write('ld\n\nunterminated')
    socket.end()
    await once(socket, 'end')
    expect(Buffer.concat(got).toString()).toBe('hello\r\nworld\n\n')
    expect(await waitFor(() => events.some((e) => e.event === 'close'))).toBe(true)
    expect(events.find((e) => e.event === 'close')).toMatchObject({ reason: 'frame-truncated', error: expect.stringMatching(/12 bytes/) })
  })

  it.each(['lp32', 'varint'] as const)('%s: echoes frames of random sizes in any chunking', async (format) => {
    const { server } = await startServer({ frame: format })
    const codec = codecFor(format)
    const payloads = [0, 1, 127, 128, 300, 16_384, 70_000, 1_000_000, ...Array.from({ length: 40 }, () => Math.floor(Math.random() * 5000))].map(random)
    const wire = codec.encodeMany(payloads)
    const socket = await client(server.address.port)
    const received = readAll(socket)
    await trickle(socket, wire)
    expect(Buffer.compare(await received, wire)).toBe(0)
  })

  it('lp32: only whole frames come back', async () => {
    const { server } = await startServer({ frame: 'lp32' })
    const frame = codecFor('lp32').encode(random(10_000))
    const socket = await client(server.address.port)
    const got: Buffer[] = []
    socket.on('data', (d: Buffer) => got.push(d))
    socket.write(frame.subarray(0, 6000))
    await sleep(200)
    expect(got.length).toBe(0)
    socket.write(frame.subarray(6000))
    expect(await waitFor(() => Buffer.concat(got).length === frame.length)).toBe(true)
    expect(Buffer.compare(Buffer.concat(got), frame)).toBe(0)
  })

  it('a too-large frame closes that connection with its reason; the frames before it and other clients are fine', async () => {
    const { server, events } = await startServer({ frame: 'lp32', maxFrameSize: 1000 })
    const codec = codecFor('lp32', { maxFrameSize: 1000 })
    const good = await client(server.address.port)
    const goodReceived = readAll(good)
    good.write(codec.encode(random(500)))

    const bad = await client(server.address.port)
    const badReceived = readAll(bad).catch(() => Buffer.alloc(0)) // FIN or reset
    const first = codec.encode(random(10))
    const huge = Buffer.alloc(4 + 5000)
    huge.writeUInt32BE(5000, 0)
    bad.write(Buffer.concat([first, huge]))
    expect(await waitFor(() => events.some((e) => e.event === 'close'))).toBe(true)
    const close = events.find((e): e is CloseEvent => e.event === 'close')!
    expect(close).toMatchObject({ reason: 'frame-too-large', error: expect.stringMatching(/frame of 5000 bytes .*limit is 1000 bytes/) })
    const echoedBad = await badReceived
    if (echoedBad.length > 0) expect(Buffer.compare(echoedBad, first)).toBe(0)

    // The other client keeps going.
    const more = [random(999), random(1)].map((p) => codec.encode(p))
    for (const m of more) good.write(m)
    good.end()
    const all = await goodReceived
    expect(all.length).toBe(504 + 1003 + 5)
    expect(server.stats.open).toBe(0)
  })

  it('varint: a malformed prefix closes the connection as frame-invalid', async () => {
    const { server, events } = await startServer({ frame: 'varint' })
    const socket = await client(server.address.port)
    socket.on('error', () => {})
    socket.resume()
    socket.write(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))
    expect(await waitFor(() => events.some((e) => e.event === 'close'))).toBe(true)
    expect(events.find((e) => e.event === 'close')).toMatchObject({ reason: 'frame-invalid' })
  })

  it('CLI: --frame lp32 --max-frame-size logs the reason in one line; another client is unaffected', async () => {
    const cli = await startCli(['--frame', 'lp32', '--max-frame-size', '1k'])
    const codec = codecFor('lp32', { maxFrameSize: 1024 })
    const bad = await client(cli.port)
    bad.on('error', () => {})
    bad.resume()
    const header = Buffer.alloc(4)
    header.writeUInt32BE(2_000_000, 0)
    bad.write(header)
    expect(
      await waitFor(() => /^tcp-echo: closed 127\.0\.0\.1:\d+: frame of 2000000 bytes announced, limit is 1024 bytes$/m.test(cli.stderr())),
    ).toBe(true)
    const good = await client(cli.port)
    const received = readAll(good)
    const wire = codec.encodeMany([random(1024), random(3)])
    good.end(wire)
    expect(Buffer.compare(await received, wire)).toBe(0)
  })

  it('CLI: --cluster workers log a frame error without -v too', async () => {
    const cli = await startCli(['--frame', 'lp32', '--max-frame-size', '1k', '--cluster', '2'])
    const bad = await client(cli.port)
    bad.on('error', () => {})
    bad.resume()
    bad.write(Buffer.from([0xff, 0xff, 0xff, 0xff]))
    expect(
      await waitFor(() => /^tcp-echo: closed 127\.0\.0\.1:\d+: frame of 4294967295 bytes announced, limit is 1024 bytes$/m.test(cli.stderr())),
    ).toBe(true)
  })

  it('CLI: rejects --max-frame-size without --frame (exit 2)', async () => {
    const { runCli } = await import('./helpers.js')
    const cli = runCli(['--port', '0', '--max-frame-size', '1k'])
    expect(await cli.exit()).toBe(2)
    expect(cli.stderr()).toBe("tcp-echo: --max-frame-size needs --frame (see 'tcp-echo --help')\n")
  })
})
