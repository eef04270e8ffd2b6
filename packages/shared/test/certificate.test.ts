import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto'
import { once } from 'node:events'
import * as tls from 'node:tls'
import { describe, expect, it, onTestFinished } from 'vitest'
import { InvalidArgumentError, createSelfSignedCertificate } from '../src/index.js'
import { ipAddressBytes } from '../src/certificate.js'

async function tlsServer(key: string, cert: string, host = '127.0.0.1'): Promise<tls.Server> {
  const server = tls.createServer({ key, cert }, (socket) => socket.end('hello over tls\n'))
  server.listen(0, host)
  await once(server, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return server
}

/** Connect and read everything, or reject with the TLS error. */
function fetchOverTls(options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options)
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()))
    socket.on('error', reject)
    socket.setTimeout(10_000, () => socket.destroy(new Error('timed out')))
  })
}

describe('createSelfSignedCertificate', () => {
  it('builds a v3 certificate with subject, SAN and a valid self-signature', () => {
    const { key, cert, fingerprint256 } = createSelfSignedCertificate({
      commonName: 'netkit test',
      altNames: ['localhost', 'example.test', '127.0.0.1', '::1', '::ffff:10.1.2.3'],
      days: 7,
    })
    const x509 = new X509Certificate(cert)
    expect(x509.subject).toBe('CN=netkit test')
    expect(x509.issuer).toBe('CN=netkit test')
    expect(x509.subjectAltName).toBe(
      'DNS:localhost, DNS:example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:A01:203',
    )
    expect(x509.checkHost('example.test')).toBe('example.test')
    expect(x509.checkHost('other.test')).toBeUndefined()
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(x509.checkIP('::1')).toBe('::1')
    expect(x509.checkIP('127.0.0.2')).toBeUndefined()
    expect(x509.ca).toBe(false)
    expect(x509.fingerprint256).toBe(fingerprint256)
    // The signature verifies with the certificate's own key, and the key pair matches.
    expect(x509.verify(x509.publicKey)).toBe(true)
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true)
    const other = createSelfSignedCertificate()
    expect(x509.verify(createPublicKey(other.key))).toBe(false)
    expect(other.fingerprint256).not.toBe(fingerprint256)
    // Validity: starts before now, ends about `days` later.
    const from = Date.parse(x509.validFrom)
    const to = Date.parse(x509.validTo)
    expect(from).toBeLessThanOrEqual(Date.now())
    expect(Math.round((to - Date.now()) / 86_400_000)).toBe(7)
  })

  it('defaults to localhost, 127.0.0.1 and ::1', () => {
    const x509 = new X509Certificate(createSelfSignedCertificate().cert)
    expect(x509.subject).toBe('CN=localhost')
    expect(x509.checkHost('localhost')).toBe('localhost')
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(x509.checkIP('::1')).toBe('::1')
  })

  it('encodes validity after 2049 as GeneralizedTime', () => {
    const x509 = new X509Certificate(createSelfSignedCertificate({ days: 365 * 40 }).cert)
    expect(new Date(x509.validTo).getUTCFullYear()).toBeGreaterThanOrEqual(2050)
  })

  it('rejects a non-positive validity', () => {
    expect(() => createSelfSignedCertificate({ days: 0 })).toThrow(InvalidArgumentError)
  })

  it('is trusted in a real TLS handshake when given as ca, and rejected without it', async () => {
    const { key, cert } = createSelfSignedCertificate({ altNames: ['localhost', '127.0.0.1'] })
    const server = await tlsServer(key, cert)
    const { port } = server.address() as { port: number }
    await expect(fetchOverTls({ host: '127.0.0.1', port, ca: cert })).resolves.toBe('hello over tls\n')
    await expect(fetchOverTls({ host: '127.0.0.1', port, ca: cert, servername: 'localhost' })).resolves.toBe('hello over tls\n')
    await expect(fetchOverTls({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
    // Trusted, but the name does not match.
    await expect(fetchOverTls({ host: '127.0.0.1', port, ca: cert, servername: 'other.test' })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    })
  })

  it('works for an IPv6 listener named by its address', async () => {
    const { key, cert } = createSelfSignedCertificate()
    const server = await tlsServer(key, cert, '::1').catch(() => undefined)
    if (!server) throw new Error('::1 is not available on this machine')
    const { port } = server.address() as { port: number }
    await expect(fetchOverTls({ host: '::1', port, ca: cert })).resolves.toBe('hello over tls\n')
  })
})

describe('ipAddressBytes', () => {
  it.each([
    ['127.0.0.1', '7f000001'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['2001:db8::', '20010db8000000000000000000000000'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['64:ff9b::10.0.0.1', '0064ff9b00000000000000000a000001'],
  ])('%s', (address, hex) => {
    expect(ipAddressBytes(address).toString('hex')).toBe(hex)
  })

  it('rejects names', () => {
    expect(() => ipAddressBytes('localhost')).toThrow(InvalidArgumentError)
  })
})
