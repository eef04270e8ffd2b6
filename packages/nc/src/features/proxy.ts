import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import { ErrorCode, NetworkError, TimeoutError, UsageError, basicCredentials, checkCredentials, formatHostPort, ipAddressBytes, parseHostPort } from '@netkit/shared'
import { answerChallenge, chooseChallenge, parseChallenges } from './http-auth.js'

/**
 * Proxy client handshakes for `-x addr[:port] -X 5|4|connect` (OpenBSD nc's letters): SOCKS5
 * (RFC 1928, with RFC 1929 username/password), SOCKS4a, and HTTP CONNECT (with Basic auth).
 *
 * Each handshake is sans-I/O: an object that produces the bytes to send and is fed the bytes
 * received; `negotiateProxy` drives one over a connected socket. After the handshake the socket
 * is a plain tunnel to the target, and bytes the proxy sent past its reply are put back.
 */

export type ProxyProtocol = 'socks5' | 'socks4' | 'connect'
/** Where the target's name is resolved: by us (`local`) or by the proxy (`remote`, the default). */
export type ProxyDns = 'local' | 'remote'

export interface ProxyTarget {
  host: string
  port: number
}

export interface ProxyCredentials {
  username: string
  password?: string
}

export interface ProxyOptions {
  protocol: ProxyProtocol
  host: string
  port: number
  credentials?: ProxyCredentials
  dns?: ProxyDns
}

/** OpenBSD nc's default proxy ports: 1080 for SOCKS, 3128 for HTTP CONNECT. */
export const DEFAULT_PROXY_PORT: Record<ProxyProtocol, number> = { socks5: 1080, socks4: 1080, connect: 3128 }
/** The largest HTTP CONNECT response header accepted, so a hostile proxy cannot grow our buffer. */
export const MAX_PROXY_RESPONSE = 16 * 1024

export interface HandshakeResult {
  /** Bytes to send now, if any. */
  send?: Buffer
  /** The tunnel is open. */
  done: boolean
  /** Bytes received after the proxy's reply: the first bytes from the target. */
  rest: Buffer
  /** The proxy closes after its 407: start again on a new connection with this Proxy-Authorization. */
  reconnect?: string
}

export interface ProxyHandshake {
  /** The first bytes to send. */
  start(): Buffer
  /** Feed received bytes; throws a NetworkError when the proxy refuses. */
  feed(chunk: Buffer): HandshakeResult
}

/** `-X 5`, `-X 4`, `-X connect` (OpenBSD's spellings; `socks5`, `socks4`, `socks4a`, `http` too). */
export function parseProxyProtocol(text: string): ProxyProtocol {
  switch (text.toLowerCase()) {
    case '5':
    case 'socks5':
      return 'socks5'
    case '4':
    case 'socks4':
    case 'socks4a':
      return 'socks4'
    case 'connect':
    case 'http':
      return 'connect'
    default:
      throw new UsageError(`unknown proxy protocol: ${text} (use 5, 4 or connect)`)
  }
}

/** `-x addr[:port]`: host, `host:port`, `[v6]` or `[v6]:port`, with the protocol's default port. */
export function parseProxyAddress(text: string, protocol: ProxyProtocol): { host: string; port: number } {
  const value = text.trim()
  if (value === '') throw new UsageError('missing proxy address')
  const bracketed = /^\[[^\]]+\]$/.test(value)
  const colons = (value.match(/:/g) ?? []).length
  if (bracketed || colons === 0 || (colons > 1 && !value.startsWith('['))) {
    const host = bracketed ? value.slice(1, -1) : value
    if (colons > 1 && !bracketed && isIP(host) !== 6) throw new UsageError(`invalid proxy address: ${JSON.stringify(value)}`)
    return { host, port: DEFAULT_PROXY_PORT[protocol] }
  }
  return parseHostPort(value)
}

