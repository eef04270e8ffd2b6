import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { client, echo, random, readAll, runCli, sha256, sleep, startCli, waitFor } from './helpers.js'

describe('tcp-echo (built CLI)', () => {
  it('prints its version', async () => {
    const cli = runCli(['--version'])
    expect(await cli.exit()).toBe(0)
    expect(cli.stdout().trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('prints one listening line, echoes, and prints a summary on SIGTERM', async () => {
    const cli = await startCli()
    expect(cli.stderr()).toMatch(/^listening on 127\.0\.0\.1:\d+\n$/)
    const payload = random(300_000)
    expect(sha256(await echo(cli.port, payload))).toBe(sha256(payload))
    cli.child.kill('SIGTERM')
    expect(await cli.exit()).toBe(0)
    expect(cli.stderr()).toMatch(/served 1 connection, echoed 293 KiB, peak 1 concurrent, in \S+\n$/)
    expect(cli.stdout()).toBe('')
  })

  it('listens on IPv6 and logs connections with -v', async () => {
    const cli = await startCli(['-v'], '::1')
    expect(cli.stderr()).toMatch(/^listening on \[::1\]:\d+\n/)
    const payload = random(1000)
    expect((await echo(cli.port, payload, '::1')).equals(payload)).toBe(true)
    expect(await waitFor(() => /close \[::1\]:\d+ \(#1\) after \S+, 1000 B in, 1000 B out/.test(cli.stderr()))).toBe(true)
    expect(cli.stderr()).toMatch(/open  \[::1\]:\d+ \(#1, 1 open\)/)
  })

  it('--json prints events as JSON lines on stdout, nothing on stderr', async () => {
    const cli = await startCli(['--json'])
    const payload = random(4321)
    expect((await echo(cli.port, payload)).equals(payload)).toBe(true)
    expect(await waitFor(() => cli.stdout().includes('"event":"close"'))).toBe(true)
    cli.child.kill('SIGINT')
    expect(await cli.exit()).toBe(0)
    const events = cli.stdout().trim().split('\n').map((line) => JSON.parse(line))
    expect(events.map((e) => e.event)).toEqual(['listening', 'open', 'close', 'summary'])
    expect(events[0]).toEqual({ event: 'listening', host: '127.0.0.1', port: cli.port, family: 'IPv4' })
    expect(events[1]).toMatchObject({ id: 1, open: 1, peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) })
    expect(events[2]).toMatchObject({ id: 1, reason: 'end', bytesIn: 4321, bytesOut: 4321 })
    expect(events[3]).toMatchObject({ connections: 1, peak: 1, bytesIn: 4321, bytesEchoed: 4321, forced: 0 })
    expect(cli.stderr()).toBe('')
  })

  it('finishes a transfer in progress on SIGTERM within the grace period', async () => {
    const cli = await startCli(['--grace', '10s'])
    const socket = await client(cli.port)
    const received = readAll(socket)
    const payload = random(600_000)
    socket.write(payload.subarray(0, 200_000))
    await sleep(100)
    cli.child.kill('SIGTERM')
    await sleep(200)
    for (let off = 200_000; off < payload.length; off += 100_000) {
      socket.write(payload.subarray(off, off + 100_000))
      await sleep(20)
    }
    socket.end()
    expect(sha256(await received)).toBe(sha256(payload))
    expect(await cli.exit()).toBe(0)
    expect(cli.stderr()).toMatch(/served 1 connection, echoed 586 KiB/)
  })

  it('closes extra connections over --max-conns', async () => {
    const cli = await startCli(['--max-conns', '1', '-v'])
    const first = await client(cli.port)
    first.resume()
    expect(await waitFor(() => cli.stderr().includes('(#1, 1 open)'))).toBe(true)
    const second = await client(cli.port)
    second.on('error', () => {})
    second.resume()
    await once(second, 'end') // closed at once, nothing echoed
    expect(await waitFor(() => /drop  127\.0\.0\.1:\d+: max-conns reached/.test(cli.stderr()))).toBe(true)
  })

  it('reports a port in use in one line and exits 1', async () => {
    const first = await startCli()
    const second = runCli(['--port', String(first.port)])
    expect(await second.exit()).toBe(1)
    expect(second.stderr()).toBe(`tcp-echo: bind to 127.0.0.1 port ${first.port} (tcp) failed: Address already in use\n`)
  })

  it('reports an address it cannot bind in one line and exits 1', async () => {
    // 192.0.2.1 (TEST-NET-1) is on no local interface: bind() fails at once, nothing is sent.
    const cli = runCli(['--host', '192.0.2.1', '--port', '0'])
    expect(await cli.exit()).toBe(1)
    expect(cli.stderr()).toBe('tcp-echo: bind to 192.0.2.1 port 0 (tcp) failed: Cannot assign requested address\n')
  })

  it('serves 1,000 concurrent clients', async () => {
    const cli = await startCli()
    const payloads = Array.from({ length: 1000 }, (_, i) => random(1 + ((i * 37) % 2000)))
    const echoed = await Promise.all(payloads.map((p) => echo(cli.port, p)))
    expect(echoed.every((e, i) => e.equals(payloads[i]!))).toBe(true)
    cli.child.kill('SIGTERM')
    expect(await cli.exit()).toBe(0)
    expect(cli.stderr()).toMatch(/served 1,000 connections/)
  })

  it.each([
    [['--port', '99999'], /port number out of range: 99999/],
    [['--idle-timeout', 'soon'], /invalid idle timeout/],
    [['--frame', 'xml'], /invalid frame format: "xml" \(use lines, lp32, varint\)/],
    [['bench', '127.0.0.1'], /missing PORT: use `tcp-echo bench HOST PORT`/],
    [['bench', '127.0.0.1', '7', '--mode', 'flood'], /invalid bench mode: "flood" \(use churn, pingpong, stream\)/],
    [['bench', '127.0.0.1', '7', '-c', '0'], /connections out of range/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const cli = runCli(args)
    expect(await cli.exit()).toBe(2)
    const lines = cli.stderr().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(message)
  })

  it('--cluster 2 shares the port between workers and shuts them all down', async () => {
    const cli = await startCli(['--cluster', '2'])
    expect(cli.stderr()).toMatch(/listening on 127\.0\.0\.1:\d+ \(2 workers\)/)
    const payloads = Array.from({ length: 20 }, () => random(10_000))
    const echoed = await Promise.all(payloads.map((p) => echo(cli.port, p)))
    expect(echoed.every((e, i) => e.equals(payloads[i]!))).toBe(true)
    await sleep(300) // let both workers see their first connection count in the summary
    cli.child.kill('SIGTERM')
    expect(await cli.exit(20_000)).toBe(0)
    expect(cli.stderr()).toMatch(/served 20 connections, echoed 195 KiB/)
  })
  it('--cluster: a port in use is one line and exit 1, however the workers race to report it', async () => {
    const first = await startCli()
    // Every worker fails; the primary's shutdown message to a worker that already left must not crash it (EPIPE).
    const cli = runCli(['--port', String(first.port), '--cluster', '6'])
    expect(await cli.exit(20_000)).toBe(1)
    expect(cli.stderr()).toBe(`tcp-echo: bind to 127.0.0.1 port ${first.port} (tcp) failed: Address already in use\n`)
  })
})

describe('tcp-echo --cluster --json (built CLI)', () => {
  it('tags connection events with the worker and sums the summary', async () => {
    const cli = await startCli(['--cluster', '2', '--json'], '::1')
    const payloads = Array.from({ length: 10 }, () => random(2000))
    for (const p of payloads) expect((await echo(cli.port, p, '::1')).equals(p)).toBe(true)
    expect(await waitFor(() => cli.stdout().split('"event":"close"').length === 11)).toBe(true)
    cli.child.kill('SIGTERM')
    expect(await cli.exit(20_000)).toBe(0)
    const events = cli.stdout().trim().split('\n').map((line) => JSON.parse(line))
    expect(events[0]).toEqual({ event: 'listening', host: '::1', port: cli.port, family: 'IPv6', workers: 2 })
    const closes = events.filter((e) => e.event === 'close')
    expect(closes).toHaveLength(10)
    expect(closes.every((e) => [1, 2].includes(e.worker) && e.bytesOut === 2000)).toBe(true)
    expect(events.at(-1)).toMatchObject({ event: 'summary', connections: 10, bytesEchoed: 20_000 })
    expect(cli.stderr()).toBe('')
  })
})

describe('tcp-echo bench (built CLI)', () => {
  it('verifies our own server: table on stderr, exit 0', async () => {
    const server = await startCli()
    const cli = runCli(['bench', '127.0.0.1', String(server.port), '--mode', 'pingpong', '-c', '10', '-n', '2000'])
    expect(await cli.exit()).toBe(0)
    expect(cli.stderr()).toMatch(/messages\s+2,000\s+\(/)
    expect(cli.stderr()).toMatch(/errors\s+0\n/)
    expect(cli.stderr()).toMatch(/mismatches\s+0\n/)
    expect(cli.stdout()).toBe('')
  })

  it('prints --json results and uses worker threads', async () => {
    const server = await startCli()
    const cli = runCli(['bench', '127.0.0.1', String(server.port), '-m', 'stream', '-c', '4', '-t', '2', '-d', '500ms', '--json'])
    expect(await cli.exit()).toBe(0)
    const result = JSON.parse(cli.stdout())
    expect(result).toMatchObject({ mode: 'stream', threads: 2, connections: 4, connects: 4, errors: 0, mismatches: 0 })
    expect(result.bytes).toBeGreaterThan(0)
  })

  it('detects a corrupting server: reports mismatches, exits 1', async () => {
    const server = createServer({ allowHalfOpen: true }, (s: Socket) => {
      s.on('error', () => {})
      s.on('data', (d: Buffer) => {
        const copy = Buffer.from(d)
        copy[copy.length - 1]! ^= 0x80
        s.write(copy)
      })
      s.on('end', () => s.end())
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const port = (server.address() as { port: number }).port
    const cli = runCli(['bench', '127.0.0.1', String(port), '-m', 'churn', '-c', '5', '-n', '100'])
    expect(await cli.exit()).toBe(1)
    expect(cli.stderr()).toMatch(/mismatches\s+100\n/)
    expect(cli.stderr()).toMatch(/tcp-echo: bench failed: 100 mismatched echoes, 0 errors\n$/)
  })

  it('reports a refused connection in one line, exit 1', async () => {
    const probe = createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const port = (probe.address() as { port: number }).port
    await new Promise((resolve) => probe.close(resolve))
    const cli = runCli(['bench', '127.0.0.1', String(port), '-d', '2s'])
    expect(await cli.exit()).toBe(1)
    expect(cli.stderr()).toBe(`tcp-echo: connect to 127.0.0.1 port ${port} (tcp) failed: Connection refused\n`)
  })
})
