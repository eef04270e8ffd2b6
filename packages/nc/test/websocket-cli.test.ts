/**
 * WebSocket mode from the built CLI, on real sockets: Python's `websockets` as the independent
 * peer in both roles, our ws-echo, and a raw server for every row of the README's WebSocket
 * half-close table (close 1000, 1001, >= 1002, no close frame, a handshake that is not 101).
 */
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { createSelfSignedCertificate } from '@netkit/shared'
import { closePayload, rawWebSocket, WS_OPCODE } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { httpConnectProxy, socks5Proxy } from './helpers/proxies.js'
import { pythonWebsocketsMissing, pythonWsClient, pythonWsServer, rawWsServer, wsEcho } from './helpers/ws-peers.js'
import { runCli } from '@netkit/test-kit'
import { NC_CLI, sha256, spawnListener, spawnNc, tcpServer, tempFiles } from './support/nc.js'

const runNc = (args: string[], options: Parameters<typeof runCli>[2] = {}) => runCli(NC_CLI, args, options)
const lines = (stderr: string) => stderr.split('\n').filter((l) => l !== '')

describe('nc ws:// against independent servers', () => {
  const missing = pythonWebsocketsMissing()
  it(`talks to a Python websockets 10.4 server: path, --header and --ws-protocol reach it, lines are messages${missing ? ` (RUNS WITHOUT PYTHON: ${missing})` : ''}`, async () => {
    if (missing) {
      console.warn(`websocket-cli: Python websockets peer not available: ${missing}; checking against ws-echo only`)
      return
    }
    const { port } = await pythonWsServer()
    const nc = spawnNc(['-v', '--header', 'X-Token: s3cret', '--ws-protocol', 'chat.v1', `ws://127.0.0.1:${port}/room?x=1`], { stdin: 'pipe' })
    nc.child.stdin!.write('hello\r\n你好\n')
    // websockets answers a close before its handler echoes what came just before: end stdin after the echoes.
    // stdoutSoFar() is latin1 text: match the UTF-8 bytes so.
    await nc.waitStdout(new RegExp(Buffer.from('echo: 你好\n').toString('latin1')))
    nc.child.stdin!.end()
    expect(await nc.exit).toBe(0)
    expect(await nc.stderr).toContain('HTTP/1.1 101 Switching Protocols')
    expect((await nc.stdout).toString()).toBe('path=/room?x=1 token=s3cret proto=chat.v1\necho: hello\necho: 你好\n')
  })

  it('talks to our ws-echo (the seed example: --prefix); CRLF is stripped, a last line without newline is sent', async () => {
    const { port } = await wsEcho(['--prefix', '收到: '])
    // The last line has no newline: it is still a message.
    const r = await runNc([`ws://127.0.0.1:${port}/`], { stdin: Buffer.from('hello\r\nworld') })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.toString()).toBe('收到: hello\n收到: world\n')
  })

  it('--binary: 1 MiB of random bytes round-trip byte-exact (sha256) through ws-echo', async () => {
    const { port } = await wsEcho()
    const data = randomBytes(1024 * 1024)
    const nc = spawnNc(['--binary', `ws://127.0.0.1:${port}/`], { stdin: data, hashStdout: true })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe(sha256(data))
  })

  it('an IPv6 literal URL (ws://[::1]:port/)', async () => {
    const { port } = await wsEcho(['--host', '::1'])
    const r = await runNc([`ws://[::1]:${port}/`], { stdin: Buffer.from('six\n') })
    expect(r.stderr).toBe('')
    expect(r.stdout.toString()).toBe('six\n')
    expect(r.code).toBe(0)
  })

  it('--hex-dump shows each message with its type', async () => {
    const { port } = await wsEcho()
    const r = await runNc(['--hex-dump', `ws://127.0.0.1:${port}/`], { stdin: Buffer.from('abc\n') })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('> text message, 3 bytes\n> 00000000  61 62 63')
    expect(r.stderr).toContain('< text message, 3 bytes')
  })
})