/** `--proxy-auth user:pass`, or `-P user` with the password from `NETKIT_PROXY_PASSWORD`. */
export function parseProxyCredentials(auth: string | undefined, user: string | undefined, env: NodeJS.ProcessEnv = process.env): ProxyCredentials | undefined {
  if (auth !== undefined) {
    const colon = auth.indexOf(':')
    if (colon < 0) return { username: auth, password: env.NETKIT_PROXY_PASSWORD }
    return { username: auth.slice(0, colon), password: auth.slice(colon + 1) }
  }
  if (user !== undefined) return { username: user, password: env.NETKIT_PROXY_PASSWORD }
  return undefined
}

function proxyError(protocol: ProxyProtocol, reason: string): NetworkError {
  const name = protocol === 'connect' ? 'HTTP proxy' : protocol === 'socks5' ? 'SOCKS5 proxy' : 'SOCKS4 proxy'
  return new NetworkError(ErrorCode.PROXY_ERROR, `${name}: ${reason}`, undefined, { operation: 'proxy' })
}

const SOCKS5_REPLIES: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'Network is unreachable',
  4: 'No route to host',
  5: 'Connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
}

/** SOCKS5: greeting, optional username/password, CONNECT, a reply of variable length. */
export function socks5Handshake(target: ProxyTarget, credentials?: ProxyCredentials): ProxyHandshake {
  const user = credentials ? Buffer.from(credentials.username, 'utf8') : undefined
  const pass = credentials ? Buffer.from(credentials.password ?? '', 'utf8') : undefined
  if ((user && user.length > 255) || (pass && pass.length > 255)) throw new UsageError('SOCKS5 user name and password are limited to 255 bytes each')
  const family = isIP(target.host)
  const hostBytes = Buffer.from(target.host, 'utf8')
  if (family === 0 && (hostBytes.length === 0 || hostBytes.length > 255)) throw new UsageError(`host name too long for SOCKS5: ${target.host}`)
  const port = Buffer.alloc(2)
  port.writeUInt16BE(target.port)
  const address =
    family === 4
      ? Buffer.concat([Buffer.from([1]), ipAddressBytes(target.host)])
      : family === 6
        ? Buffer.concat([Buffer.from([4]), ipAddressBytes(target.host)])
        : Buffer.concat([Buffer.from([3, hostBytes.length]), hostBytes])
  const request = Buffer.concat([Buffer.from([5, 1, 0]), address, port])

  let state: 'method' | 'auth' | 'reply' = 'method'
  let buffer: Buffer = Buffer.alloc(0)
  return {
    start: () => Buffer.from(credentials ? [5, 2, 0, 2] : [5, 1, 0]),
    feed(chunk) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      let send: Buffer | undefined
      const queue = (bytes: Buffer) => {
        send = send ? Buffer.concat([send, bytes]) : bytes
      }
      for (;;) {
        if (state === 'method') {
          if (buffer.length < 2) break
          if (buffer[0] !== 5) throw proxyError('socks5', 'not a SOCKS5 proxy (bad reply version)')
          const method = buffer[1]
          buffer = buffer.subarray(2)
          if (method === 0) {
            queue(request)
            state = 'reply'
          } else if (method === 2 && user && pass) {
            queue(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]))
            state = 'auth'
          } else if (method === 0xff || method === 2) {
            throw proxyError('socks5', credentials ? 'no acceptable authentication method' : 'proxy requires authentication (use --proxy-auth user:pass)')
          } else {
            throw proxyError('socks5', `proxy chose an unsupported authentication method (${method})`)
          }
        } else if (state === 'auth') {
          if (buffer.length < 2) break
          if (buffer[1] !== 0) throw proxyError('socks5', 'authentication failed')
          buffer = buffer.subarray(2)
          queue(request)
          state = 'reply'
        } else {
          if (buffer.length < 5) break
          if (buffer[0] !== 5) throw proxyError('socks5', 'not a SOCKS5 proxy (bad reply version)')
          const code = buffer[1]!
          if (code !== 0) {
            throw proxyError('socks5', `connect to ${target.host} port ${target.port} failed: ${SOCKS5_REPLIES[code] ?? `error ${code}`}`)
          }
          const atyp = buffer[3]
          const addressLength = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + buffer[4]! : -1
          if (addressLength < 0) throw proxyError('socks5', `bad address type in reply (${atyp})`)
          const total = 4 + addressLength + 2
          if (buffer.length < total) break
          return { send, done: true, rest: buffer.subarray(total) }
        }
      }
      return { send, done: false, rest: Buffer.alloc(0) }
    },
  }
}

