/**
 * `nc -l --proxy-type http`: the HTTP proxy server, driven by real clients (curl, our own
 * `nc -x -X connect`) and by raw sockets for each status code, against origins on loopback.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { echoServer } from './helpers/proxies.js'
import { sleep } from '@netkit/test-kit'
import { connectTo, readAll, spawnListener, spawnNc } from './support/nc.js'

const CURL = '/usr/bin/curl'
const haveCurl = existsSync(CURL)
if (!haveCurl) console.warn('curl not found at /usr/bin/curl: the curl tests of the HTTP proxy server are skipped (CI installs it)')

interface Seen {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  rawHeaders: string[]
  body: string
}

/** An HTTP origin on 127.0.0.1 that answers each request with what it saw, as JSON. */
async function origin(): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() }
      seen.push(entry)
      res.setHeader('content-type', 'application/json')
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(entry))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.closeAllConnections()
    server.close()
  })
  return { port: (server.address() as net.AddressInfo).port, seen }
}

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(CURL, ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

async function proxyServer(extra: string[] = []) {
  return spawnListener(['-l', '--proxy-type', 'http', '-v', ...extra, '0'])
}

/** Send `request` on a raw socket and read the whole answer (the proxy closes after an error). */
async function raw(port: number, request: string | Buffer): Promise<string> {
  const socket = await connectTo(port)
  socket.on('error', () => {})
  socket.write(request)
  return (await readAll(socket, 10_000)).toString('latin1')
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1])

