import { createSelfSignedCertificate } from '@netkit/shared'
import { tempFiles } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { httpGet } from '../src/index.js'
import { response, runCli, scriptedServer } from './scripted-server.js'

const certificate = createSelfSignedCertificate()

function caFile(pem: string): string {
  return tempFiles({ 'ca.pem': pem })['ca.pem']!
}

describe('http-get over TLS', () => {
  it('refuses a self-signed certificate with exit 60', async () => {
    const server = await scriptedServer((socket) => socket.end(response('secret')), { tls: certificate })
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(60)
    expect(result.stderr).toMatch(/^http-get: SSL certificate problem: self[- ]signed certificate\n$/)
    expect(result.stdout.length).toBe(0)
  })

  it('-k skips verification', async () => {
    const server = await scriptedServer((socket) => socket.end(response('secret')), { tls: certificate })
    const result = await runCli(['-k', server.url('/')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('secret')
    expect(server.requests[0]!.headers.get('host')).toBe(`127.0.0.1:${server.port}`)
  })

  it('--cacert trusts the certificate, and the name is still checked (SNI = host name)', async () => {
    const server = await scriptedServer((socket) => socket.end(response('trusted')), { tls: certificate })
    const ca = caFile(certificate.cert)
    const ok = await runCli(['--cacert', ca, `https://localhost:${server.port}/`])
    expect(ok.stderr).toBe('')
    expect(ok.stdout.toString()).toBe('trusted')
    const other = createSelfSignedCertificate({ commonName: 'other.example', altNames: ['other.example'] })
    const wrongName = await scriptedServer((socket) => socket.end(response('x')), { tls: other })
    const bad = await runCli(['--cacert', caFile(other.cert), wrongName.url('/')])
    expect(bad.code).toBe(60)
  })

  it('a server that does not speak TLS is exit 35', async () => {
    const server = await scriptedServer(() => {})
    // A plain HTTP server answers the ClientHello with an HTTP error, as real ones do.
    server.server.on('connection', (socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    const result = await runCli([server.url('/', 'https')])
    expect(result.code).toBe(35)
    expect(result.stderr).toMatch(/^http-get: OpenSSL\/[0-9.]+: error:[0-9A-F]{8}:SSL routines::wrong version number\n$/)
  })

  it('the library fetches over TLS with a trusted CA and reports appconnect time', async () => {
    const server = await scriptedServer((socket) => socket.end(response('lib')), { tls: certificate })
    const result = await httpGet(`https://localhost:${server.port}/`, { ca: certificate.cert })
    expect(result.status).toBe(200)
    expect(result.body!.toString()).toBe('lib')
    expect(result.timings.appconnect).toBeGreaterThanOrEqual(result.timings.connect)
  })
})