const SOCKS4_REPLIES: Record<number, string> = {
  0x5b: 'request rejected or failed',
  0x5c: 'request rejected: the proxy cannot reach identd on this host',
  0x5d: 'request rejected: identd reported a different user',
}

/** SOCKS4a: a name the proxy resolves goes after the user id, with the address 0.0.0.1. */
export function socks4Handshake(target: ProxyTarget, userId = ''): ProxyHandshake {
  const family = isIP(target.host)
  if (family === 6) throw new UsageError('SOCKS4 cannot reach IPv6 addresses (use -X 5)')
  const head = Buffer.alloc(8)
  head.writeUInt8(4, 0)
  head.writeUInt8(1, 1)
  head.writeUInt16BE(target.port, 2)
  if (family === 4) ipAddressBytes(target.host).copy(head, 4)
  else head.writeUInt32BE(1, 4)
  const parts = [head, Buffer.from(userId, 'utf8'), Buffer.from([0])]
  if (family === 0) parts.push(Buffer.from(target.host, 'utf8'), Buffer.from([0]))
  let buffer: Buffer = Buffer.alloc(0)
  return {
    start: () => Buffer.concat(parts),
    feed(chunk) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      if (buffer.length < 8) return { done: false, rest: Buffer.alloc(0) }
      if (buffer[0] !== 0) throw proxyError('socks4', 'not a SOCKS4 proxy (bad reply version)')
      const code = buffer[1]!
      if (code !== 0x5a) throw proxyError('socks4', `connect to ${target.host} port ${target.port} failed: ${SOCKS4_REPLIES[code] ?? `error ${code}`}`)
      return { done: true, rest: buffer.subarray(8) }
    },
  }
}

/** The parts of a proxy's response head the CONNECT handshake looks at. */
interface ProxyReply {
  status: number
  reason: string
  /** Lower-cased names. */
  headers: Array<[string, string]>
  /** The proxy keeps the connection after this reply (HTTP/1.1 without Connection: close) and its body has a known length. */
  reusable: boolean
  bodyLength: number
}

function parseProxyReply(head: string): ProxyReply {
  const lines = head.split('\r\n')
  const statusLine = lines[0]!
  const match = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(statusLine)
  if (!match) throw proxyError('connect', `not an HTTP proxy (status line ${JSON.stringify(statusLine.slice(0, 80))})`)
  const headers: Array<[string, string]> = []
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()])
  }
  const value = (name: string) => headers.filter(([n]) => n === name).map(([, v]) => v)
  const closes = value('connection').some((v) => /(^|,)\s*close\s*(,|$)/i.test(v))
  const lengths = value('content-length')
  const bodyLength = lengths.length === 1 && /^\d{1,9}$/.test(lengths[0]!) ? Number(lengths[0]) : -1
  const reusable = match[1] === '1' && !closes && bodyLength >= 0 && value('transfer-encoding').length === 0
  return { status: Number(match[2]), reason: (match[3] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 120), headers, reusable, bodyLength }
}

/** The credentials as the wire gate admits them (no line breaks, no control characters, bounded). */
function checkedCredentials(credentials: ProxyCredentials): { username: string; password: string } {
  const { user, password } = checkCredentials(credentials.username, credentials.password ?? '', 'proxy credentials')
  return { username: user, password }
}

/**
 * HTTP CONNECT (HTTP/1.0 as OpenBSD nc sends it), any 2xx opens the tunnel. With credentials it
 * sends Basic up front, as ncat and curl do, and answers one Digest challenge in a 407 (RFC 7616:
 * MD5 or SHA-256, qop auth or none): on the same connection when the proxy keeps it, else with
 * `reconnect`, for the caller to start again on a new connection with `authorization` given.
 * Without credentials it never sends any.
 */
