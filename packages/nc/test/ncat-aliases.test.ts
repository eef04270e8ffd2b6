/**
 * ncat's long spellings: each one runs the same session as its OpenBSD (or our) spelling, with
 * the same bytes out and the same exit code; where the two tools disagree the OpenBSD letter
 * keeps its meaning and the error says where ncat's meaning went.
 */
import dgram from 'node:dgram'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import tls from 'node:tls'
import { createSelfSignedCertificate } from '@netkit/shared'
import { freePort, runCli, tempDir } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { echoServer, httpConnectProxy, socks4Proxy, socks5Proxy } from './helpers/proxies.js'
import { NC_CLI, spawnListener, spawnNc } from './support/nc.js'

type Run = { code: number; stdout: string; stderr: string }

async function nc(args: string[], stdin: Buffer | 'ignore' = 'ignore'): Promise<Run> {
  const r = await runCli(NC_CLI, args, { stdin })
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr }
}

/** Run both spellings of the same session; they must agree on stdout and exit code. */
async function same(ours: string[], ncat: string[], stdin: Buffer | 'ignore' = 'ignore'): Promise<Run> {
  const a = await nc(ours, stdin)
  const b = await nc(ncat, stdin)
  expect({ code: b.code, stdout: b.stdout }).toEqual({ code: a.code, stdout: a.stdout })
  return a
}


const line = Buffer.from('one\ntwo\n')

