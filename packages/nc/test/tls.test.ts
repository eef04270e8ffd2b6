import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import * as net from 'node:net'
import * as tls from 'node:tls'
import { createSelfSignedCertificate } from '@netkit/shared'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createTlsClient, createTlsServer, parseAlpn } from '../src/features/tls.js'
import { captureLogger } from './helpers/logger.js'
import { tempFiles } from './support/nc.js'

async function tlsEchoServer(options: tls.TlsOptions, host = '127.0.0.1'): Promise<{ port: number; servernames: (string | false | null)[] }> {
  const servernames: (string | false | null)[] = []
  const server = tls.createServer(options, (socket) => {
    servernames.push(socket.servername)
    socket.on('error', () => {})
    socket.pipe(socket)
  })
  server.on('tlsClientError', () => {})
  server.listen(0, host)
  await once(server, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port: (server.address() as net.AddressInfo).port, servernames }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
}

async function tcp(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  const socket = net.connect({ port, host })
  await once(socket, 'connect')
  onTestFinished(() => {
    socket.destroy()
  })
  return socket
}

async function echoOnce(socket: tls.TLSSocket, payload: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = []
  socket.write(payload)
  for await (const chunk of socket) {
    chunks.push(chunk as Buffer)
    if (Buffer.concat(chunks).length >= payload.length) break
  }
  return Buffer.concat(chunks)
}

describe('TLS client', () => {
  it('verifies the server against --ssl-trustfile and the host, sends SNI for names only', async () => {
    const { key, cert } = createSelfSignedCertificate()
    const server = await tlsEchoServer({ key, cert })
    const files = tempFiles({ 'ca.pem': cert })
    const { log, lines } = captureLogger()
    const client = await createTlsClient({ trustFile: files['ca.pem'] }, log)
    const byIp = await client.connect(await tcp(server.port), '127.0.0.1', server.port)
    expect(byIp.authorized).toBe(true)
    const payload = Buffer.from([0, 255, 10, 13, 1])
    expect(await echoOnce(byIp, payload)).toEqual(payload)
    byIp.destroy()
    const byName = await client.connect(await tcp(server.port), 'localhost', server.port)
    expect(await echoOnce(byName, payload)).toEqual(payload)
    byName.destroy()
    await until(() => server.servernames.length === 2)
    expect(server.servernames).toEqual([false, 'localhost'])
    expect(lines.some((l) => /^TLS: TLSv1\.3, .*peer CN=localhost, SHA-256 [0-9A-F:]{95}/.test(l))).toBe(true)
  })

  it('fails a certificate that does not verify with one clear line', async () => {
    const { key, cert } = createSelfSignedCertificate()
    const server = await tlsEchoServer({ key, cert })
    const client = await createTlsClient({})
    const err = await client.connect(await tcp(server.port), '127.0.0.1', server.port).catch((e: unknown) => e)
    expect(err).toMatchObject({
      exitCode: 1,
      code: 'NETKIT_TLS_ERROR',
      message: `TLS handshake with 127.0.0.1 port ${server.port} failed: certificate verification failed: self-signed certificate (trust it with --ssl-trustfile FILE, or skip checks with --ssl-insecure)`,
    })
    expect((err as Error).message).not.toContain('\n')
  })

  it('checks the name given by --ssl-servername', async () => {
    const { key, cert } = createSelfSignedCertificate({ altNames: ['good.test'] })
    const server = await tlsEchoServer({ key, cert })
    const files = tempFiles({ 'ca.pem': cert })
    const good = await createTlsClient({ trustFile: files['ca.pem'], servername: 'good.test' })
    const socket = await good.connect(await tcp(server.port), '127.0.0.1', server.port)
    expect(await echoOnce(socket, Buffer.from('x'))).toEqual(Buffer.from('x'))
    socket.destroy()
    await until(() => server.servernames.length === 1)
    expect(server.servernames).toEqual(['good.test'])
    const bad = await createTlsClient({ trustFile: files['ca.pem'] })
    await expect(bad.connect(await tcp(server.port), '127.0.0.1', server.port)).rejects.toThrow(
      /^TLS handshake with 127\.0\.0\.1 port \d+ failed: certificate does not match the host name: IP: 127\.0\.0\.1 is not in the cert's list/,
    )
  })

  it('skips verification with --ssl-insecure, and warns', async () => {
    const { key, cert } = createSelfSignedCertificate()
    const server = await tlsEchoServer({ key, cert })
    const { log, lines } = captureLogger(0)
    const client = await createTlsClient({ insecure: true }, log)
    const socket = await client.connect(await tcp(server.port), '127.0.0.1', server.port)
    expect(socket.authorized).toBe(false)
    socket.destroy()
    expect(lines).toEqual(['nc: warning: --ssl-insecure: the server certificate is not verified'])
  })

  it('negotiates ALPN and presents a client certificate', async () => {
    const serverCert = createSelfSignedCertificate()
    const clientCert = createSelfSignedCertificate({ commonName: 'client one', altNames: [] })
    const server = await tlsEchoServer({ ...serverCert, ALPNProtocols: ['x-netkit', 'http/1.1'], requestCert: true, rejectUnauthorized: true, ca: clientCert.cert })
    const files = tempFiles({ 'ca.pem': serverCert.cert, 'client.pem': clientCert.cert, 'client.key': clientCert.key })
    const client = await createTlsClient({ trustFile: files['ca.pem'], cert: files['client.pem'], key: files['client.key'], alpn: parseAlpn('h2,x-netkit') })
    const socket = await client.connect(await tcp(server.port), 'localhost', server.port)
    expect(socket.alpnProtocol).toBe('x-netkit')
    const payload = Buffer.from('ping')
    expect(await echoOnce(socket, payload)).toEqual(payload)
    socket.destroy()
  })

  it('rejects unreadable or mismatched files as usage errors', async () => {
    await expect(createTlsClient({ trustFile: '/nonexistent/ca.pem' })).rejects.toMatchObject({ exitCode: 2, message: 'cannot read --ssl-trustfile /nonexistent/ca.pem: no such file' })
    await expect(createTlsClient({ cert: '/x' })).rejects.toMatchObject({ exitCode: 2, message: '--ssl-cert needs --ssl-key' })
    const a = createSelfSignedCertificate()
    const b = createSelfSignedCertificate()
    const files = tempFiles({ 'a.pem': a.cert, 'b.key': b.key, 'junk.pem': 'not a certificate' })
    await expect(createTlsServer({ cert: files['a.pem'], key: files['b.key'] })).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^unusable TLS certificate or key: /) })
    await expect(createTlsClient({ trustFile: files['junk.pem'] })).resolves.toBeDefined()
    expect(() => parseAlpn(',')).toThrow('invalid --ssl-alpn: ","')
  })
})