export function httpConnectHandshake(target: ProxyTarget, credentials?: ProxyCredentials, authorization?: string): ProxyHandshake {
  const authority = isIP(target.host) === 6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
  if (/[\s\r\n]/.test(authority)) throw new UsageError(`invalid host for HTTP CONNECT: ${JSON.stringify(target.host)}`)
  const checked = credentials && checkedCredentials(credentials)
  const request = (auth: string | undefined) => {
    let text = `CONNECT ${authority} HTTP/1.0\r\nHost: ${authority}\r\n`
    if (auth !== undefined) text += `Proxy-Authorization: ${auth}\r\n`
    return Buffer.from(`${text}\r\n`, 'utf8')
  }
  // A Digest answer is given once: after it (or when started with one), a 407 is a failure.
  let answered = authorization !== undefined
  let buffer: Buffer = Buffer.alloc(0)
  let skip = 0
  const onAuthRequired = (reply: ProxyReply, rest: Buffer): HandshakeResult => {
    if (!checked) throw proxyError('connect', 'proxy requires authentication (407; use --proxy-auth user:pass)')
    const challenge = answered ? undefined : chooseChallenge(parseChallenges(reply.headers.filter(([n]) => n === 'proxy-authenticate').map(([, v]) => v)))
    if (!challenge || challenge.scheme !== 'digest') throw proxyError('connect', `authentication failed (407 ${reply.reason})`.trimEnd())
    answered = true
    const answer = answerChallenge(challenge, checked, { method: 'CONNECT', uri: authority })
    if (!reply.reusable) return { done: false, rest: Buffer.alloc(0), reconnect: answer }
    skip = reply.bodyLength
    buffer = Buffer.alloc(0)
    const again = request(answer)
    const more = rest.length > 0 ? feed(rest) : { done: false, rest: Buffer.alloc(0) }
    return { ...more, send: more.send ? Buffer.concat([again, more.send]) : again }
  }
  const feed = (chunk: Buffer): HandshakeResult => {
    if (skip > 0) {
      const dropped = Math.min(skip, chunk.length)
      skip -= dropped
      chunk = chunk.subarray(dropped)
      if (chunk.length === 0) return { done: false, rest: Buffer.alloc(0) }
    }
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
    const end = buffer.indexOf('\r\n\r\n')
    if (end < 0 || end > MAX_PROXY_RESPONSE) {
      if (buffer.length > MAX_PROXY_RESPONSE || end > MAX_PROXY_RESPONSE) throw proxyError('connect', `response header larger than ${MAX_PROXY_RESPONSE} bytes`)
      return { done: false, rest: Buffer.alloc(0) }
    }
    const reply = parseProxyReply(buffer.subarray(0, end).toString('latin1'))
    const rest = buffer.subarray(end + 4)
    if (reply.status === 407) return onAuthRequired(reply, rest)
    if (reply.status < 200 || reply.status > 299) throw proxyError('connect', `CONNECT ${authority} refused: ${reply.status} ${reply.reason}`.trimEnd())
    return { done: true, rest }
  }
  return {
    start: () => request(authorization ?? (checked && basicCredentials({ user: checked.username, password: checked.password }, 'proxy credentials'))),
    feed,
  }
}

/** The handshake for `options`, resolving the target's name first when `dns` is `local`. */
export async function createProxyHandshake(options: ProxyOptions, target: ProxyTarget, authorization?: string): Promise<ProxyHandshake> {
  let host = target.host
  if (options.dns === 'local' && isIP(host) === 0) {
    try {
      const found = await lookup(host, options.protocol === 'socks4' ? { family: 4 } : {})
      host = found.address
    } catch (err) {
      const errno = (err as NodeJS.ErrnoException).code
      throw new NetworkError(ErrorCode.HOST_NOT_FOUND, `getaddrinfo for host "${target.host}" port ${target.port}: Name or service not known`, errno, {
        operation: 'resolve',
        host: target.host,
        port: target.port,
      }, err)
    }
  }
  const resolved = { host, port: target.port }
  switch (options.protocol) {
    case 'socks5':
      return socks5Handshake(resolved, options.credentials)
    case 'socks4':
      return socks4Handshake(resolved, options.credentials?.username)
    case 'connect':
      return httpConnectHandshake(resolved, options.credentials, authorization)
  }
}