describe('ncat long options as aliases', () => {
  it('--udp = -u, --nodns = -n, --wait = -w (UDP scan of a bound port)', async () => {
    const sock = dgram.createSocket('udp4')
    sock.bind(0, '127.0.0.1')
    await once(sock, 'listening')
    onTestFinished(() => {
      sock.close()
    })
    const port = String(sock.address().port)
    const r = await same(['-zv', '-u', '-n', '-w', '1', '127.0.0.1', port], ['-zv', '--udp', '--nodns', '--wait', '1', '127.0.0.1', port])
    expect(r.code).toBe(0)
  })

  it('--crlf = -C, --delay = -i, --source = -s, --source-port = -p (echoed through a TCP server)', async () => {
    const echo = await echoServer()
    const p = String(echo.port)
    const r = await same(['-N', '-C', '-i', '50ms', '-s', '127.0.0.1', '127.0.0.1', p], ['-N', '--crlf', '--delay', '50ms', '--source', '127.0.0.1', '127.0.0.1', p], line)
    expect(r.stdout).toBe('one\r\ntwo\r\n')
    const seen: number[] = []
    echo.server.on('connection', (s) => seen.push(s.remotePort!))
    const a = String(await freePort())
    const b = String(await freePort())
    await same(['-N', '-p', a, '127.0.0.1', p], ['-N', '--source-port', b, '127.0.0.1', p], line)
    expect(seen).toEqual([Number(a), Number(b)])
  })

  it('--unixsock = -U', async () => {
    const dir = tempDir('nc-ncat-')
    const file = path.join(dir, 'echo.sock')
    const server = net.createServer((s) => s.pipe(s)).listen(file)
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const r = await same(['-N', '-U', file], ['-N', '--unixsock', file], line)
    expect(r.stdout).toBe('one\ntwo\n')
  })

  it('--listen = -l (a client sends to each listener)', async () => {
    for (const spelling of ['-l', '--listen']) {
      const listener = await spawnListener([spelling, '-v', '127.0.0.1', '0'], { stdin: 'ignore' })
      const client = spawnNc(['-N', '127.0.0.1', String(listener.port)], { stdin: Buffer.from(`via ${spelling}\n`) })
      expect(await client.exit).toBe(0)
      expect(await listener.exit).toBe(0)
      expect((await listener.stdout).toString()).toBe(`via ${spelling}\n`)
    }
  })

  it('--output = -o, and --append-output appends instead of truncating', async () => {
    const echo = await echoServer()
    const dir = tempDir('nc-ncat-')
    const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')]
    await same(['-N', '-o', a, '127.0.0.1', String(echo.port)], ['-N', '--output', b, '127.0.0.1', String(echo.port)], line)
    expect(readFileSync(b)).toEqual(readFileSync(a))
    expect(readFileSync(a).toString()).toBe('one\ntwo\none\ntwo\n')
    writeFileSync(b, 'kept\n')
    await nc(['-N', '--output', b, '--append-output', '127.0.0.1', String(echo.port)], line)
    expect(readFileSync(b).toString()).toBe('kept\none\ntwo\none\ntwo\n')
  })

  it('--proxy-type socks5/socks4/http = -X 5/4/connect; --proxy = -x (HTTP by default, as ncat)', async () => {
    const echo = await echoServer()
    const target = ['127.0.0.1', String(echo.port)]
    const s5 = await socks5Proxy()
    await same(['-N', '-x', `127.0.0.1:${s5.port}`, '-X', '5', ...target], ['-N', '--proxy', `127.0.0.1:${s5.port}`, '--proxy-type', 'socks5', ...target], line)
    const s4 = await socks4Proxy()
    await same(['-N', '-x', `127.0.0.1:${s4.port}`, '-X', '4', ...target], ['-N', '--proxy', `127.0.0.1:${s4.port}`, '--proxy-type', 'socks4', ...target], line)
    const http = await httpConnectProxy({ username: 'u', password: 'p' })
    const r = await same(
      ['-N', '-x', `127.0.0.1:${http.port}`, '-X', 'connect', '--proxy-auth', 'u:p', ...target],
      ['-N', '--proxy', `127.0.0.1:${http.port}`, '--proxy-auth', 'u:p', ...target],
      line,
    )
    expect(r.stdout).toBe('one\ntwo\n')
    expect(s5.requests).toHaveLength(2)
    expect(s4.requests).toHaveLength(2)
    expect(http.credentials).toEqual(['u:p', 'u:p'])
  })

  it('--ssl-verify = --ssl (verified against --ssl-trustfile); --ssl-ciphers reaches TLS', async () => {
    const cert = createSelfSignedCertificate({ commonName: 'localhost', altNames: ['localhost', '127.0.0.1'] })
    const dir = tempDir('nc-ncat-')
    const ca = path.join(dir, 'ca.pem')
    writeFileSync(ca, cert.cert)
    const server = tls.createServer({ cert: cert.cert, key: cert.key, maxVersion: 'TLSv1.2' }, (s) => s.pipe(s)).listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const p = String((server.address() as net.AddressInfo).port)
    const r = await same(['-N', '--ssl', '--ssl-trustfile', ca, '127.0.0.1', p], ['-N', '--ssl-verify', '--ssl-trustfile', ca, '127.0.0.1', p], line)
    expect(r.stdout).toBe('one\ntwo\n')
    // Unverifiable without the trust file, in both spellings.
    await same(['--ssl', '127.0.0.1', p], ['--ssl-verify', '127.0.0.1', p])
    const ok = await nc(['-N', '--ssl', '--ssl-trustfile', ca, '--ssl-ciphers', 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256', '127.0.0.1', p], line)
    expect(ok.stdout).toBe('one\ntwo\n')
    const bogus = await nc(['--ssl', '--ssl-ciphers', 'NO-SUCH-CIPHER', '127.0.0.1', p])
    expect(bogus.code).toBe(2)
    expect(bogus.stderr).toMatch(/^nc: --ssl-ciphers: OpenSSL accepts none of "NO-SUCH-CIPHER"/)
  })

  it("-m is OpenBSD's minimum TTL: a usage error that points to --max-conns", async () => {
    const r = await nc(['-l', '-m', '5', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("nc: -m (OpenBSD's minimum TTL) is not supported; for ncat's -m use --max-conns (see 'nc --help')\n")
  })

  it('an unknown long option is named once (no camel-case twin)', async () => {
    const r = await nc(['--proxy-typo', 'http', '127.0.0.1', '1'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("nc: Unknown argument: proxy-typo (see 'nc --help')\n")
  })

  it('every ncat long option is in --help or in the README table', async () => {
    const help = (await nc(['--help'])).stdout
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const ncatLong = ['unixsock', 'vsock', 'crlf', 'sh-exec', 'exec', 'lua-exec', 'max-conns', 'help', 'delay', 'output', 'hex-dump', 'idle-timeout', 'source-port', 'source', 'listen', 'keep-open', 'nodns', 'telnet', 'udp', 'sctp', 'verbose', 'wait', 'append-output', 'send-only', 'recv-only', 'no-shutdown', 'allow', 'allowfile', 'deny', 'denyfile', 'broker', 'chat', 'proxy', 'proxy-type', 'proxy-auth', 'proxy-dns', 'ssl', 'ssl-cert', 'ssl-key', 'ssl-verify', 'ssl-trustfile', 'ssl-ciphers', 'ssl-servername', 'ssl-alpn', 'version']
    for (const name of ncatLong) {
      const inHelp = help.includes(`--${name}`) || (name === 'no-shutdown' && help.includes('--shutdown'))
      // A row whose first cell names the option.
      const row = new RegExp(`^\\| [^|\\n]*\`--${name}\`[^|\\n]*\\|.*$`, 'm').exec(readme)?.[0]
      expect(`${name}: ${row !== undefined}`).toBe(`${name}: true`)
      if (!inHelp) expect(row).toMatch(/\| not supported \|/)
    }
  })
})