describe('nc -l --proxy-type http', () => {
  it('listens on 127.0.0.1 by default, and says an open proxy is a security hole in --help', async () => {
    const proxy = await proxyServer()
    expect(proxy.stderrSoFar()).toMatch(/Listening on 127\.0\.0\.1 \d+/)
    const help = spawnNc(['--help'])
    expect(await help.exit).toBe(0)
    expect((await help.stdout).toString().replace(/\s+/g, ' ')).toMatch(/open proxy relays anyone's traffic/)
  })

  it.runIf(haveCurl)('curl -x forwards GET, HEAD and POST (Content-Length and chunked) in origin-form, hop-by-hop headers dropped, repeats merged', async () => {
    const o = await origin()
    const proxy = await proxyServer()
    const base = `http://127.0.0.1:${o.port}`
    const get = await curl(['-x', `http://127.0.0.1:${proxy.port}`, '-H', 'Connection: close, X-Hop', '-H', 'X-Hop: secret', '-H', 'Keep-Alive: 5', '-H', 'Accept: a/b', '-H', 'Accept: c/d', '-H', 'Cookie: a=1', '-H', 'Cookie: b=2', `${base}/path?q=1`])
    expect(get.code).toBe(0)
    const seen = JSON.parse(get.stdout) as Seen
    expect(seen.method).toBe('GET')
    expect(seen.url).toBe('/path?q=1')
    expect(seen.headers['x-hop']).toBeUndefined()
    expect(seen.headers['keep-alive']).toBeUndefined()
    expect(seen.headers['proxy-connection']).toBeUndefined()
    expect(seen.headers.connection).toBe('close')
    expect(seen.headers.host).toBe(`127.0.0.1:${o.port}`)
    expect(seen.headers.via).toMatch(/^1\.1 netkit-nc-/)
    // Merged onto one line each: the raw header list has them once.
    expect(seen.rawHeaders.filter((h) => h.toLowerCase() === 'accept')).toHaveLength(1)
    expect(seen.headers.accept).toBe('a/b, c/d')
    expect(seen.headers.cookie).toBe('a=1; b=2')
    const head = await curl(['-I', '-x', `http://127.0.0.1:${proxy.port}`, `${base}/h`])
    expect(head.code).toBe(0)
    expect(head.stdout).toMatch(/^HTTP\/1\.1 200/)
    const post = await curl(['-x', `http://127.0.0.1:${proxy.port}`, '--data-binary', 'hello=world', `${base}/p`])
    expect(JSON.parse(post.stdout)).toMatchObject({ method: 'POST', url: '/p', body: 'hello=world' })
    const chunked = await curl(['-x', `http://127.0.0.1:${proxy.port}`, '-H', 'Transfer-Encoding: chunked', '--data-binary', 'x'.repeat(70_000), `${base}/c`])
    const c = JSON.parse(chunked.stdout) as Seen
    expect(c.body).toBe('x'.repeat(70_000))
    expect(c.headers['transfer-encoding']).toBe('chunked')
    expect(o.seen.map((s) => s.method)).toEqual(['GET', 'HEAD', 'POST', 'POST'])
    const log = proxy.stderrSoFar()
    expect(log).toMatch(/proxy: 127\.0\.0\.1:\d+ GET http:\/\/127\.0\.0\.1:\d+\/path\?q=1: forwarded/)
    // One -v line per connection: four requests, four lines after the listening line.
    expect(log.trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^proxy: .* GET .*: forwarded$/), expect.stringMatching(/ HEAD /), expect.stringMatching(/ POST /), expect.stringMatching(/ POST /)])
  })

  it.runIf(haveCurl)('curl -p tunnels with CONNECT', async () => {
    const o = await origin()
    const proxy = await proxyServer()
    const r = await curl(['-p', '-x', `http://127.0.0.1:${proxy.port}`, `http://127.0.0.1:${o.port}/tunnelled`])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ method: 'GET', url: '/tunnelled' })
    // Through a tunnel the origin sees the client's own request: no Via from us.
    expect(o.seen[0]!.headers.via).toBeUndefined()
    expect(proxy.stderrSoFar()).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${o.port}: 200`))
  })

  it.runIf(haveCurl)('--proxy-auth: curl --proxy-basic and --proxy-digest get through (forwarded and CONNECT), wrong or no credentials get 407 with both challenges', async () => {
    const o = await origin()
    const proxy = await proxyServer(['--proxy-auth', 'alice:s3cr:et'])
    const url = `http://127.0.0.1:${o.port}/secret`
    const via = ['-x', `http://127.0.0.1:${proxy.port}`]
    for (const scheme of ['--proxy-basic', '--proxy-digest']) {
      for (const tunnel of [[], ['-p']]) {
        const r = await curl([...via, ...tunnel, scheme, '--proxy-user', 'alice:s3cr:et', '-o', '/dev/null', '-w', '%{http_code}', url])
        expect(`${scheme} ${tunnel.join('')} ${r.stdout}`).toBe(`${scheme} ${tunnel.join('')} 200`)
      }
    }
    const wrong = await curl([...via, '--proxy-digest', '--proxy-user', 'alice:nope', '-o', '/dev/null', '-w', '%{http_code}', url])
    expect(wrong.stdout).toBe('407')
    const none = await raw(proxy.port, `GET ${url} HTTP/1.1\r\nHost: 127.0.0.1:${o.port}\r\n\r\n`)
    expect(statusOf(none)).toBe(407)
    expect(none).toMatch(/\r\nProxy-Authenticate: Digest realm="netkit-nc", nonce="[^"]+", qop="auth", algorithm=MD5\r\n/)
    expect(none).toMatch(/\r\nProxy-Authenticate: Basic realm="netkit-nc"\r\n/)
    // Four good requests reached the origin, the refused ones did not.
    expect(o.seen).toHaveLength(4)
  })

  it('our own nc -x -X connect goes through it, with and without --proxy-auth (Digest answered)', async () => {
    const echo = await echoServer()
    const open = await proxyServer()
    const plain = spawnNc(['-N', '-x', `127.0.0.1:${open.port}`, '-X', 'connect', '127.0.0.1', String(echo.port)], { stdin: Buffer.from('through the tunnel\n') })
    expect(await plain.exit).toBe(0)
    expect((await plain.stdout).toString()).toBe('through the tunnel\n')
    const guarded = await proxyServer(['--proxy-auth', 'bob:pw'])
    const authed = spawnNc(['-N', '--proxy', `127.0.0.1:${guarded.port}`, '--proxy-auth', 'bob:pw', '127.0.0.1', String(echo.port)], { stdin: Buffer.from('authed\n') })
    expect(await authed.exit).toBe(0)
    expect((await authed.stdout).toString()).toBe('authed\n')
    const refused = spawnNc(['-x', `127.0.0.1:${guarded.port}`, '-X', 'connect', '127.0.0.1', String(echo.port)], { stdin: 'ignore' })
    expect(await refused.exit).toBe(1)
    expect(await refused.stderr).toBe('nc: HTTP proxy: proxy requires authentication (407; use --proxy-auth user:pass)\n')
  })

  it('CONNECT to [::1]:port relays both ways and passes on bytes sent right after the request', async () => {
    const echo = await echoServer('::1')
    const proxy = await proxyServer()
    const socket = await connectTo(proxy.port)
    socket.write(`CONNECT [::1]:${echo.port} HTTP/1.1\r\nHost: [::1]:${echo.port}\r\n\r\nearly bytes`)
    socket.end()
    const all = (await readAll(socket, 10_000)).toString()
    expect(all).toBe('HTTP/1.1 200 Connection established\r\n\r\nearly bytes')
  })

  it('answers 400, 405, 414, 431 and 508, each in a whole response, and 502 when the target refuses', async () => {
    const proxy = await proxyServer()
    const dead = net.createServer().listen(0, '127.0.0.1')
    await once(dead, 'listening')
    const deadPort = (dead.address() as net.AddressInfo).port
    dead.close()
    const cases: Array<[string, number]> = [
      ['this is not http\r\n\r\n', 400],
      ['GET /relative HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['CONNECT nohost HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['DELETE http://127.0.0.1:1/ HTTP/1.1\r\nHost: x\r\n\r\n', 405],
      [`GET http://127.0.0.1/${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
      [`GET http://127.0.0.1/ HTTP/1.1\r\nHost: x\r\n${'X-Big: y\r\n'.repeat(4000)}\r\n`, 431],
      [`GET http://127.0.0.1:${proxy.port}/ HTTP/1.1\r\nHost: x\r\n\r\n`, 508],
      [`CONNECT localhost:${proxy.port} HTTP/1.1\r\nHost: x\r\n\r\n`, 508],
      [`CONNECT 127.0.0.1:${deadPort} HTTP/1.1\r\nHost: x\r\n\r\n`, 502],
    ]
    for (const [request, status] of cases) {
      const response = await raw(proxy.port, request)
      expect(`${status} ${statusOf(response)}`).toBe(`${status} ${status}`)
      expect(response).toMatch(/Content-Length: \d+\r\nConnection: close\r\n\r\n\d{3} [^\n]+\n$/)
    }
    expect(proxy.stderrSoFar()).toMatch(/: 405 Method Not Allowed/)
  })

  it('a request that came through us already is a loop (508), whatever name it used', async () => {
    const o = await origin()
    const proxy = await proxyServer()
    const first = await curl(['-x', `http://127.0.0.1:${proxy.port}`, `http://127.0.0.1:${o.port}/`])
    const via = (JSON.parse(first.stdout) as Seen).headers.via as string
    const looped = await raw(proxy.port, `GET http://127.0.0.1:${o.port}/ HTTP/1.1\r\nHost: x\r\nVia: ${via}\r\n\r\n`)
    expect(statusOf(looped)).toBe(508)
  })

  it('a slow-loris client is closed at the head timeout (408) while another client is served meanwhile', async () => {
    const echo = await echoServer()
    const proxy = await proxyServer(['--proxy-head-timeout', '2s'])
    const slow = await connectTo(proxy.port)
    slow.on('error', () => {})
    const answer = readAll(slow, 15_000)
    const started = Date.now()
    const request = `GET http://127.0.0.1:${echo.port}/ HTTP/1.1\r\nHost: x\r\nX-Slow: ${'z'.repeat(100)}\r\n\r\n`
    let sent = 0
    const dribble = setInterval(() => {
      if (slow.destroyed || sent >= request.length) return clearInterval(dribble)
      slow.write(request[sent++]!)
    }, 1000)
    onTestFinished(() => clearInterval(dribble))
    await sleep(300)
    // Meanwhile another client gets its tunnel.
    const other = spawnNc(['-N', '-x', `127.0.0.1:${proxy.port}`, '-X', 'connect', '127.0.0.1', String(echo.port)], { stdin: Buffer.from('served\n') })
    expect(await other.exit).toBe(0)
    expect((await other.stdout).toString()).toBe('served\n')
    const response = (await answer).toString('latin1')
    expect(statusOf(response)).toBe(408)
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThan(1500)
    expect(elapsed).toBeLessThan(8000)
    expect(sent).toBeLessThan(10)
  })

  it('honours --deny and --max-conns', async () => {
    const echo = await echoServer()
    const denied = await proxyServer(['--deny', '127.0.0.1'])
    const socket = await connectTo(denied.port)
    socket.on('error', () => {})
    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`)
    // Closed unanswered (a reset counts: the refusal may come before our request is read).
    expect((await readAll(socket, 10_000).catch(() => Buffer.alloc(0))).length).toBe(0)
    expect(denied.stderrSoFar()).toMatch(/denied by --allow\/--deny/)
    const one = await proxyServer(['--max-conns', '1'])
    const first = await connectTo(one.port)
    first.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`)
    const second = await connectTo(one.port)
    second.on('error', () => {})
    second.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\nsecond`)
    second.end()
    const secondAll = readAll(second, 15_000)
    await sleep(700)
    // The second waits for a slot: only the first tunnel is open while the first is connected.
    expect(one.stderrSoFar().match(/CONNECT \S+: 200/g)).toHaveLength(1)
    first.end()
    await readAll(first, 10_000)
    expect((await secondAll).toString()).toBe('HTTP/1.1 200 Connection established\r\n\r\nsecond')
  })
})
