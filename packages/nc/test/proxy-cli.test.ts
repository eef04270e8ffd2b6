/** -x / -X / -P / --proxy-auth / --proxy-dns from the built CLI, through proxies written in the test. */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tls from 'node:tls'
import { createSelfSignedCertificate } from '@netkit/shared'
import { describe, expect, it, onTestFinished } from 'vitest'
import { echoServer, httpConnectProxy, socks4Proxy, socks5Proxy } from './helpers/proxies.js'
import { sha256, spawnNc, tcpServer } from './support/nc.js'

const payload = randomBytes(256 * 1024 + 5)

describe('nc -x', () => {
  it('SIGINT while the proxy never answers the handshake ends nc at once (exit 130)', async () => {
    let accepted!: () => void
    const connected = new Promise<void>((r) => (accepted = r))
    const { port } = await tcpServer(() => accepted())
    const nc = spawnNc(['-x', `127.0.0.1:${port}`, '127.0.0.1', '80'], { stdin: 'ignore' })
    await connected
    nc.child.kill('SIGINT')
    expect(await nc.exit).toBe(130)
    expect(await nc.stderr).toBe('')
  })

  it('SOCKS5 without auth (the default -X), name resolved by the proxy', async () => {
    const echo = await echoServer()
    const proxy = await socks5Proxy()
    const nc = spawnNc(['-N', '-x', `127.0.0.1:${proxy.port}`, 'localhost', String(echo.port)], { stdin: payload, hashStdout: true })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe(sha256(payload))
    expect(proxy.requests).toEqual([`localhost:${echo.port}`])
  })

  it('SOCKS5 with --proxy-auth, and a clear failure with wrong credentials', async () => {
    const echo = await echoServer()
    const proxy = await socks5Proxy({ username: 'alice', password: 'wonder land' })
    const ok = spawnNc(['-N', '-X', '5', '-x', `127.0.0.1:${proxy.port}`, '--proxy-auth', 'alice:wonder land', '127.0.0.1', String(echo.port)], { stdin: Buffer.from('ping\n') })
    expect(await ok.exit).toBe(0)
    expect((await ok.stdout).toString()).toBe('ping\n')
    expect(proxy.credentials).toEqual(['alice:wonder land'])
    const bad = spawnNc(['-X', '5', '-x', `127.0.0.1:${proxy.port}`, '--proxy-auth', 'alice:nope', '127.0.0.1', String(echo.port)], { stdin: 'ignore' })
    expect(await bad.exit).toBe(1)
    expect(await bad.stderr).toBe('nc: SOCKS5 proxy: authentication failed\n')
    const none = spawnNc(['-x', `127.0.0.1:${proxy.port}`, '127.0.0.1', String(echo.port)], { stdin: 'ignore' })
    expect(await none.exit).toBe(1)
    expect(await none.stderr).toBe('nc: SOCKS5 proxy: proxy requires authentication (use --proxy-auth user:pass)\n')
  })

  it('HTTP CONNECT without auth, with -v naming the proxy', async () => {
    const echo = await echoServer()
    const proxy = await httpConnectProxy()
    const nc = spawnNc(['-v', '-N', '-X', 'connect', '-x', `127.0.0.1:${proxy.port}`, '127.0.0.1', String(echo.port)], { stdin: payload, hashStdout: true })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe(sha256(payload))
    expect(proxy.requests).toEqual([`127.0.0.1:${echo.port}`])
    expect(await nc.stderr).toMatch(new RegExp(`^Connection to 127\\.0\\.0\\.1 ${echo.port} port \\[tcp/[^\\]]+\\] succeeded! \\(via 127\\.0\\.0\\.1:${proxy.port} \\(connect\\)\\)\\n$`))
  })

  it('HTTP CONNECT with -P (password from NETKIT_PROXY_PASSWORD) and with --proxy-auth; 407 without', async () => {
    const echo = await echoServer()
    const proxy = await httpConnectProxy({ username: 'bob', password: 's3cret' })
    const withP = spawnNc(['-N', '-X', 'connect', '-x', `127.0.0.1:${proxy.port}`, '-P', 'bob', '127.0.0.1', String(echo.port)], {
      stdin: Buffer.from('one\n'),
      env: { NETKIT_PROXY_PASSWORD: 's3cret' },
    })
    expect(await withP.exit).toBe(0)
    expect((await withP.stdout).toString()).toBe('one\n')
    const withAuth = spawnNc(['-N', '-X', 'connect', '-x', `127.0.0.1:${proxy.port}`, '--proxy-auth', 'bob:s3cret', '127.0.0.1', String(echo.port)], { stdin: Buffer.from('two\n') })
    expect(await withAuth.exit).toBe(0)
    expect((await withAuth.stdout).toString()).toBe('two\n')
    expect(proxy.credentials).toEqual(['bob:s3cret', 'bob:s3cret'])
    const without = spawnNc(['-X', 'connect', '-x', `127.0.0.1:${proxy.port}`, '127.0.0.1', String(echo.port)], { stdin: 'ignore' })
    expect(await without.exit).toBe(1)
    expect(await without.stderr).toBe('nc: HTTP proxy: proxy requires authentication (407; use --proxy-auth user:pass)\n')
  })

  it('SOCKS4a with --proxy-dns local sends the address, remote sends the name', async () => {
    const echo = await echoServer()
    const proxy = await socks4Proxy()
    const local = spawnNc(['-N', '-X', '4', '-x', `127.0.0.1:${proxy.port}`, '--proxy-dns', 'local', 'localhost', String(echo.port)], { stdin: Buffer.from('a\n') })
    expect(await local.exit).toBe(0)
    const remote = spawnNc(['-N', '-X', '4', '-x', `127.0.0.1:${proxy.port}`, 'localhost', String(echo.port)], { stdin: Buffer.from('b\n') })
    expect(await remote.exit).toBe(0)
    expect((await remote.stdout).toString()).toBe('b\n')
    expect(proxy.requests).toEqual([`127.0.0.1:${echo.port}`, `localhost:${echo.port}`])
  })

  it('TLS to the target through a SOCKS5 tunnel, verified against the target name', async () => {
    const { key, cert } = createSelfSignedCertificate({ altNames: ['localhost'] })
    const server = tls.createServer({ key, cert }, (s) => s.end(`tls via proxy, sni=${s.servername}\n`))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const dir = mkdtempSync(join(tmpdir(), 'nc-proxy-tls-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'ca.pem'), cert)
    const proxy = await socks5Proxy()
    const port = (server.address() as { port: number }).port
    const nc = spawnNc(['--ssl', '--ssl-trustfile', join(dir, 'ca.pem'), '-x', `127.0.0.1:${proxy.port}`, 'localhost', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('tls via proxy, sni=localhost\n')
    expect(proxy.requests).toEqual([`localhost:${port}`])
  })

  it('a proxy that is not there: OpenBSD wording for the connect, exit 1', async () => {
    const echo = await echoServer()
    const closed = await socks5Proxy()
    await closed.close()
    const nc = spawnNc(['-x', `127.0.0.1:${closed.port}`, '127.0.0.1', String(echo.port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe(`nc: connect to 127.0.0.1 port ${closed.port} (tcp) failed: Connection refused\n`)
  })

  it.each([
    [['-X', 'connect', '127.0.0.1', '1'], '-X, -P and --proxy-auth need a proxy address (-x addr[:port])'],
    [['-x', '127.0.0.1', '-X', '7', '127.0.0.1', '1'], 'unknown proxy protocol: 7 (use 5, 4 or connect)'],
    [['-l', '-x', '127.0.0.1', '0'], 'cannot use -x with -l'],
    // The option is named as it was typed.
    [['-l', '-X', '5', '0'], 'cannot use -X with -l'],
    [['-l', '--proxy', '127.0.0.1:3128', '0'], 'cannot use --proxy with -l'],
    [['-u', '-x', '127.0.0.1', '127.0.0.1', '1'], '-x works with TCP connections only, not -u or -U'],
    [['-x', '127.0.0.1', '--proxy-dns', 'both', '127.0.0.1', '1'], 'invalid --proxy-dns: both (use local or remote)'],
  ])('usage error: nc %j', async (args, message) => {
    const nc = spawnNc(args, { stdin: 'ignore' })
    expect(await nc.exit).toBe(2)
    expect(await nc.stderr).toBe(`nc: ${message} (see 'nc --help')\n`)
  })
})