describe('nc ws:// half-close and exit (raw server, one test per table row)', () => {
  it('stdin EOF sends close 1000 and waits for the peer, whose close 1000 exits 0; data sent before is out', async () => {
    let closeSeen: number | undefined
    const { port } = await rawWsServer((conn) => {
      void (async () => {
        const text = await conn.waitFrame((f) => f.opcode === WS_OPCODE.text)
        conn.send({ opcode: WS_OPCODE.text, payload: `got ${text.payload}` })
        const close = await conn.waitFrame((f) => f.opcode === WS_OPCODE.close)
        closeSeen = close.payload.readUInt16BE(0)
        // Answer later: nc must wait for it (and keep printing).
        setTimeout(() => {
          conn.send({ opcode: WS_OPCODE.text, payload: 'after your close' })
          conn.send({ opcode: WS_OPCODE.close, payload: closePayload(1000) })
          conn.socket.end()
        }, 200)
      })()
    })
    const r = await runNc([`ws://127.0.0.1:${port}/`], { stdin: Buffer.from('ping\n') })
    expect(closeSeen).toBe(1000)
    expect(r.stdout.toString()).toBe('got ping\nafter your close\n')
    expect(r.code).toBe(0)
  })

  it('-q 0: stdin EOF sends close 1000 and exits at once, without waiting for a peer that never answers', async () => {
    let closeSeen: number | undefined
    const { port } = await rawWsServer((conn) => {
      void conn.waitFrame((f) => f.opcode === WS_OPCODE.close).then((f) => (closeSeen = f.payload.readUInt16BE(0)))
    })
    const started = Date.now()
    const r = await runNc(['-q', '0', `ws://127.0.0.1:${port}/`], { stdin: Buffer.from('bye\n') })
    expect(r.code).toBe(0)
    // Without -q nc would wait for the peer's close (ws gives up after 30 s).
    expect(Date.now() - started).toBeLessThan(3000)
    await new Promise((res) => setTimeout(res, 100))
    expect(closeSeen).toBe(1000)
  })

  for (const code of [1000, 1001]) {
    it(`the peer closes with ${code}: what it sent is written, exit 0`, async () => {
      const { port } = await rawWsServer((conn) => {
        conn.send({ opcode: WS_OPCODE.text, payload: 'one' })
        conn.send({ opcode: WS_OPCODE.binary, payload: Buffer.from([0, 1, 2]) })
        conn.send({ opcode: WS_OPCODE.close, payload: closePayload(code, 'bye') })
      })
      const r = await runNc(['-d', `ws://127.0.0.1:${port}/`])
      expect(r.stdout).toEqual(Buffer.concat([Buffer.from('one\n'), Buffer.from([0, 1, 2, 10])]))
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    })
  }

  for (const [code, reason] of [[1002, 'bad frame'], [1008, 'policy'], [1011, 'server broke']] as const) {
    it(`the peer closes with ${code}: one line with the code and reason, exit 1, data before it still written`, async () => {
      const { port } = await rawWsServer((conn) => {
        conn.send({ opcode: WS_OPCODE.text, payload: 'before the error' })
        conn.send({ opcode: WS_OPCODE.close, payload: closePayload(code, reason) })
      })
      const r = await runNc(['-d', `ws://127.0.0.1:${port}/`])
      expect(r.stdout.toString()).toBe('before the error\n')
      expect(lines(r.stderr)).toHaveLength(1)
      expect(r.stderr).toContain(`closed with ${code}`)
      expect(r.stderr).toContain(reason)
      expect(r.code).toBe(1)
    })
  }

  it('abnormal closure (the connection ends without a close frame): 1006 on stderr, exit 1, data before it written', async () => {
    const { port } = await rawWsServer((conn) => {
      conn.send({ opcode: WS_OPCODE.text, payload: 'partial' })
      setTimeout(() => conn.socket.destroy(), 100)
    })
    const r = await runNc(['-d', `ws://127.0.0.1:${port}/`])
    expect(r.stdout.toString()).toBe('partial\n')
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toContain('1006')
    expect(r.code).toBe(1)
  })

  it('a handshake answered 404: one line with the HTTP status, exit 1 (-v shows the status line)', async () => {
    const { port } = await rawWsServer(() => {}, '404 Not Found')
    const r = await runNc([`ws://127.0.0.1:${port}/nowhere`])
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toMatch(/ws:\/\/127\.0\.0\.1:\d+\/nowhere: WebSocket handshake failed: the server answered 404 Not Found/)
    expect(r.code).toBe(1)
    const v = await runNc(['-v', `ws://127.0.0.1:${port}/nowhere`])
    expect(v.stderr).toContain('HTTP/1.1 404 Not Found')
    expect(v.code).toBe(1)
  })

  it('SIGINT during a handshake the server never answers: exit 130 at once', async () => {
    const { port } = await tcpServer(() => {})
    const nc = spawnNc(['-v', `ws://127.0.0.1:${port}/`])
    await nc.waitStderr(/succeeded/)
    const started = Date.now()
    nc.child.kill('SIGINT')
    expect(await nc.exit).toBe(130)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('a refused connect: one line, exit 1', async () => {
    const server = net.createServer().listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const port = (server.address() as net.AddressInfo).port
    await new Promise((r) => server.close(r))
    const r = await runNc([`ws://127.0.0.1:${port}/`])
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toContain('refused')
    expect(r.code).toBe(1)
  })

  it('a received message over --max-message: closed with 1009, one line, exit 1', async () => {
    let answered: number | undefined
    const { port } = await rawWsServer((conn) => {
      conn.send({ opcode: WS_OPCODE.text, payload: 'small' })
      conn.send({ opcode: WS_OPCODE.text, payload: 'x'.repeat(100) })
      void conn.waitFrame((f) => f.opcode === WS_OPCODE.close).then((f) => (answered = f.payload.readUInt16BE(0)))
    })
    const r = await runNc(['-d', '--max-message', '50', `ws://127.0.0.1:${port}/`])
    expect(r.stdout.toString()).toBe('small\n')
    expect(r.stderr).toContain('larger than --max-message (50 bytes)')
    expect(r.code).toBe(1)
    await new Promise((res) => setTimeout(res, 100))
    expect(answered).toBe(1009)
  })

  it('a stdin line that is not UTF-8: one clear line (use --binary), exit 1', async () => {
    const { port } = await wsEcho()
    const r = await runNc([`ws://127.0.0.1:${port}/`], { stdin: Buffer.from([0x6f, 0x6b, 0x0a, 0xff, 0xfe, 0x0a]) })
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toContain('stdin line 2 is not valid UTF-8')
    expect(r.code).toBe(1)
  })

  it('a stdin line over --max-message: one clear line naming it, exit 1', async () => {
    const { port } = await wsEcho()
    const r = await runNc(['--max-message', '8', `ws://127.0.0.1:${port}/`], { stdin: Buffer.from('short\nmuch too long\n') })
    expect(r.stderr).toContain('stdin line 2 is longer than --max-message (8 bytes)')
    expect(r.code).toBe(1)
  })
})

describe('nc ws:// options reaching the server', () => {
  it('--header and --ws-protocol are written into the handshake', async () => {
    const { port, requests } = await rawWsServer((conn) => conn.send({ opcode: WS_OPCODE.close, payload: closePayload(1000) }))
    const r = await runNc(['-d', '--header', 'X-One: 1', '--header', 'Authorization: Bearer abc', '--ws-protocol', 'a.v1, b.v2', `ws://127.0.0.1:${port}/p`])
    expect(r.code).toBe(1) // the raw server picked no subprotocol although nc offered some: a handshake failure
    expect(requests[0]).toMatch(/^GET \/p HTTP\/1\.1\r\n/)
    expect(requests[0]).toMatch(/\r\nX-One: 1\r\n/)
    expect(requests[0]).toMatch(/\r\nAuthorization: Bearer abc\r\n/)
    expect(requests[0]).toMatch(/\r\nSec-WebSocket-Protocol: a\.v1,b\.v2\r\n/)
  })

  for (const bad of [['--header', 'X-Evil: a\r\nInjected: 1'], ['--header', 'X-Evil\nInjected: 1'], ['--ws-protocol', 'chat\r\nX: y'], ['--header', 'no colon'], ['--header', 'Upgrade: h2c']]) {
    it(`refuses ${JSON.stringify(bad)} before connecting: exit 2`, async () => {
      const { port, requests } = await rawWsServer(() => {})
      const r = await runNc([...bad, `ws://127.0.0.1:${port}/`])
      expect(r.code).toBe(2)
      expect(lines(r.stderr)).toHaveLength(1)
      expect(requests).toHaveLength(0)
    })
  }

  it('usage errors: --ws without -l, --binary without a WebSocket, -C with one, a bad URL', async () => {
    for (const args of [['--ws', '127.0.0.1', '80'], ['--binary', '127.0.0.1', '80'], ['-C', 'ws://127.0.0.1:1/'], ['ws://127.0.0.1:1/', '80'], ['ws://user:pw@127.0.0.1:1/'], ['-l', '--ws', '--header', 'A: b', '0']]) {
      const r = await runNc(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(lines(r.stderr), args.join(' ')).toHaveLength(1)
    }
  })
})

describe('nc wss:// and proxies', () => {
  it('wss with a self-signed certificate: --ssl-trustfile verifies it, --ssl-insecure skips it, neither fails', async () => {
    const { key, cert } = createSelfSignedCertificate({ altNames: ['localhost', '127.0.0.1'] })
    const files = tempFiles({ 'cert.pem': cert, 'key.pem': key })
    const { port } = await wsEcho(['--tls-cert', files['cert.pem']!, '--tls-key', files['key.pem']!])
    const url = `wss://localhost:${port}/`
    const trusted = await runNc(['--ssl-trustfile', files['cert.pem']!, url], { stdin: Buffer.from('secure\n') })
    expect(trusted.stderr).toBe('')
    expect(trusted.stdout.toString()).toBe('secure\n')
    expect(trusted.code).toBe(0)
    const insecure = await runNc(['--ssl-insecure', `wss://127.0.0.1:${port}/`], { stdin: Buffer.from('anyway\n') })
    expect(insecure.stdout.toString()).toBe('anyway\n')
    expect(insecure.code).toBe(0)
    // Through a SOCKS5 tunnel: TLS over the proxied stream, then the handshake.
    const socks = await socks5Proxy()
    const tunnelled = await runNc(['-x', `127.0.0.1:${socks.port}`, '--ssl-trustfile', files['cert.pem']!, url], { stdin: Buffer.from('tunnelled\n') })
    expect(tunnelled.stdout.toString()).toBe('tunnelled\n')
    expect(tunnelled.code).toBe(0)
    expect(socks.requests).toEqual([`localhost:${port}`])
    const refused = await runNc([url], { stdin: Buffer.from('no\n') })
    expect(refused.code).toBe(1)
    expect(lines(refused.stderr)).toHaveLength(1)
    expect(refused.stdout.length).toBe(0)
  })

  it('-l --ws --ssl serves wss:// (our client against our listener)', async () => {
    const { key, cert } = createSelfSignedCertificate({ altNames: ['localhost'] })
    const files = tempFiles({ 'cert.pem': cert, 'key.pem': key })
    const listener = await spawnListener(['-lv', '--ws', '--ssl', '--ssl-cert', files['cert.pem']!, '--ssl-key', files['key.pem']!, '-d', '127.0.0.1', '0'])
    const client = await runNc(['--ssl-trustfile', files['cert.pem']!, `wss://localhost:${listener.port}/`], { stdin: Buffer.from('over tls\n') })
    expect(client.code).toBe(0)
    expect(await listener.exit).toBe(0)
    expect((await listener.stdout).toString()).toBe('over tls\n')
  })

  it('-x: through a SOCKS5 proxy and an HTTP CONNECT proxy, the tunnel carries the handshake', async () => {
    const { port } = await wsEcho()
    const socks = await socks5Proxy()
    const viaSocks = await runNc(['-x', `127.0.0.1:${socks.port}`, `ws://127.0.0.1:${port}/`], { stdin: Buffer.from('via socks\n') })
    expect(viaSocks.stdout.toString()).toBe('via socks\n')
    expect(viaSocks.code).toBe(0)
    expect(socks.requests).toEqual([`127.0.0.1:${port}`])
    const http = await httpConnectProxy()
    const viaHttp = await runNc(['-X', 'connect', '-x', `127.0.0.1:${http.port}`, `ws://127.0.0.1:${port}/`], { stdin: Buffer.from('via connect\n') })
    expect(viaHttp.stdout.toString()).toBe('via connect\n')
    expect(viaHttp.code).toBe(0)
    expect(http.requests).toEqual([`127.0.0.1:${port}`])
  })
})

describe('nc -l --ws', () => {
  const missing = pythonWebsocketsMissing()
  it(`serves a Python websockets client: our line out, its message in, its close 1000 exits 0${missing ? ` (RUNS WITHOUT PYTHON: ${missing})` : ''}`, async () => {
    if (missing) {
      console.warn(`websocket-cli: Python websockets peer not available: ${missing}`)
      return
    }
    const listener = await spawnListener(['-lv', '--ws', '127.0.0.1', '0'], { stdin: 'pipe' })
    listener.child.stdin!.write('from nc\n')
    const client = await pythonWsClient(`ws://127.0.0.1:${listener.port}/chat`, 'from python')
    expect(await client.exit).toBe(0)
    expect(client.output()).toContain('from nc\n')
    expect(await listener.exit).toBe(0)
    expect((await listener.stdout).toString()).toBe('from python\n')
    expect(await listener.stderr).toContain('GET /chat HTTP/1.1: 101 Switching Protocols')
  })

  it('-k serves clients one after another; a client closing with 1002 is reported and the next one is served', async () => {
    const listener = await spawnListener(['-lvk', '--ws', '-d', '127.0.0.1', '0'])
    const first = await rawWebSocket(listener.port, { path: '/a' })
    expect(first.status).toBe(101)
    first.send({ opcode: WS_OPCODE.text, payload: 'first' })
    first.send({ opcode: WS_OPCODE.close, payload: closePayload(1000) })
    expect((await first.closeCode()).code).toBe(1000)
    await listener.waitStdout(/first\n/)
    const second = await rawWebSocket(listener.port, { path: '/b' })
    second.send({ opcode: WS_OPCODE.binary, payload: Buffer.from('second') })
    second.send({ opcode: WS_OPCODE.close, payload: closePayload(1002, 'nope') })
    await listener.waitStderr(/closed with 1002 \(protocol error\): nope/)
    const third = await rawWebSocket(listener.port)
    third.send({ opcode: WS_OPCODE.text, payload: 'third' })
    await listener.waitStdout(/third\n/)
    expect(listener.stdoutSoFar()).toBe('first\nsecond\nthird\n')
    listener.child.kill('SIGTERM')
    await listener.exit
  })

  it('--broker: each client message (a line) goes to every other client as a message', async () => {
    const listener = await spawnListener(['-lv', '--ws', '--broker', '127.0.0.1', '0'])
    const a = await rawWebSocket(listener.port)
    const b = await rawWebSocket(listener.port)
    await listener.waitStderr(/user2/)
    a.send({ opcode: WS_OPCODE.text, payload: 'from a' })
    expect((await b.waitFrame((f) => f.opcode === WS_OPCODE.text)).payload.toString()).toBe('from a')
    b.send({ opcode: WS_OPCODE.text, payload: 'from b' })
    expect((await a.waitFrame((f) => f.opcode === WS_OPCODE.text)).payload.toString()).toBe('from b')
    listener.child.kill('SIGTERM')
    expect(await listener.exit).toBe(0) // a listener stops gracefully on SIGTERM
  })

  it('--chat: lines arrive prefixed with the sender, one message each', async () => {
    const listener = await spawnListener(['-lv', '--ws', '--chat', '127.0.0.1', '0'])
    const a = await rawWebSocket(listener.port)
    const b = await rawWebSocket(listener.port)
    await listener.waitStderr(/user2/)
    a.send({ opcode: WS_OPCODE.text, payload: 'hello' })
    const got = await b.waitFrame((f) => f.opcode === WS_OPCODE.text && f.payload.toString().includes('hello'))
    expect(got.payload.toString()).toBe('<user1> hello')
    listener.child.kill('SIGTERM')
    await listener.exit
  })

  it('--keep-open: stdin lines go to every client, every client message to stdout', async () => {
    const listener = await spawnListener(['-lv', '--ws', '--keep-open', '127.0.0.1', '0'], { stdin: 'pipe' })
    const a = await rawWebSocket(listener.port)
    const b = await rawWebSocket(listener.port)
    await listener.waitStderr(/user2/)
    listener.child.stdin!.write('to all\n')
    expect((await a.waitFrame((f) => f.opcode === WS_OPCODE.text)).payload.toString()).toBe('to all')
    expect((await b.waitFrame((f) => f.opcode === WS_OPCODE.text)).payload.toString()).toBe('to all')
    a.send({ opcode: WS_OPCODE.text, payload: 'one' })
    await listener.waitStdout(/one\n/)
    b.send({ opcode: WS_OPCODE.text, payload: 'two' })
    await listener.waitStdout(/two\n/)
    listener.child.kill('SIGTERM')
    await listener.exit
  })

  it('answers a plain HTTP request with 426', async () => {
    const listener = await spawnListener(['-lv', '--ws', '-d', '127.0.0.1', '0'])
    const plain = await rawWebSocket(listener.port, { plain: true })
    expect(plain.status).toBe(426)
    expect(await plain.body()).toContain('WebSocket endpoint')
    expect(await listener.exit).toBe(1)
  })

  it('--binary writes messages raw and sends stdin reads as binary messages', async () => {
    const payload = randomBytes(4096)
    const listener = await spawnListener(['-lv', '--ws', '--binary', '127.0.0.1', '0'], { stdin: 'pipe' })
    const client = await rawWebSocket(listener.port)
    listener.child.stdin!.end(payload)
    const got: Buffer[] = []
    let total = 0
    while (total < payload.length) {
      const frame = await client.waitFrame((f) => f.opcode === WS_OPCODE.binary && !got.includes(f.payload))
      got.push(frame.payload)
      total += frame.payload.length
    }
    expect(Buffer.concat(got)).toEqual(payload)
    expect((await client.closeCode()).code).toBe(1000)
    client.send({ opcode: WS_OPCODE.close, payload: closePayload(1000) })
    expect(await listener.exit).toBe(0)
  })
})