/**
 * Drive `handshake` over a socket connected to the proxy. Resolves once the tunnel is open,
 * with the socket paused and any early target bytes put back; rejects with one clear error.
 */
export function negotiateProxy(socket: Duplex, handshake: ProxyHandshake, options: { timeout?: number; proxy?: string } = {}): Promise<{ reconnect?: string }> {
  const where = options.proxy ? ` (proxy ${options.proxy})` : ''
  return new Promise<{ reconnect?: string }>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const cleanup = () => {
      if (timer) clearTimeout(timer)
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onError)
      socket.off('close', onEnd)
    }
    const fail = (err: Error) => {
      cleanup()
      socket.destroy()
      reject(err)
    }
    const onData = (chunk: Buffer) => {
      try {
        const result = handshake.feed(chunk)
        if (result.reconnect !== undefined) {
          cleanup()
          socket.destroy()
          resolve({ reconnect: result.reconnect })
          return
        }
        if (result.send) socket.write(result.send)
        if (result.done) {
          // Stop the flow before the listener goes, or later bytes would be lost.
          socket.pause()
          cleanup()
          if (result.rest.length > 0) socket.unshift(result.rest)
          resolve({})
        }
      } catch (err) {
        fail(err as Error)
      }
    }
    const onEnd = () => fail(new NetworkError(ErrorCode.PROXY_ERROR, `proxy closed the connection during the handshake${where}`, undefined, { operation: 'proxy' }))
    const onError = (err: Error) => fail(new NetworkError(ErrorCode.PROXY_ERROR, `proxy handshake failed${where}: ${err.message}`, (err as NodeJS.ErrnoException).code, { operation: 'proxy' }, err))
    if (options.timeout !== undefined && options.timeout > 0) {
      timer = setTimeout(() => fail(new TimeoutError(`proxy handshake timed out${where}`, { operation: 'proxy' })), options.timeout)
    }
    socket.on('data', onData)
    socket.on('end', onEnd)
    socket.on('close', onEnd)
    socket.on('error', onError)
    try {
      socket.write(handshake.start())
    } catch (err) {
      fail(err as Error)
    }
  })
}

/** Parse `-X`/`-x`/`-P`/`--proxy-auth`/`--proxy-dns` into ProxyOptions (undefined without -x). */
export function proxyOptionsFromArgs(args: {
  proxy?: string
  proxyType?: string
  proxyUser?: string
  proxyAuth?: string
  proxyDns?: string
}, env: NodeJS.ProcessEnv = process.env): ProxyOptions | undefined {
  if (args.proxy === undefined) {
    if (args.proxyType !== undefined || args.proxyUser !== undefined || args.proxyAuth !== undefined) {
      throw new UsageError('-X, -P and --proxy-auth need a proxy address (-x addr[:port])')
    }
    return undefined
  }
  const protocol = parseProxyProtocol(args.proxyType ?? '5')
  const { host, port } = parseProxyAddress(args.proxy, protocol)
  const dns = (args.proxyDns ?? 'remote').toLowerCase()
  if (dns !== 'local' && dns !== 'remote') throw new UsageError(`invalid --proxy-dns: ${args.proxyDns} (use local or remote)`)
  return { protocol, host, port, dns, credentials: parseProxyCredentials(args.proxyAuth, args.proxyUser, env) }
}

export function describeProxy(options: ProxyOptions): string {
  return `${formatHostPort(options.host, options.port)} (${options.protocol})`
}
