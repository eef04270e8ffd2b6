import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { execFileSync } from 'node:child_process'
import { codecFor } from '@netkit/framing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { client, random, readAll, startCli, waitFor } from './helpers.js'

/** The open-files limit of processes started from here (the CLI inherits it). */
function openFilesLimit(): number {
  const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()
  return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text)
}

/** Send one lp32 frame on `socket` and resolve with the echo of exactly that many bytes. */
function roundTrip(socket: Socket, frame: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      length += chunk.length
      if (length >= frame.length) {
        socket.off('data', onData)
        socket.off('close', onClose)
        resolve(Buffer.concat(chunks))
      }
    }
    const onClose = () => reject(new Error(`closed after ${length} of ${frame.length} echoed bytes`))
    socket.on('data', onData)
    socket.once('close', onClose)
    socket.write(frame)
  })
}

describe('tcp-echo under hostile or heavy input (built CLI)', () => {
  it('--frame lp32: a 4 GiB length prefix closes that connection only; others keep echoing', async () => {
    const cli = await startCli(['--frame', 'lp32'])
    const codec = codecFor('lp32')
    const good = await client(cli.port)
    const before = codec.encode(random(1000))
    expect((await roundTrip(good, before)).equals(before)).toBe(true)

    const bad = await client(cli.port)
    bad.on('error', () => {})
    bad.resume()
    const ended = once(bad, 'end')
    bad.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03]))
    await ended
    expect(
      await waitFor(() => /^tcp-echo: closed 127\.0\.0\.1:\d+: frame of 4294967295 bytes announced, limit is 16777216 bytes$/m.test(cli.stderr())),
    ).toBe(true)

    // The connection opened before keeps echoing, and new ones are served.
    const after = codec.encode(random(70_000))
    expect((await roundTrip(good, after)).equals(after)).toBe(true)
    const fresh = await client(cli.port)
    const received = readAll(fresh)
    const wire = codec.encodeMany([random(5), random(3)])
    fresh.end(wire)
    expect((await received).equals(wire)).toBe(true)
    expect(cli.child.exitCode).toBeNull()
  })

  it('3,000 idle connections and SIGTERM: all closed within --grace, summary printed, exit 0', async () => {
    const count = 3000
    // Both ends live on this machine: the test process and the CLI each hold `count` sockets.
    const limit = openFilesLimit()
    if (limit < count + 200) throw new Error(`ulimit -n is ${limit}; this test needs at least ${count + 200} open files`)
    const graceMs = 2000
    const cli = await startCli(['--grace', `${graceMs}ms`])
    const sockets: Socket[] = []
    onTestFinished(() => {
      for (const s of sockets) s.destroy()
    })
    // Connect in batches so the accept queue is never the test's subject.
    for (let i = 0; i < count; i += 250) {
      const batch = Array.from({ length: Math.min(250, count - i) }, () => {
        const socket = connect({ host: '127.0.0.1', port: cli.port })
        socket.on('error', () => {})
        sockets.push(socket)
        return once(socket, 'connect')
      })
      await Promise.all(batch)
    }
    // Every connection proven accepted by the server: each echoes one byte.
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.once('data', () => resolve())
            s.write('x')
          }),
      ),
    )
    let closedCount = 0
    const allClosed = Promise.all(sockets.map((s) => once(s, 'close').then(() => closedCount++)))
    const signalled = Date.now()
    cli.child.kill('SIGTERM')
    const withinGrace = await Promise.race([allClosed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs + 3000))])
    const elapsed = Date.now() - signalled
    expect(withinGrace, `${closedCount} of ${count} closed after ${elapsed} ms`).toBe(true)
    expect(elapsed).toBeLessThan(graceMs + 3000)
    expect(await cli.exit(10_000)).toBe(0)
    expect(cli.stderr()).toMatch(/served 3,000 connections, echoed 2\.93 KiB, peak 3,000 concurrent, closed 3,000 still open after the grace period, in \S+\n$/)
  }, 30_000)
})