describe('TLS server', () => {
  async function listen(accept: (socket: net.Socket) => void): Promise<number> {
    const server = net.createServer(accept)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    return (server.address() as net.AddressInfo).port
  }

  it('generates a throwaway certificate and prints its fingerprint, which the client sees', async () => {
    const { log, lines } = captureLogger(0)
    const side = await createTlsServer({}, log)
    expect(side.selfSigned).toBe(true)
    expect(lines).toEqual([`nc: generated a temporary self-signed certificate, SHA-256 fingerprint ${side.fingerprint256}`])
    const port = await listen((socket) => {
      side.accept(socket).then((secure) => secure.pipe(secure), () => {})
    })
    const secure = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
    onTestFinished(() => {
      secure.destroy()
    })
    await once(secure, 'secureConnect')
    expect(secure.getPeerX509Certificate()?.fingerprint256).toBe(side.fingerprint256)
    expect(await echoOnce(secure, Buffer.from('hi'))).toEqual(Buffer.from('hi'))
  })

  it('serves a given certificate and requires client certificates with --ssl-trustfile', async () => {
    const serverCert = createSelfSignedCertificate()
    const clientCert = createSelfSignedCertificate({ commonName: 'client', altNames: [] })
    const files = tempFiles({ 'server.pem': serverCert.cert, 'server.key': serverCert.key, 'clients.pem': clientCert.cert })
    const side = await createTlsServer({ cert: files['server.pem'], key: files['server.key'], trustFile: files['clients.pem'] })
    expect(side.selfSigned).toBe(false)
    expect(side.fingerprint256).toBe(new X509Certificate(serverCert.cert).fingerprint256)
    const outcomes: string[] = []
    const port = await listen((socket) => {
      side.accept(socket, { host: '127.0.0.1', port: socket.remotePort }).then(
        (secure) => {
          outcomes.push(`ok ${secure.getPeerX509Certificate()?.subject}`)
          secure.end('welcome')
        },
        (err: Error) => outcomes.push(err.message),
      )
    })
    const good = tls.connect({ host: '127.0.0.1', port, ca: serverCert.cert, key: clientCert.key, cert: clientCert.cert })
    onTestFinished(() => {
      good.destroy()
    })
    const chunks: Buffer[] = []
    good.on('data', (c: Buffer) => chunks.push(c))
    await once(good, 'end')
    expect(Buffer.concat(chunks).toString()).toBe('welcome')
    const anonymous = tls.connect({ host: '127.0.0.1', port, ca: serverCert.cert })
    anonymous.on('error', () => {})
    anonymous.resume()
    // Not events.once: it rejects on the 'error' this client is expected to see.
    await new Promise((resolve) => anonymous.on('close', resolve))
    await until(() => outcomes.length === 2)
    expect(outcomes[0]).toBe('ok CN=client')
    expect(outcomes[1]).toMatch(/^TLS handshake with 127\.0\.0\.1 port \d+ failed: /)
  })

  it('gives up on a client that never completes the handshake', async () => {
    const side = await createTlsServer({ handshakeTimeout: 300 })
    const result = new Promise<string>((resolve) => {
      void listen((socket) => {
        side.accept(socket, { host: '127.0.0.1' }).then(() => resolve('accepted'), (err: Error) => resolve(err.message))
      }).then(async (port) => {
        const idle = await tcp(port)
        idle.on('error', () => {})
      })
    })
    expect(await result).toBe('TLS handshake with 127.0.0.1 timed out')
  })
})
