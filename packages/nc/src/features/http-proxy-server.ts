/**
 * `nc -l --proxy-type http`: a small HTTP proxy, as ncat's. CONNECT opens a tunnel; GET, HEAD and
 * POST with an absolute http:// URI are forwarded to the origin in origin-form, one request per
 * client connection (Connection: close both ways). The request head is parsed by http-get's
 * sans-I/O RequestParser; a tunnel is a session of nc's engine between the two sockets.
 *
 * An open proxy relays anyone's traffic: it listens on 127.0.0.1 unless a host is given, and
 * --proxy-auth, --allow and --deny are the ways to open it up safely.
 */
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { ErrorCode, formatHostPort } from '@netkit/shared'
import { HttpParseError, RequestParser, headerTokens, headerValues, type HeaderList, type RequestEvent, type RequestHead } from '@netkit/http-get'
import type { ConnectionHandler, PeerInfo } from '../net/listen.js'
import { relay } from '../session/stream-transport.js'
import { ProxyAuthVerifier, type HttpCredentials } from './http-auth.js'

/** Methods forwarded besides CONNECT (ncat forwards the same three). */
const FORWARDED_METHODS = new Set(['GET', 'HEAD', 'POST'])
/** RFC 9110 section 7.6.1 hop-by-hop fields, plus the proxy's own credentials and the body framing we redo. */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate'])
/** Fields that must stay one line per value (RFC 9110 section 5.3: Set-Cookie; never in a request, kept for safety). */
const NEVER_MERGED = new Set(['set-cookie'])
/** Longest request line (answered 414) and header section (answered 431), in bytes. */
export const MAX_REQUEST_LINE = 8 * 1024
export const MAX_REQUEST_HEAD = 32 * 1024
/** A client that has not sent a whole request head by then gets 408 and is closed (slow loris). */
export const DEFAULT_HEAD_TIMEOUT_MS = 10_000
/** Connect timeout to a target without -w. */
const DEFAULT_DIAL_TIMEOUT_MS = 30_000

export interface HttpProxyServerOptions {
  /** --proxy-auth user:pass: clients must authenticate (Basic or Digest). */
  credentials?: HttpCredentials
  realm?: string
  /** -w: connect timeout to the target, in ms. */
  connectTimeoutMs?: number
  /** --proxy-head-timeout: time allowed for the whole request head. */
  headTimeoutMs?: number
  /** -v: one line per connection, whatever its outcome. */
  log?: (line: string) => void
}

const REASONS: Record<number, string> = {
  200: 'Connection established',
  400: 'Bad Request',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
  508: 'Loop Detected',
}

/** A whole error response; the connection closes after it. */
export function errorResponse(status: number, extra: readonly string[] = []): string {
  const reason = REASONS[status] ?? 'Error'
  const body = `${status} ${reason}\n`
  return [`HTTP/1.1 ${status} ${reason}`, ...extra, 'Content-Type: text/plain', `Content-Length: ${body.length}`, 'Connection: close', '', body].join('\r\n')
}

/** host:port or [v6]:port of a CONNECT request-target, or undefined when malformed. */
export function parseAuthority(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/.exec(target)
  if (!m) return undefined
  const host = m[1] ?? m[2]!
  const port = Number(m[3])
  if (port < 1 || port > 65535 || (m[1] !== undefined && !net.isIPv6(host))) return undefined
  return { host, port }
}

/** The origin and origin-form of an absolute http:// request-target, or undefined. */
export function parseAbsoluteTarget(target: string): { host: string; port: number; path: string; authority: string } | undefined {
  if (!/^http:\/\//i.test(target)) return undefined
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return undefined
  }
  if (url.username || url.password || url.hostname === '') return undefined
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  return { host, port: url.port ? Number(url.port) : 80, path: `${url.pathname || '/'}${url.search}`, authority: url.host }
}

/**
 * The header lines to forward: hop-by-hop fields (and those Connection names) dropped; repeated
 * fields merged into one line as RFC 9110 section 5.3 allows (Cookie with "; ", RFC 6265); our
 * Via token added, so a request that comes back to us is seen as a loop.
 */
