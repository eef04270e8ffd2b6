import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import { checkHeaderName, checkHeaderValue, checkToken, ErrorCode, trimOws, NetworkError, UsageError, type Logger } from '@netkit/shared'
import { DEFAULT_MAX_MESSAGE, recordEarly, type EarlyEvents } from '../session/ws-transport.js'

/**
 * WebSocket handshakes over a stream nc already opened (TCP, through a proxy, in TLS): the
 * client side for `nc ws://…` and the server side for `nc -l --ws`. Messages then move through
 * the WebSocket transport (session/ws-transport.ts). `ws` is imported here only, so a plain
 * session never loads it.
 */

/** Headers a user may not set: the handshake's own. */
const HANDSHAKE_HEADERS = new Set(['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions'])

export interface WebSocketClientOptions {
  /** ws:// or wss:// URL (the stream is already connected to its host and port). */
  url: string
  /** Extra handshake headers, each `Name: value`. */
  headers?: readonly string[]
  /** Subprotocols to offer. */
  protocols?: readonly string[]
  /** Largest message accepted from the peer (larger: close 1009); default 16 MiB. */
  maxMessage?: number
  /** Give up the handshake after this long. */
  handshakeTimeoutMs?: number
}

export interface WebSocketServerOptions {
  /** Subprotocols accepted: the first the client offers that is in this list is chosen. */
  protocols?: readonly string[]
  maxMessage?: number
}

/** An open WebSocket and what it did before a transport took over. */
export interface OpenWebSocket {
  ws: WebSocket
  early: EarlyEvents
}

/** `Name: value` lines checked where they are written: a name token, a value without CR/LF/controls. */
export function parseHeaderLines(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new UsageError(`--header must be "Name: value" (got ${JSON.stringify(line)})`)
    const name = checkHeaderName(trimOws(line.slice(0, colon)), '--header name')
    if (HANDSHAKE_HEADERS.has(name.toLowerCase())) throw new UsageError(`--header cannot set ${name}: the handshake sets it (subprotocols: --ws-protocol)`)
    // Only SP/HTAB are trimmed: JS trim() would strip CR, VT or NBSP before the gate saw them.
    headers[name] = checkHeaderValue(trimOws(line.slice(colon + 1)), `--header ${name} value`)
  }
  return headers
}

/**
 * Header values as Node's HTTP client writes them: one char per byte. A value is sent as its
 * UTF-8 bytes (as http-get sends -H); Node itself refuses any char above U+00FF.
 */
function asLatin1Bytes(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, 'utf8').toString('latin1')]))
}

/** A comma-separated list of subprotocol tokens (`chat, superchat`). */
export function parseProtocols(list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined
  const protocols = list.split(',').map((p) => checkToken(trimOws(p), '--ws-protocol'))
  if (new Set(protocols).size !== protocols.length) throw new UsageError(`--ws-protocol lists a subprotocol twice: ${list}`)
  return protocols
}

const statusLine = (res: IncomingMessage) => `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()

function handshakeError(url: string, message: string, cause?: unknown): NetworkError {
  return new NetworkError(ErrorCode.WS_HANDSHAKE, `${url}: WebSocket handshake failed: ${message}`, undefined, {}, cause)
}

/**
 * The client handshake on `stream`; resolves once the server answered 101 (-v logs its status
 * line), rejects with the status of any other answer. Validates headers and subprotocols first.
 */
export async function openWebSocket(stream: Duplex, options: WebSocketClientOptions, log?: Logger): Promise<OpenWebSocket> {
  const headers = asLatin1Bytes(parseHeaderLines(options.headers ?? []))
  const protocols = options.protocols?.map((p) => checkToken(p, '--ws-protocol'))
  const { WebSocket } = await import('ws')
  if (stream.destroyed) throw handshakeError(options.url, 'the connection closed before the handshake')
  const ws = new WebSocket(options.url, protocols ?? [], {
    // A stream a proxy negotiation read from is paused; nothing arrives before our request is out.
    createConnection: () => stream.resume() as never,
    headers,
    maxPayload: options.maxMessage ?? DEFAULT_MAX_MESSAGE,
    handshakeTimeout: options.handshakeTimeoutMs,
    perMessageDeflate: false,
    followRedirects: false,
  })
  const early = recordEarly(ws)
  return new Promise<OpenWebSocket>((resolve, reject) => {
    const fail = (error: NetworkError) => {
      ws.off('open', onOpen)
      ws.off('error', onError)
      stream.off('close', onGone)
      stream.destroy()
      reject(error)
    }
    const onOpen = () => {
      ws.off('error', onError)
      stream.off('close', onGone)
      resolve({ ws, early })
    }
    // Closed under us (Ctrl-C, a reset) before ws could tell: the handshake is over.
    const onGone = () => fail(handshakeError(options.url, 'the connection closed before the handshake completed'))
    stream.once('close', onGone)
    const onError = (err: Error) => fail(handshakeError(options.url, err.message, err))
    ws.on('upgrade', (res) => log?.info(statusLine(res)))
    ws.on('unexpected-response', (req, res) => {
      log?.info(statusLine(res))
      req.destroy()
      fail(handshakeError(options.url, `the server answered ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd() + ' (expected 101)'))
    })
    ws.once('open', onOpen)
    ws.on('error', onError)
  })
}

/**
 * The server handshake on an accepted `stream`: Node's HTTP parser reads the request, ws answers
 * the upgrade (101, or 400 for a bad one); a plain request gets 426 and rejects.
 */
export async function acceptWebSocket(stream: Duplex, options: WebSocketServerOptions, log?: Logger): Promise<OpenWebSocket> {
  const { WebSocketServer } = await import('ws')
  const { createServer } = await import('node:http')
  const accepted = options.protocols
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessage ?? DEFAULT_MAX_MESSAGE,
    perMessageDeflate: false,
    handleProtocols: (offered) => accepted?.find((p) => offered.has(p)) ?? false,
  })
  const server = createServer()
  return new Promise<OpenWebSocket>((resolve, reject) => {
    let settled = false
    const settle = (error?: NetworkError, open?: OpenWebSocket) => {
      if (settled) return
      settled = true
      stream.off('close', onGone)
      if (error) reject(error)
      else resolve(open!)
    }
    const onGone = () => settle(new NetworkError(ErrorCode.WS_HANDSHAKE, 'the client left before the WebSocket handshake completed', undefined, {}))
    stream.once('close', onGone)
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        log?.info(`${req.method} ${req.url} HTTP/${req.httpVersion}: 101 Switching Protocols${ws.protocol ? ` (${ws.protocol})` : ''}`)
        settle(undefined, { ws, early: recordEarly(ws) })
      })
    })
    server.on('request', (req, res) => {
      const body = '426 Upgrade Required: this is a WebSocket endpoint\n'
      res.writeHead(426, { Connection: 'close', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Upgrade: 'websocket' })
      res.end(body)
      settle(new NetworkError(ErrorCode.WS_HANDSHAKE, `${req.method} ${req.url}: not a WebSocket upgrade request (answered 426)`, undefined, {}))
    })
    server.on('clientError', (_err, socket) => {
      socket.destroy()
      settle(new NetworkError(ErrorCode.WS_HANDSHAKE, 'the client sent a malformed HTTP request', undefined, {}))
    })
    server.emit('connection', stream)
    // An accepted socket may still be paused (listen's pauseOnConnect): the HTTP parser reads it now.
    stream.resume()
  })
}
