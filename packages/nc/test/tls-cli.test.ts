/** TLS from the built CLI: round trips both roles with a certificate made in the test, failures. */
import { once } from 'node:events'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tls from 'node:tls'
import { randomBytes } from 'node:crypto'
import { createSelfSignedCertificate } from '@netkit/shared'
import { describe, expect, it, onTestFinished } from 'vitest'
import { connectTo, sha256, spawnListener, spawnNc, tcpServer, tempFiles } from './support/nc.js'

describe('nc --ssl', () => {
  it('round-trips binary data both ways between our client and our listener, verified by --ssl-trustfile', async () => {
    const { key, cert } = createSelfSignedCertificate({ altNames: ['localhost', '127.0.0.1'] })
    const files = tempFiles({ 'cert.pem': cert, 'key.pem': key })
    const tlsListen = ['-lv', '--ssl', '--ssl-cert', files['cert.pem']!, '--ssl-key', files['key.pem']!]
    const trust = ['--ssl', '--ssl-trustfile', files['cert.pem']!]
    // Client to listener: the client half-closes (-N) after its stdin.
    const up = randomBytes(3 * 1024 * 1024 + 7)
    const listener = await spawnListener([...tlsListen, '-d', '127.0.0.1', '0'], { hashStdout: true })
    const client = spawnNc(['-N', ...trust, '127.0.0.1', String(listener.port)], { stdin: up })
    expect(await client.exit).toBe(0)
    expect(await listener.exit).toBe(0)
    expect((await listener.stdout).toString()).toBe(sha256(up))
    expect(await client.stderr).toBe('')
    // Listener to client.
    const down = randomBytes(1024 * 1024 + 3)
    const sender = await spawnListener([...tlsListen, '-N', '127.0.0.1', '0'], { stdin: down })
    const receiver = spawnNc(['-d', ...trust, 'localhost', String(sender.port)], { hashStdout: true })
    expect(await receiver.exit).toBe(0)
    expect((await receiver.stdout).toString()).toBe(sha256(down))
    expect(await sender.exit).toBe(0)
  })

  it('works over Unix sockets, checking the certificate for localhost', async () => {
    const { key, cert } = createSelfSignedCertificate({ altNames: ['localhost'] })
    const files = tempFiles({ 'cert.pem': cert, 'key.pem': key })
    const path = join(tmpdir(), `nc-tls-${process.pid}-${Date.now()}.sock`)
    onTestFinished(() => rmSync(path, { force: true }))
    const listener = spawnNc(['-lvN', '-U', '--ssl', '--ssl-cert', files['cert.pem']!, '--ssl-key', files['key.pem']!, path], { stdin: Buffer.from('over unix\n') })
    await listener.waitStderr(/Listening on /)
    const client = spawnNc(['-U', '--ssl', '--ssl-trustfile', files['cert.pem']!, path], { stdin: 'ignore' })
    expect(await client.exit).toBe(0)
    expect((await client.stdout).toString()).toBe('over unix\n')
    expect(await listener.exit).toBe(0)
  })

  it('composes with -k -c (each TLS client gets its own child) and with --broker', async () => {
    const exec = await spawnListener(['-lkv', '--ssl', '-c', 'echo "child $$"; exec cat', '127.0.0.1', '0'], { stdin: 'ignore' })
    const greetings: string[] = []
    for (let i = 0; i < 2; i++) {
      const socket = tls.connect({ host: '127.0.0.1', port: exec.port, rejectUnauthorized: false })
      onTestFinished(() => {
        socket.destroy()
      })
      const chunks: Buffer[] = []
      socket.on('data', (c: Buffer) => chunks.push(c))
      await once(socket, 'secureConnect')
      socket.end(`echo ${i}\n`)
      await once(socket, 'end')
      const [greeting, echoed] = Buffer.concat(chunks).toString().split('\n')
      greetings.push(greeting!)
      expect(echoed).toBe(`echo ${i}`)
    }
    expect(greetings[0]).toMatch(/^child \d+$/)
    expect(greetings[1]).not.toBe(greetings[0])
    exec.child.kill('SIGTERM')
    await exec.exit

    const broker = await spawnListener(['-lv', '--ssl', '--broker', '127.0.0.1', '0'], { stdin: 'ignore' })
    const [a, b] = [0, 1].map(() => tls.connect({ host: '127.0.0.1', port: broker.port, rejectUnauthorized: false }))
    onTestFinished(() => {
      a!.destroy()
      b!.destroy()
    })
    await Promise.all([once(a!, 'secureConnect'), once(b!, 'secureConnect')])
    await broker.waitStderr(/joined as <user2>/)
    const got = once(b!, 'data')
    a!.write('secret broadcast\n')
    expect(String((await got)[0])).toBe('secret broadcast\n')
    broker.child.kill('SIGTERM')
    await broker.exit
  })

  it('listens with a throwaway certificate and prints its SHA-256 fingerprint', async () => {
    const listener = await spawnListener(['-lv', '--ssl', '127.0.0.1', '0'])
    const [, fingerprint] = (await listener.waitStderr(/SHA-256 fingerprint ([0-9A-F:]{95})/)) as RegExpMatchArray
    const socket = tls.connect({ host: '127.0.0.1', port: listener.port, rejectUnauthorized: false })
    onTestFinished(() => {
      socket.destroy()
    })
    await once(socket, 'secureConnect')
    expect(socket.getPeerX509Certificate()!.fingerprint256).toBe(fingerprint)
    socket.end('over tls\n')
    listener.child.stdin!.end()
    expect(await listener.exit).toBe(0)
    expect((await listener.stdout).toString()).toBe('over tls\n')
  })

  it('fails verification of an untrusted certificate with one line and exit 1', async () => {
    const listener = await spawnListener(['-lv', '--ssl', '127.0.0.1', '0'])
    const client = spawnNc(['--ssl', '127.0.0.1', String(listener.port)], { stdin: Buffer.from('secret\n') })
    expect(await client.exit).toBe(1)
    const stderr = await client.stderr
    expect(stderr).toBe(
      `nc: TLS handshake with 127.0.0.1 port ${listener.port} failed: certificate verification failed: self-signed certificate (trust it with --ssl-trustfile FILE, or skip checks with --ssl-insecure)\n`,
    )
    expect(await client.stdout).toEqual(Buffer.alloc(0))
  })

  it('fails a name mismatch, and --ssl-servername picks the name to check', async () => {
    const { key, cert } = createSelfSignedCertificate({ altNames: ['service.test'] })
    const files = tempFiles({ 'cert.pem': cert, 'key.pem': key })
    const serve = () => spawnListener(['-lvN', '--ssl', '--ssl-cert', files['cert.pem']!, '--ssl-key', files['key.pem']!, '127.0.0.1', '0'])
    const first = await serve()
    const bad = spawnNc(['--ssl', '--ssl-trustfile', files['cert.pem']!, '127.0.0.1', String(first.port)], { stdin: 'ignore' })
    expect(await bad.exit).toBe(1)
    expect(await bad.stderr).toMatch(/^nc: TLS handshake with 127\.0\.0\.1 port \d+ failed: certificate does not match the host name: IP: 127\.0\.0\.1 is not in the cert's list: \n$/)
    first.child.kill('SIGTERM')
    const second = await serve()
    second.child.stdin!.end('hello from the server\n')
    const good = spawnNc(['--ssl', '--ssl-trustfile', files['cert.pem']!, '--ssl-servername', 'service.test', '127.0.0.1', String(second.port)], { stdin: 'ignore' })
    expect(await good.exit).toBe(0)
    expect((await good.stdout).toString()).toBe('hello from the server\n')
  })

  it('--ssl-insecure connects to an untrusted server, with a warning', async () => {
    const listener = await spawnListener(['-lvN', '--ssl', '127.0.0.1', '0'])
    listener.child.stdin!.end('hi\n')
    const client = spawnNc(['--ssl', '--ssl-insecure', '127.0.0.1', String(listener.port)], { stdin: 'ignore' })
    expect(await client.exit).toBe(0)
    expect((await client.stdout).toString()).toBe('hi\n')
    expect(await client.stderr).toBe('nc: warning: --ssl-insecure: the server certificate is not verified\n')
  })

  it('negotiates --ssl-alpn with a Node TLS server', async () => {
    const { key, cert } = createSelfSignedCertificate()
    const server = tls.createServer({ key, cert, ALPNProtocols: ['x-two', 'x-one'] }, (s) => s.end(`alpn=${s.alpnProtocol}\n`))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const files = tempFiles({ 'ca.pem': cert })
    const client = spawnNc(['--ssl', '--ssl-trustfile', files['ca.pem']!, '--ssl-alpn', 'x-one', 'localhost', String((server.address() as { port: number }).port)], { stdin: 'ignore' })
    expect(await client.exit).toBe(0)
    expect((await client.stdout).toString()).toBe('alpn=x-one\n')
  })

  it.each([
    [['--ssl-cert', '/x', '127.0.0.1', '1'], '--ssl-* options need --ssl'],
    [['--ssl', '-u', '127.0.0.1', '1'], '--ssl works over TCP and Unix stream sockets, not -u (no DTLS)'],
    [['--ssl', '--ssl-trustfile', '/nonexistent.pem', '127.0.0.1', '1'], 'cannot read --ssl-trustfile /nonexistent.pem: no such file'],
    [['-l', '--ssl', '--ssl-insecure', '0'], '--ssl-insecure applies to connect mode'],
  ])('usage error: nc %j', async (args, message) => {
    const nc = spawnNc(args, { stdin: 'ignore' })
    expect(await nc.exit).toBe(2)
    expect(await nc.stderr).toBe(`nc: ${message} (see 'nc --help')\n`)
  })

  it('SIGTERM during a handshake with a silent peer ends nc at once (client 143, listener 0), in both roles', async () => {
    const silent = await tcpServer(() => {})
    const client = spawnNc(['-v', '--ssl', '--ssl-insecure', '127.0.0.1', String(silent.port)], { stdin: 'ignore' })
    await client.waitStderr(/succeeded!/)
    client.child.kill('SIGTERM')
    for (const flags of [['-lv'], ['-lkv']]) {
      const listener = await spawnListener([...flags, '--ssl', '127.0.0.1', '0'], { stdin: 'ignore' })
      const quiet = await connectTo(listener.port)
      onTestFinished(() => {
        quiet.destroy()
      })
      await listener.waitStderr(/Connection received/)
      listener.child.kill('SIGTERM')
      expect(await listener.exit).toBe(0) // a listener stops gracefully
      expect(await listener.stderr).not.toMatch(/abort/i)
    }
    expect(await client.exit).toBe(143)
    expect(await client.stderr).not.toMatch(/abort/i)
  })

  it('a plain client against a TLS listener is refused without killing a -k listener', async () => {
    const listener = await spawnListener(['-lkv', '--ssl', '127.0.0.1', '0'], { stdin: 'ignore' })
    const plain = await connectTo(listener.port)
    plain.end('GET / HTTP/1.0\r\n\r\n')
    plain.resume()
    await once(plain, 'close')
    await listener.waitStderr(/TLS handshake with 127\.0\.0\.1 port \d+ failed/)
    const socket = tls.connect({ host: '127.0.0.1', port: listener.port, rejectUnauthorized: false })
    onTestFinished(() => {
      socket.destroy()
    })
    await once(socket, 'secureConnect')
    socket.end('still here\n')
    await once(socket, 'close')
    listener.child.kill('SIGTERM')
    await listener.exit
    expect((await listener.stdout).toString()).toBe('still here\n')
  })
})
