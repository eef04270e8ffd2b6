/**
 * Small but real forwarding proxies for tests, written with plain `net`: SOCKS5 (optionally with
 * username/password), SOCKS4a and HTTP CONNECT (optionally with Basic auth). Each records the
 * target it was asked for, so tests can check what a client sent (a name or an address).
 */
import { once } from 'node:events'
import * as net from 'node:net'
import { onTestFinished } from 'vitest'

export interface TestProxy {
  port: number
  /** `host:port` targets requested, in order. */
  requests: string[]
  /** Credentials seen (`user:pass`), in order. */
  credentials: string[]
  close(): Promise<void>
}

interface Reader {
  read(n: number): Promise<Buffer>
  readUntil(marker: string, limit: number): Promise<Buffer>
  /** Bytes read past what was asked for. */
  rest(): Buffer
}

function reader(socket: net.Socket): Reader {
  let buffer = Buffer.alloc(0)
  let waiter: (() => void) | undefined
  let ended = false
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk])
    waiter?.()
  })
  socket.on('end', () => {
    ended = true
    waiter?.()
  })
  socket.on('error', () => {
    ended = true
    waiter?.()
  })
  const wait = () =>
    new Promise<void>((resolve, reject) => {
      if (ended) reject(new Error('client went away'))
      waiter = () => {
        waiter = undefined
        resolve()
      }
    })
  return {
    async read(n) {
      while (buffer.length < n) await wait()
      const out = buffer.subarray(0, n)
      buffer = buffer.subarray(n)
      return out
    },
    async readUntil(marker, limit) {
      for (;;) {
        const at = buffer.indexOf(marker)
        if (at >= 0) {
          const out = buffer.subarray(0, at + marker.length)
          buffer = buffer.subarray(at + marker.length)
          return out
        }
        if (buffer.length > limit) throw new Error('header too large')
        await wait()
      }
    },
    rest: () => buffer,
  }
}

/** Connect to the target and splice the two sockets; `greeting` is sent first, `rest` after. */
async function tunnel(client: net.Socket, host: string, port: number, r: Reader, greeting: (ok: boolean) => Buffer): Promise<void> {
  const upstream = net.connect({ host, port, allowHalfOpen: true })
  const ok = await new Promise<boolean>((resolve) => {
    upstream.once('connect', () => resolve(true))
    upstream.once('error', () => resolve(false))
  })
  client.write(greeting(ok))
  if (!ok) {
    client.end()
    return
  }
  client.removeAllListeners('data')
  client.removeAllListeners('end')
  const early = r.rest()
  if (early.length > 0) upstream.write(early)
  // Half-close passes through (pipe ends the other side); only errors tear both down.
  client.pipe(upstream)
  upstream.pipe(client)
  client.on('error', () => upstream.destroy())
  upstream.on('error', () => client.destroy())
}

