import { once } from 'node:events'
import * as net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  createProxyHandshake,
  httpConnectHandshake,
  negotiateProxy,
  parseProxyAddress,
  proxyOptionsFromArgs,
  socks4Handshake,
  socks5Handshake,
  type ProxyOptions,
} from '../src/features/proxy.js'
import { echoServer, httpConnectProxy, socks4Proxy, socks5Proxy } from './helpers/proxies.js'

async function connectTo(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port })
  await once(socket, 'connect')
  onTestFinished(() => {
    socket.destroy()
  })
  return socket
}

/** Open a tunnel to the echo server through the proxy and check a round trip of binary data. */
async function roundTrip(options: ProxyOptions, target: { host: string; port: number }): Promise<void> {
  const socket = await connectTo(options.port)
  await negotiateProxy(socket, await createProxyHandshake(options, target), { timeout: 10_000 })
  const payload = Buffer.from([0, 1, 2, 255, 13, 10, 0x80])
  const received = new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => {
      chunks.push(c)
      if (Buffer.concat(chunks).length >= payload.length) resolve(Buffer.concat(chunks))
    })
  })
  socket.resume()
  socket.write(payload)
  expect(await received).toEqual(payload)
}

describe('SOCKS5', () => {
  it('tunnels without auth, sending the name for the proxy to resolve (remote DNS)', async () => {
    const echo = await echoServer()
    const proxy = await socks5Proxy()
    await roundTrip({ protocol: 'socks5', host: '127.0.0.1', port: proxy.port, dns: 'remote' }, { host: 'localhost', port: echo.port })
    expect(proxy.requests).toEqual([`localhost:${echo.port}`])
  })

  it('resolves the name itself with --proxy-dns local', async () => {
    const echo = await echoServer()
    const proxy = await socks5Proxy()
    await roundTrip({ protocol: 'socks5', host: '127.0.0.1', port: proxy.port, dns: 'local' }, { host: 'localhost', port: echo.port })
    expect(proxy.requests[0]).toMatch(new RegExp(`^(127\\.0\\.0\\.1|0:0:0:0:0:0:0:1):${echo.port}$`))
  })

  it('authenticates with username and password', async () => {
    const echo = await echoServer()
    const proxy = await socks5Proxy({ username: 'alice', password: 's3cret' })
    const credentials = { username: 'alice', password: 's3cret' }
    await roundTrip({ protocol: 'socks5', host: '127.0.0.1', port: proxy.port, credentials }, { host: '127.0.0.1', port: echo.port })
    expect(proxy.credentials).toEqual(['alice:s3cret'])
    expect(proxy.requests).toEqual([`127.0.0.1:${echo.port}`])
  })

  it('fails with one clear line on bad credentials, missing credentials, and refusal', async () => {
    const echo = await echoServer()
    const proxy = await socks5Proxy({ username: 'alice', password: 's3cret' })
    const bad = await connectTo(proxy.port)
    await expect(negotiateProxy(bad, socks5Handshake({ host: '127.0.0.1', port: echo.port }, { username: 'alice', password: 'nope' }))).rejects.toThrow(
      'SOCKS5 proxy: authentication failed',
    )
    const none = await connectTo(proxy.port)
    await expect(negotiateProxy(none, socks5Handshake({ host: '127.0.0.1', port: echo.port }))).rejects.toThrow(
      'SOCKS5 proxy: proxy requires authentication (use --proxy-auth user:pass)',
    )
    const open = await socks5Proxy()
    const closed = net.createServer().listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const deadPort = (closed.address() as net.AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const refused = await connectTo(open.port)
    await expect(negotiateProxy(refused, socks5Handshake({ host: '127.0.0.1', port: deadPort }))).rejects.toMatchObject({
      exitCode: 1,
      message: `SOCKS5 proxy: connect to 127.0.0.1 port ${deadPort} failed: Connection refused`,
    })
  })

  it('encodes IPv6 targets as address type 4 and reaches ::1', async () => {
    const echo = await echoServer('::1')
    const proxy = await socks5Proxy()
    await roundTrip({ protocol: 'socks5', host: '127.0.0.1', port: proxy.port }, { host: '::1', port: echo.port })
    expect(proxy.requests).toEqual([`0:0:0:0:0:0:0:1:${echo.port}`])
  })

  it('parses the same reply in every chunking and keeps bytes past it', () => {
    const reply = Buffer.from([5, 0, 5, 0, 0, 3, 9, ...Buffer.from('proxy.lan'), 0x1f, 0x90, 0xaa, 0xbb])
    for (let split = 1; split < reply.length - 2; split++) {
      const hs = socks5Handshake({ host: 'example.test', port: 80 })
      expect(hs.start()).toEqual(Buffer.from([5, 1, 0]))
      const first = hs.feed(reply.subarray(0, split))
      expect(first.done).toBe(false)
      const second = hs.feed(reply.subarray(split))
      expect(second.done).toBe(true)
      expect(second.rest).toEqual(Buffer.from([0xaa, 0xbb]))
    }
    // One byte at a time.
    const hs = socks5Handshake({ host: 'example.test', port: 80 })
    hs.start()
    const sent: Buffer[] = []
    let result
    for (const byte of reply.subarray(0, -2)) {
      result = hs.feed(Buffer.from([byte]))
      if (result.send) sent.push(result.send)
    }
    expect(result!.done).toBe(true)
    expect(Buffer.concat(sent)).toEqual(Buffer.from([5, 1, 0, 3, 12, ...Buffer.from('example.test'), 0, 80]))
  })

  it('refuses a reply from something that is not SOCKS5', () => {
    const hs = socks5Handshake({ host: 'a', port: 1 })
    hs.start()
    expect(() => hs.feed(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow('not a SOCKS5 proxy')
  })
})

describe('SOCKS4a', () => {
  it('sends a name for the proxy to resolve, with the user id', async () => {
    const echo = await echoServer()
    const proxy = await socks4Proxy()
    await roundTrip({ protocol: 'socks4', host: '127.0.0.1', port: proxy.port, credentials: { username: 'bob' } }, { host: 'localhost', port: echo.port })
    expect(proxy.requests).toEqual([`localhost:${echo.port}`])
    expect(proxy.credentials).toEqual(['bob'])
  })

  it('sends an IPv4 address with --proxy-dns local', async () => {
    const echo = await echoServer()
    const proxy = await socks4Proxy()
    await roundTrip({ protocol: 'socks4', host: '127.0.0.1', port: proxy.port, dns: 'local' }, { host: 'localhost', port: echo.port })
    expect(proxy.requests).toEqual([`127.0.0.1:${echo.port}`])
  })

  it('reports a rejection and refuses IPv6 targets', () => {
    const hs = socks4Handshake({ host: '10.0.0.1', port: 22 })
    expect(hs.start()).toEqual(Buffer.from([4, 1, 0, 22, 10, 0, 0, 1, 0]))
    expect(() => hs.feed(Buffer.from([0, 0x5b, 0, 0, 0, 0, 0, 0]))).toThrow('SOCKS4 proxy: connect to 10.0.0.1 port 22 failed: request rejected or failed')
    expect(() => socks4Handshake({ host: '::1', port: 22 })).toThrow('SOCKS4 cannot reach IPv6 addresses')
  })
})

describe('HTTP CONNECT', () => {
  it('tunnels without auth', async () => {
    const echo = await echoServer()
    const proxy = await httpConnectProxy()
    await roundTrip({ protocol: 'connect', host: '127.0.0.1', port: proxy.port }, { host: '127.0.0.1', port: echo.port })
    expect(proxy.requests).toEqual([`127.0.0.1:${echo.port}`])
    expect(proxy.credentials).toEqual([])
  })

  it('sends Basic credentials, and fails clearly on 407', async () => {
    const echo = await echoServer()
    const proxy = await httpConnectProxy({ username: 'carol', password: 'pa:ss' })
    await roundTrip({ protocol: 'connect', host: '127.0.0.1', port: proxy.port, credentials: { username: 'carol', password: 'pa:ss' } }, { host: '127.0.0.1', port: echo.port })
    expect(proxy.credentials).toEqual(['carol:pa:ss'])
    const none = await connectTo(proxy.port)
    await expect(negotiateProxy(none, httpConnectHandshake({ host: '127.0.0.1', port: echo.port }))).rejects.toThrow(
      'HTTP proxy: proxy requires authentication (407; use --proxy-auth user:pass)',
    )
    const wrong = await connectTo(proxy.port)
    await expect(negotiateProxy(wrong, httpConnectHandshake({ host: '127.0.0.1', port: echo.port }, { username: 'carol', password: 'x' }))).rejects.toThrow(
      'HTTP proxy: authentication failed (407 Proxy Authentication Required)',
    )
  })

  it('brackets IPv6 targets, keeps early bytes, caps the header', () => {
    const hs = httpConnectHandshake({ host: '::1', port: 8080 })
    expect(hs.start().toString()).toBe('CONNECT [::1]:8080 HTTP/1.0\r\nHost: [::1]:8080\r\n\r\n')
    expect(hs.feed(Buffer.from('HTTP/1.1 200 OK\r\n')).done).toBe(false)
    const done = hs.feed(Buffer.from('\r\nSSH-2.0'))
    expect(done.done).toBe(true)
    expect(done.rest.toString()).toBe('SSH-2.0')
    const big = httpConnectHandshake({ host: 'a', port: 1 })
    expect(() => big.feed(Buffer.alloc(20_000, 'a'))).toThrow('response header larger than 16384 bytes')
    const refused = httpConnectHandshake({ host: 'a', port: 1 })
    expect(() => refused.feed(Buffer.from('HTTP/1.1 403 Forbidden\r\n\r\n'))).toThrow('HTTP proxy: CONNECT a:1 refused: 403 Forbidden')
  })
})

describe('proxy options', () => {
  it('applies OpenBSD default ports and protocol', () => {
    expect(parseProxyAddress('proxy.lan', 'socks5')).toEqual({ host: 'proxy.lan', port: 1080 })
    expect(parseProxyAddress('proxy.lan', 'connect')).toEqual({ host: 'proxy.lan', port: 3128 })
    expect(parseProxyAddress('proxy.lan:8080', 'connect')).toEqual({ host: 'proxy.lan', port: 8080 })
    expect(parseProxyAddress('[::1]', 'socks4')).toEqual({ host: '::1', port: 1080 })
    expect(parseProxyAddress('::1', 'socks5')).toEqual({ host: '::1', port: 1080 })
    expect(parseProxyAddress('[::1]:9050', 'socks5')).toEqual({ host: '::1', port: 9050 })
    expect(proxyOptionsFromArgs({ proxy: '127.0.0.1' })).toEqual({ protocol: 'socks5', host: '127.0.0.1', port: 1080, dns: 'remote', credentials: undefined })
  })

  it('reads credentials from --proxy-auth or -P with NETKIT_PROXY_PASSWORD', () => {
    expect(proxyOptionsFromArgs({ proxy: 'p', proxyType: 'connect', proxyAuth: 'u:p:w' })?.credentials).toEqual({ username: 'u', password: 'p:w' })
    expect(proxyOptionsFromArgs({ proxy: 'p', proxyUser: 'u' }, { NETKIT_PROXY_PASSWORD: 'pw' })?.credentials).toEqual({ username: 'u', password: 'pw' })
  })

  it.each([
    [{ proxy: 'p', proxyType: '6' }, 'unknown proxy protocol: 6 (use 5, 4 or connect)'],
    [{ proxyType: '5' }, '-X, -P and --proxy-auth need a proxy address (-x addr[:port])'],
    [{ proxy: 'p', proxyDns: 'both' }, 'invalid --proxy-dns: both (use local or remote)'],
    [{ proxy: 'p:99999' }, 'port number out of range: 99999 (use 1-65535)'],
  ])('rejects %j', (args, message) => {
    expect(() => proxyOptionsFromArgs(args)).toThrow(message)
  })
})