export function forwardedHeaders(headers: HeaderList, via: string): string[] {
  const named = new Set(headerTokens(headers, 'connection'))
  const merged = new Map<string, { name: string; values: string[] }>()
  const lines: string[] = []
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower) || named.has(lower) || lower === 'via' || lower === 'content-length') continue
    if (NEVER_MERGED.has(lower)) {
      lines.push(`${name}: ${value}`)
      continue
    }
    const entry = merged.get(lower)
    if (entry) entry.values.push(value)
    else merged.set(lower, { name, values: [value] })
  }
  for (const [lower, { name, values }] of merged) lines.push(`${name}: ${values.join(lower === 'cookie' ? '; ' : ', ')}`)
  lines.push(`Via: ${[...headerValues(headers, 'via'), via].join(', ')}`)
  lines.push('Connection: close')
  return lines
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '::' || host === '0.0.0.0' || /^::ffff:127\./i.test(host)
}

/** Is host:port this proxy, as the client reached it? (Another name for it is caught by our Via token.) */
function isSelf(host: string, port: number, client: net.Socket): boolean {
  if (port !== client.localPort) return false
  const local = client.localAddress ?? ''
  return host === local || host === local.replace(/^::ffff:/i, '') || isLoopback(host)
}

type HeadResult = { head: RequestHead; events: RequestEvent[] } | { status: number } | 'closed'

/** Read until the parser has a whole request head (or fails, or the client goes, or time runs out). */
function readHead(client: net.Socket, parser: RequestParser, timeoutMs: number): Promise<HeadResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish({ status: 408 }), timeoutMs)
    const finish = (result: HeadResult) => {
      clearTimeout(timer)
      client.off('data', onData)
      client.off('end', onEnd)
      client.off('close', onEnd)
      client.pause()
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      try {
        const events = parser.push(chunk)
        const at = events.findIndex((e) => e.type === 'head')
        if (at >= 0) finish({ head: (events[at] as { head: RequestHead }).head, events: events.slice(at + 1) })
      } catch (err) {
        const code = err instanceof HttpParseError ? err.code : undefined
        finish({ status: code === ErrorCode.HTTP_URI_TOO_LONG ? 414 : code === ErrorCode.HTTP_HEADERS_TOO_LARGE ? 431 : 400 })
      }
    }
    const onEnd = () => finish('closed')
    client.on('data', onData)
    client.once('end', onEnd)
    client.once('close', onEnd)
    client.resume()
  })
}

/** Connect to the target; a status code for the client when that fails. */
function dial(host: string, port: number, timeoutMs: number): Promise<net.Socket | number> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, allowHalfOpen: true })
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(504)
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', () => {
      clearTimeout(timer)
      resolve(502)
    })
  })
}

/**
 * The tunnel: a session of nc's engine with the target as the connection and the client as the
 * local side, so the half-close rules are the engine's (-N: the client's EOF is passed on, the
 * target's EOF ends the session). The request's leftover bytes go first.
 */
async function tunnel(client: net.Socket, upstream: net.Socket, early: Uint8Array): Promise<void> {
  upstream.on('error', () => {})
  // Written ahead of the relay, not unshifted: a client that already sent its EOF cannot take data back.
  if (early.length > 0) upstream.write(early)
  await relay(upstream, { input: client, output: client }, { shutdownOnEof: true })
  client.end()
}