async function serve(handler: (socket: net.Socket, proxy: TestProxy) => Promise<void>): Promise<TestProxy> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    handler(socket, proxy).catch(() => socket.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const proxy: TestProxy = {
    port: (server.address() as net.AddressInfo).port,
    requests: [],
    credentials: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
  onTestFinished(() => proxy.close())
  return proxy
}

/** A SOCKS5 proxy; with `auth` it demands username/password and checks them. */
export function socks5Proxy(auth?: { username: string; password: string }): Promise<TestProxy> {
  return serve(async (socket, proxy) => {
    const r = reader(socket)
    const [version, count] = await r.read(2)
    if (version !== 5) throw new Error('not socks5')
    const methods = [...(await r.read(count!))]
    if (auth) {
      if (!methods.includes(2)) {
        socket.end(Buffer.from([5, 0xff]))
        return
      }
      socket.write(Buffer.from([5, 2]))
      const [, ulen] = await r.read(2)
      const user = (await r.read(ulen!)).toString()
      const [plen] = await r.read(1)
      const pass = (await r.read(plen!)).toString()
      proxy.credentials.push(`${user}:${pass}`)
      const good = user === auth.username && pass === auth.password
      socket.write(Buffer.from([1, good ? 0 : 1]))
      if (!good) {
        socket.end()
        return
      }
    } else {
      socket.write(Buffer.from([5, 0]))
    }
    const [, command, , atyp] = await r.read(4)
    if (command !== 1) throw new Error('only CONNECT')
    let host: string
    if (atyp === 1) host = [...(await r.read(4))].join('.')
    else if (atyp === 3) host = (await r.read((await r.read(1))[0]!)).toString()
    else {
      const b = await r.read(16)
      host = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':')
    }
    const port = (await r.read(2)).readUInt16BE(0)
    proxy.requests.push(`${host}:${port}`)
    const connectHost = host.includes(':') ? '::1' : host
    // Reply with a bound address of type IPv4, 127.0.0.1:0.
    await tunnel(socket, connectHost, port, r, (ok) => Buffer.from([5, ok ? 0 : 5, 0, 1, 127, 0, 0, 1, 0, 0]))
  })
}

/** A SOCKS4a proxy. */
export function socks4Proxy(): Promise<TestProxy> {
  return serve(async (socket, proxy) => {
    const r = reader(socket)
    const head = await r.read(8)
    if (head[0] !== 4 || head[1] !== 1) throw new Error('not socks4 connect')
    const port = head.readUInt16BE(2)
    const user = (await r.readUntil('\0', 255)).subarray(0, -1).toString()
    proxy.credentials.push(user)
    let host = [...head.subarray(4, 8)].join('.')
    if (head[4] === 0 && head[5] === 0 && head[6] === 0 && head[7] !== 0) host = (await r.readUntil('\0', 255)).subarray(0, -1).toString()
    proxy.requests.push(`${host}:${port}`)
    await tunnel(socket, host, port, r, (ok) => Buffer.from([0, ok ? 0x5a : 0x5b, 0, 0, 0, 0, 0, 0]))
  })
}

/** An HTTP CONNECT proxy; with `auth` it answers 407 until Basic credentials match. */
export function httpConnectProxy(auth?: { username: string; password: string }): Promise<TestProxy> {
  return serve(async (socket, proxy) => {
    const r = reader(socket)
    const head = (await r.readUntil('\r\n\r\n', 16_384)).toString('latin1')
    const match = /^CONNECT (\S+) HTTP\/1\.[01]\r\n/.exec(head)
    if (!match) {
      socket.end('HTTP/1.0 405 Method Not Allowed\r\n\r\n')
      return
    }
    const authority = match[1]!
    proxy.requests.push(authority)
    const header = /\r\nProxy-Authorization: Basic (\S+)\r\n/i.exec(head)
    if (header) proxy.credentials.push(Buffer.from(header[1]!, 'base64').toString())
    if (auth && (!header || Buffer.from(header[1]!, 'base64').toString() !== `${auth.username}:${auth.password}`)) {
      socket.end('HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n')
      return
    }
    const at = authority.lastIndexOf(':')
    const host = authority.slice(0, at).replace(/^\[|\]$/g, '')
    const port = Number(authority.slice(at + 1))
    await tunnel(socket, host, port, r, (ok) => Buffer.from(ok ? 'HTTP/1.0 200 Connection established\r\nVia: test\r\n\r\n' : 'HTTP/1.0 502 Bad Gateway\r\n\r\n'))
  })
}

/** An echo server on 127.0.0.1 that prefixes nothing: what comes in goes back. */
export async function echoServer(host = '127.0.0.1'): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    socket.pipe(socket)
  })
  server.listen(0, host)
  await once(server, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const sockets = new Set<net.Socket>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  onTestFinished(() => {
    for (const s of sockets) s.destroy()
  })
  return { port: (server.address() as net.AddressInfo).port, server }
}
