import { createHash, randomBytes, randomInt } from 'node:crypto'
import dgram from 'node:dgram'
import { once } from 'node:events'
import { describe, expect, it, onTestFinished } from 'vitest'
import { jsonEvents, runCli, spawnCli, startFaultyServer, startServerCli, udpClient, waitFor } from './helpers.js'

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('udp-echo (built CLI)', () => {
  it.each([
    { host: '127.0.0.1', family: 4 as const },
    { host: '::1', family: 6 as const },
  ])('echoes random datagrams on $host and prints JSON events and a summary', async ({ host, family }) => {
    const server = await startServerCli(['--host', host, '--port', '0', '-v'])
    expect(server.host).toBe(host)
    const client = await udpClient(family)
    const sent: Buffer[] = []
    for (const size of [1, 64, 1500, 20_000, 65_000, randomInt(2, 60_000)]) {
      const data = randomBytes(size)
      await client.send(data, server.port, host)
      const echo = await client.next(3000)
      expect(echo && sha256(echo)).toBe(sha256(data))
      sent.push(data)
    }
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const events = jsonEvents(server.stdout())
    expect(events[0]).toMatchObject({ event: 'listening', host, rateLimit: 0, maxSize: 65_535 })
    expect(events.filter((e) => e.event === 'source')).toHaveLength(1)
    const datagrams = events.filter((e) => e.event === 'datagram')
    expect(datagrams.map((e) => e.bytes)).toEqual(sent.map((d) => d.byteLength))
    expect(datagrams[1]!.hex).toBe(`${sent[1]!.subarray(0, 16).toString('hex')}…`)
    expect(events.at(-1)).toMatchObject({ event: 'summary', received: 6, echoed: 6, droppedTooLarge: 0, sources: 1 })
    expect(server.stderr()).toBe('')
  })

  it('prints the listening line and a summary on stderr without --json', async () => {
    const run = spawnCli(['--port', '0'])
    expect(await waitFor(() => run.stderr().includes('listening on'), 10_000)).toBe(true)
    const port = Number(/listening on 127\.0\.0\.1:(\d+)\n/.exec(run.stderr())![1])
    const client = await udpClient(4)
    await client.send(Buffer.from('hello\n'), port, '127.0.0.1')
    expect(await client.next(3000)).toEqual(Buffer.from('hello\n'))
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(0)
    expect(run.stdout()).toBe('')
    const lines = run.stderr().trim().split('\n')
    expect(lines[0]).toBe(`listening on 127.0.0.1:${port}`)
    expect(lines[1]).toMatch(/^udp-echo: 1 datagram received, 1 echoed \(6 B\), dropped none, 0 send errors, 1 source,/)
  })

  it('-v logs each datagram with a hex preview on stderr', async () => {
    const run = spawnCli(['--port', '0', '-v', '--max-size', '4'])
    expect(await waitFor(() => run.stderr().includes('listening on'), 10_000)).toBe(true)
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(run.stderr())![1])
    const client = await udpClient(4)
    await client.send(Buffer.from([0xde, 0xad]), port, '127.0.0.1')
    expect(await client.next(3000)).toEqual(Buffer.from([0xde, 0xad]))
    await client.send(Buffer.alloc(5), port, '127.0.0.1')
    expect(await waitFor(() => run.stderr().includes('dropped'), 5000)).toBe(true)
    const local = client.socket.address().port
    expect(run.stderr()).toContain(`127.0.0.1:${local}: 2 bytes echoed dead\n`)
    expect(run.stderr()).toContain(`127.0.0.1:${local}: 5 bytes dropped (too-large)\n`)
  })

  it('--max-size drops and counts larger datagrams', async () => {
    const server = await startServerCli(['--port', '0', '--max-size', '1k'])
    const client = await udpClient(4)
    await client.send(Buffer.alloc(1025, 9), server.port, '127.0.0.1')
    await client.send(Buffer.alloc(1024, 8), server.port, '127.0.0.1')
    expect(await client.next(3000)).toEqual(Buffer.alloc(1024, 8))
    expect(await waitFor(() => server.stdout().includes('"drop"'), 5000)).toBe(true)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const events = jsonEvents(server.stdout())
    expect(events.find((e) => e.event === 'drop')).toMatchObject({ bytes: 1025, reason: 'too-large' })
    expect(events.at(-1)).toMatchObject({ event: 'summary', received: 2, echoed: 1, droppedTooLarge: 1 })
  })

  it('--rate-limit drops the excess from one source', async () => {
    const server = await startServerCli(['--port', '0', '--rate-limit', '3', '-v'])
    expect(jsonEvents(server.stdout())[0]).toMatchObject({ rateLimit: 3 })
    const client = await udpClient(4)
    for (let i = 0; i < 30; i++) await client.send(Buffer.from([i]), server.port, '127.0.0.1')
    // With -v every datagram is reported, echoed or dropped: wait until the server has seen all 30.
    const handled = () => jsonEvents(server.stdout()).filter((e) => e.event === 'datagram' || e.event === 'drop').length
    expect(await waitFor(() => handled() === 30, 5000)).toBe(true)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const events = jsonEvents(server.stdout())
    expect(events.filter((e) => e.event === 'rate-limit')).toEqual([expect.objectContaining({ peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), limit: 3 })])
    const drops = events.filter((e) => e.event === 'drop')
    expect(drops.every((e) => e.reason === 'rate-limited')).toBe(true)
    const summary = events.at(-1)!
    expect(summary).toMatchObject({ event: 'summary', received: 30, droppedRateLimited: drops.length })
    expect(summary.echoed as number).toBeGreaterThanOrEqual(3)
    expect(summary.echoed as number).toBeLessThan(10)
    expect((summary.echoed as number) + drops.length).toBe(30)
  })

  it('a port in use: one line on stderr, exit 1', async () => {
    const holder = dgram.createSocket('udp4')
    holder.bind(0, '127.0.0.1')
    await once(holder, 'listening')
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())))
    const port = holder.address().port
    const { code, stdout, stderr } = await runCli(['--port', String(port)])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(`udp-echo: bind to 127.0.0.1 port ${port} (udp) failed: Address already in use\n`)
  })

  it.each([
    [['--port', '70000'], /port number out of range: 70000/],
    [['--rate-limit', 'lots'], /invalid rate limit/],
    [['--max-size', '1M'], /max size out of range/],
    [['bench', '127.0.0.1', '7', '--size', '4'], /size out of range/],
    [['bench', '127.0.0.1'], /invalid address/],
  ])('usage error %j: one line, exit 2', async (args, pattern) => {
    const { code, stderr } = await runCli(args)
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(pattern)
  })

  it('bench against our server: 0 mismatches, exit 0', async () => {
    const server = await startServerCli(['--port', '0'])
    const { code, stdout, stderr } = await runCli(['bench', '127.0.0.1', String(server.port), '--window', '8', '--size', '512', '--duration', '500ms', '--json'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const result = JSON.parse(stdout) as Record<string, number>
    expect(result.mismatches).toBe(0)
    expect(result.verified).toBeGreaterThan(50)
    expect(result.size).toBe(512)
    const table = await runCli(['bench', `127.0.0.1:${server.port}`, '-n', '100'])
    expect(table.code).toBe(0)
    expect(table.stdout).toBe('')
    expect(table.stderr).toMatch(/^target +127\.0\.0\.1:\d+ \(udp\), window 32, 64 B datagrams/)
    expect(table.stderr).toMatch(/\nmismatches +0\n/)
  })

  it('bench against a corrupting server: mismatches reported, exit 1', async () => {
    const { port } = await startFaultyServer((msg, n) => {
      if (n % 3 === 0) msg[10] = msg[10]! ^ 0xff
      return msg
    })
    const { code, stdout, stderr } = await runCli(['bench', '127.0.0.1', String(port), '-n', '300', '--json'])
    expect(code).toBe(1)
    expect(JSON.parse(stdout).mismatches).toBeGreaterThanOrEqual(50)
    expect(stderr).toMatch(/^udp-echo: \d+ echoed datagrams did not match what was sent \(#\d+: payload differs from what was sent\)\n$/)
  })

  it('bench with no server answering: one line, exit 1', async () => {
    const { port } = await startFaultyServer(() => undefined)
    const { code, stdout, stderr } = await runCli(['bench', '127.0.0.1', String(port), '-d', '300ms', '--timeout', '100ms'])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/\nverified +0\n/)
    expect(stderr).toMatch(new RegExp(`\\nudp-echo: no echo from 127\\.0\\.0\\.1:${port} \\(udp\\)\\n$`))
  })

  it('bench stops early on SIGINT and still prints its result', async () => {
    const server = await startServerCli(['--port', '0'])
    const run = spawnCli(['bench', '127.0.0.1', String(server.port), '-d', '60s', '--json'])
    // Interrupt once the server has heard from the tester (its handler is installed by then).
    expect(await waitFor(() => server.stdout().includes('"source"'), 10_000)).toBe(true)
    await new Promise((r) => setTimeout(r, 200))
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(0)
    const result = JSON.parse(run.stdout()) as { durationMs: number; verified: number; mismatches: number }
    expect(result.durationMs).toBeLessThan(30_000)
    expect(result.verified).toBeGreaterThan(0)
    expect(result.mismatches).toBe(0)
  })
})