/** Send the request in origin-form with its body (re-framed when chunked), then relay the response as the origin sends it. */
function forward(client: net.Socket, upstream: net.Socket, parser: RequestParser, request: { head: RequestHead; events: RequestEvent[] }, target: { path: string; authority: string }, via: string): Promise<void> {
  const { head } = request
  const lines = [`${head.method} ${target.path} HTTP/1.1`]
  if (headerValues(head.headers, 'host').length === 0) lines.push(`Host: ${target.authority}`)
  lines.push(...forwardedHeaders(head.headers, via))
  if (head.bodyKind === 'chunked') lines.push('Transfer-Encoding: chunked')
  else if (head.bodyKind === 'length') lines.push(`Content-Length: ${head.contentLength}`)
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
  const chunked = head.bodyKind === 'chunked'
  const writeBody = (data: Uint8Array): boolean => (chunked ? upstream.write(`${data.length.toString(16)}\r\n`) && upstream.write(data) && upstream.write('\r\n') : upstream.write(data))
  return new Promise<void>((resolve) => {
    let ended = false
    const done = () => {
      client.off('data', onData)
      resolve()
    }
    const handle = (events: RequestEvent[]) => {
      for (const event of events) {
        if (event.type === 'body' && event.data.length > 0 && !writeBody(event.data)) {
          client.pause()
          upstream.once('drain', () => client.resume())
        } else if (event.type === 'end' && !ended) {
          ended = true
          if (chunked) upstream.write('0\r\n\r\n')
          client.off('data', onData)
          client.pause()
        }
      }
    }
    const onData = (chunk: Buffer) => {
      try {
        handle(parser.push(chunk))
      } catch {
        upstream.destroy()
        client.destroy()
      }
    }
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
    upstream.pipe(client)
    handle(request.events)
    if (!ended) {
      client.on('data', onData)
      client.resume()
    }
    upstream.once('close', done)
    client.once('close', () => {
      upstream.destroy()
      done()
    })
  })
}

/** The handler for each client of `nc -l --proxy-type http`. */
export function createHttpProxyHandler(options: HttpProxyServerOptions): ConnectionHandler {
  const verifier = options.credentials ? new ProxyAuthVerifier({ realm: options.realm ?? 'netkit-nc', credentials: options.credentials }) : undefined
  const via = `1.1 netkit-nc-${randomBytes(4).toString('hex')}`
  const log = options.log ?? (() => {})
  const isLoop = (host: string, port: number, head: RequestHead, client: net.Socket) => headerValues(head.headers, 'via').some((v) => v.includes(via)) || isSelf(host, port, client)

  return async (client: net.Socket, peer: PeerInfo) => {
    client.on('error', () => {})
    // A client's EOF must not end our side: the request or tunnel still has an answer to deliver.
    client.allowHalfOpen = true
    const who = formatHostPort(peer.remoteAddress, peer.remotePort)
    const parser = new RequestParser({ maxHeaderSize: MAX_REQUEST_HEAD, maxRequestLine: MAX_REQUEST_LINE })
    const result = await readHead(client, parser, options.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS)
    if (result === 'closed') {
      log(`proxy: ${who}: closed before a whole request`)
      return void client.destroy()
    }
    if ('status' in result) {
      log(`proxy: ${who}: ${result.status} ${REASONS[result.status]}`)
      return void client.end(errorResponse(result.status))
    }
    const { head } = result
    const refuse = (status: number, extra: string[] = []) => {
      log(`proxy: ${who} ${head.method} ${head.target}: ${status} ${REASONS[status]}`)
      client.end(errorResponse(status, extra))
    }
    if (head.method !== 'CONNECT' && !FORWARDED_METHODS.has(head.method)) return refuse(405, ['Allow: CONNECT, GET, HEAD, POST'])
    const absolute = head.method === 'CONNECT' ? undefined : parseAbsoluteTarget(head.target)
    if (verifier) {
      const answer = headerValues(head.headers, 'proxy-authorization')[0]
      let verdict = verifier.verify(answer, head.method, head.target)
      // curl's Digest answer to a proxy names the origin-form path as its uri, not the absolute URI.
      if (verdict === 'bad' && absolute) verdict = verifier.verify(answer, head.method, absolute.path)
      if (verdict !== 'ok') return refuse(407, verifier.challenges(verdict === 'stale').map((c) => `Proxy-Authenticate: ${c}`))
    }
    const target = absolute ?? (head.method === 'CONNECT' ? parseAuthority(head.target) : undefined)
    if (!target) return refuse(400)
    if (isLoop(target.host, target.port, head, client)) return refuse(508)
    const upstream = await dial(target.host, target.port, options.connectTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS)
    if (typeof upstream === 'number') return refuse(upstream)
    if (head.method === 'CONNECT') {
      log(`proxy: ${who} CONNECT ${head.target}: 200`)
      client.write('HTTP/1.1 200 Connection established\r\n\r\n')
      return tunnel(client, upstream, parser.leftover)
    }
    log(`proxy: ${who} ${head.method} ${head.target}: forwarded`)
    return forward(client, upstream, parser, result, absolute!, via)
  }
}
