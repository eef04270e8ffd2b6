/**
 * The HTTP CONNECT client against a scripted proxy that answers 407 with a Digest challenge (qop
 * auth and no qop, MD5 and SHA-256; closing after the 407 or keeping the connection), checked
 * with an independent computation of RFC 7616's response.
 */
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { echoServer } from './helpers/proxies.js'
import { spawnNc } from './support/nc.js'

interface Script {
  challenge: string
  hash: 'md5' | 'sha256'
  /** Keep the connection after the 407 (HTTP/1.1 with a Content-Length body), else close it. */
  keepAlive: boolean
}

const h = (hash: string, text: string) => createHash(hash).update(text).digest('hex')

function params(header: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) out[m[1]!] = m[2] ?? m[3]!
  return out
}

/** A proxy that wants Digest for user `u`, password `p w`: 407 first, then checks the answer and tunnels. */
async function digestProxy(script: Script) {
  const seen: { authorization: string[]; connections: number } = { authorization: [], connections: 0 }
  // Half-open both ways, so the client's EOF is passed on and the echo still comes back.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    seen.connections++
    socket.on('error', () => {})
    let buffer = ''
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1')
      const end = buffer.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = buffer.slice(0, end)
      buffer = buffer.slice(end + 4)
      const target = /^CONNECT (\S+) /.exec(head)![1]!
      const auth = /\r\nProxy-Authorization: ([^\r]+)/i.exec(head)?.[1]
      if (auth !== undefined) seen.authorization.push(auth)
      if (auth === undefined || !/^Digest /i.test(auth)) {
        const body = 'auth please'
        const closing = script.keepAlive ? '' : 'Connection: close\r\n'
        socket.write(`HTTP/1.${script.keepAlive ? 1 : 0} 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="r"\r\nProxy-Authenticate: ${script.challenge}\r\n${closing}Content-Length: ${body.length}\r\n\r\n${body}`)
        if (!script.keepAlive) socket.end()
        return
      }
      const p = params(auth)
      const ha1 = h(script.hash, `u:${p['realm']}:p w`)
      const ha2 = h(script.hash, `CONNECT:${p['uri']}`)
      const expected = p['qop'] ? h(script.hash, `${ha1}:${p['nonce']}:${p['nc']}:${p['cnonce']}:${p['qop']}:${ha2}`) : h(script.hash, `${ha1}:${p['nonce']}:${ha2}`)
      if (p['response'] !== expected || p['uri'] !== target || p['username'] !== 'u') {
        socket.end('HTTP/1.0 407 Proxy Authentication Required\r\n\r\n')
        return
      }
      socket.off('data', onData)
      const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))]
      const upstream = net.connect({ port, host, allowHalfOpen: true }, () => {
        socket.write('HTTP/1.0 200 Connection established\r\n\r\n')
        if (buffer) upstream.write(buffer)
        socket.pipe(upstream)
        upstream.pipe(socket)
      })
      upstream.on('error', () => socket.destroy())
    }
    socket.on('data', onData)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.close()
  })
  return { port: (server.address() as net.AddressInfo).port, seen }
}

describe('nc -X connect --proxy-auth against a Digest proxy', () => {
  const cases: Array<[string, Script]> = [
    ['MD5, qop auth, proxy closes after the 407 (new connection)', { challenge: 'Digest realm="lab", nonce="n0nce", qop="auth", algorithm=MD5', hash: 'md5', keepAlive: false }],
    ['MD5, no qop (RFC 2069), proxy keeps the connection', { challenge: 'Digest realm="lab", nonce="abc123"', hash: 'md5', keepAlive: true }],
    ['SHA-256, qop auth, proxy keeps the connection', { challenge: 'Digest realm="lab", nonce="zz9", qop="auth", algorithm=SHA-256', hash: 'sha256', keepAlive: true }],
    ['SHA-256, no qop, proxy closes', { challenge: 'Digest realm="lab", nonce="q", algorithm=SHA-256', hash: 'sha256', keepAlive: false }],
  ]
  for (const [name, script] of cases) {
    it(name, async () => {
      const echo = await echoServer()
      const proxy = await digestProxy(script)
      const nc = spawnNc(['-N', '-x', `127.0.0.1:${proxy.port}`, '-X', 'connect', '--proxy-auth', 'u:p w', '127.0.0.1', String(echo.port)], { stdin: Buffer.from('digest ok\n') })
      expect(await nc.stderr).toBe('')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('digest ok\n')
      // Basic up front, then one Digest answer.
      expect(proxy.seen.authorization).toHaveLength(2)
      expect(proxy.seen.authorization[0]).toBe(`Basic ${Buffer.from('u:p w').toString('base64')}`)
      expect(proxy.seen.authorization[1]).toMatch(/^Digest username="u", realm="lab"/)
      expect(proxy.seen.connections).toBe(script.keepAlive ? 1 : 2)
    })
  }

  it('wrong password: one Digest answer, then a clear failure (exit 1)', async () => {
    const proxy = await digestProxy({ challenge: 'Digest realm="lab", nonce="n", qop="auth"', hash: 'md5', keepAlive: true })
    const nc = spawnNc(['-x', `127.0.0.1:${proxy.port}`, '-X', 'connect', '--proxy-auth', 'u:wrong', '127.0.0.1', '9'], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe('nc: HTTP proxy: authentication failed (407 Proxy Authentication Required)\n')
    expect(proxy.seen.authorization).toHaveLength(2)
  })

  it('never sends credentials to a proxy it was not given them for', async () => {
    const proxy = await digestProxy({ challenge: 'Digest realm="lab", nonce="n", qop="auth"', hash: 'md5', keepAlive: true })
    const nc = spawnNc(['-x', `127.0.0.1:${proxy.port}`, '-X', 'connect', '127.0.0.1', '9'], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe('nc: HTTP proxy: proxy requires authentication (407; use --proxy-auth user:pass)\n')
    expect(proxy.seen.authorization).toEqual([])
  })

  it('credentials with a line break are refused by the wire gate (exit 2), nothing sent', async () => {
    const proxy = await digestProxy({ challenge: 'Digest realm="lab", nonce="n"', hash: 'md5', keepAlive: true })
    const nc = spawnNc(['-x', `127.0.0.1:${proxy.port}`, '-X', 'connect', '--proxy-auth', 'u:p\r\nX-Evil: 1', '127.0.0.1', '9'], { stdin: 'ignore' })
    expect(await nc.exit).toBe(2)
    expect(await nc.stderr).toMatch(/^nc: proxy credentials: password .*\n$/)
    expect(proxy.seen.connections).toBe(0)
  })
})
