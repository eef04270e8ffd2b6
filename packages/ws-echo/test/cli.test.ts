import { once } from 'node:events'
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createSelfSignedCertificate } from '@netkit/shared'
import { rawWebSocket, runCli, tempFiles, WS_OPCODE } from '@netkit/test-kit'
import { CLI, startCli } from './helpers.js'
import pkg from '../package.json' with { type: 'json' }

describe('ws-echo CLI', () => {
  it('--version prints the version', async () => {
    const r = await runCli(CLI, ['--version'])
    expect(r.code).toBe(0)
    expect(r.stdout.toString().trim()).toBe(pkg.version)
  })

  it('--help lists every option with its default', async () => {
    const r = await runCli(CLI, ['--help'])
    const help = r.stdout.toString()
    for (const option of ['--host', '--port', '--path', '--prefix', '--max-message', '--max-conns', '--idle-timeout', '--ping-interval', '--compress', '--tls-cert', '--tls-key', '--grace', '--json']) {
      expect(help).toContain(option)
    }
    for (const value of ['"127.0.0.1"', '"8765"', '"16M"', '"20s"', '"5s"']) expect(help).toContain(`[default: ${value}]`)
  })

  it.each([
    [['--bogus'], /Unknown argument/],
    [['--max-message', 'lots'], /invalid max message size/],
    [['--path', 'echo'], /--path must start with '\/'/],
    [['--port', '70000'], /port/],
    [['--tls-cert', 'x.pem'], /--tls-cert needs --tls-key/],
    [['bench'], /missing URL: use `ws-echo bench URL`/],
    [['bench', 'http://127.0.0.1:1/'], /unsupported URL scheme "http"/],
    [['bench', 'ws://127.0.0.1:1/', '--mode', 'sideways'], /invalid bench mode/],
  ])('usage error %j: one line, exit 2', async (args, message) => {
    const r = await runCli(CLI, args)
    expect(r.code).toBe(2)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^ws-echo: /)
    expect(lines[0]).toMatch(message)
  })

  it('a missing certificate file: one line, exit 1', async () => {
    const r = await runCli(CLI, ['--port', '0', '--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem'])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/certificate \/nonexistent\/cert\.pem/)
  })

  it('a port in use: one line, exit 1', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1')
    await once(blocker, 'listening')
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const r = await runCli(CLI, ['--port', String(port)])
      expect(r.code).toBe(1)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(/in use/i)
    } finally {
      blocker.close()
    }
  })

  it('prints the port it got, and on SIGTERM a summary, exit 0', async () => {
    const { cli, port } = await startCli(['--prefix', '> '])
    const c = await rawWebSocket(port)
    c.send({ opcode: WS_OPCODE.text, payload: 'hi' })
    expect((await c.waitFrame((f) => f.opcode === WS_OPCODE.text)).payload.toString()).toBe('> hi')
    cli.child.kill('SIGTERM')
    expect((await c.closeCode()).code).toBe(1001)
    c.socket.end()
    expect(await cli.exit).toBe(0)
    expect(await cli.stderr).toMatch(/served 1 connection, 1 message \(2 B in, 4 B out\)/)
  })

  it('--json: events as JSON lines, then one summary object with protocol errors by code', async () => {
    const { cli, port } = await startCli(['--json', '--grace', '1s'])
    const bad = await rawWebSocket(port)
    bad.send({ opcode: WS_OPCODE.text, payload: Buffer.from([0xff]) })
    expect((await bad.closeCode()).code).toBe(1007)
    await bad.closed
    await cli.waitStdout(/"event":"close"/)
    cli.child.kill('SIGINT')
    expect(await cli.exit).toBe(0)
    const events = (await cli.stdout).toString().trim().split('\n').map((l) => JSON.parse(l))
    expect(events.map((e) => e.event)).toEqual(['listening', 'open', 'close', 'summary'])
    expect(events[2]).toMatchObject({ reason: 'protocol-error', code: 1007 })
    expect(events[3]).toMatchObject({ connections: 1, protocolErrors: { 1007: 1 } })
    expect(await cli.stderr).toBe('')
  })

  it('--tls-cert/--tls-key serve wss://', async () => {
    const { cert, key } = createSelfSignedCertificate()
    const files = tempFiles({ 'cert.pem': cert, 'key.pem': key })
    const { cli, port } = await startCli(['--tls-cert', files['cert.pem']!, '--tls-key', files['key.pem']!])
    expect(cli.stderrSoFar()).toMatch(/\(wss\)/)
    const ws = new WebSocket(`wss://localhost:${port}/`, { ca: cert })
    ws.on('error', () => {})
    await once(ws, 'open')
    ws.send('over tls')
    const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean]
    expect(isBinary).toBe(false)
    expect(data.toString()).toBe('over tls')
    // Shutdown reaches wss clients with 1001 too.
    cli.child.kill('SIGTERM')
    const [code] = (await once(ws, 'close')) as [number]
    expect(code).toBe(1001)
    expect(await cli.exit).toBe(0)
  })
})
