import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'
import { formatHostPort, InvalidArgumentError, toNetworkError } from '@netkit/shared'
import { Connection, CLOSE_GOING_AWAY, type ConnectionHost } from './connection.js'
import type { RejectEvent, WsEchoEvent, WsEchoSummary } from './events.js'

/** The port `ws-echo` listens on when none is given (the seed's `localhost:8765`). */
export const DEFAULT_PORT = 8765
export const DEFAULT_HOST = '127.0.0.1'
/** Largest message accepted (after decompression); larger ones close the connection with 1009. */
export const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024
/** How often every peer is pinged; a peer that has not answered the previous ping is terminated. */
export const DEFAULT_PING_INTERVAL_MS = 20_000
/** How long close() lets connections finish their close handshake before terminating them. */
export const DEFAULT_GRACE_MS = 5_000
/** Unsent echo bytes above which a connection stops being read. */
export const DEFAULT_HIGH_WATER = 256 * 1024
/** Kernel accept queue, as tcp-echo: Node's 511 overflows when many clients connect at once. */
const BACKLOG = 4096
/** How long a rejected request's socket may take to read our answer. */
const REJECT_LINGER_MS = 2_000

export interface WsEchoServerOptions {
  /** Address to bind (default `127.0.0.1`). */
  host?: string
  /** Port to bind (default 8765); 0 asks the kernel for a free one. */
  port?: number
  /** Accept upgrades on this path only (e.g. `/echo`); any other path gets 404. Default: any path. */
  path?: string
  /** Prepended to every text message echoed (the seed's `收到: `); binary messages are echoed as is. */
  prefix?: string
  /** Largest message in bytes, after decompression (default 16 MiB); larger ones close with 1009. */
  maxMessage?: number
  /** Most WebSocket connections at once; further upgrades get 503. Default: no limit. */
  maxConns?: number
  /** Close (1000, "idle timeout") a connection that sent no message for this many ms (0 or unset: never). */
  idleTimeout?: number
  /** Ping every peer this often, ms (default 20,000; 0: never); one that missed the previous pong is terminated. */
  pingInterval?: number
  /** Offer permessage-deflate (default false). `maxMessage` still caps the inflated size. */
  compress?: boolean
  /** Serve wss:// with this PEM certificate and key. */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** Default grace period of close(), ms (default 5,000). */
  grace?: number
  /** Unsent echo bytes above which a connection stops being read (default 256 KiB). */
  highWater?: number
  /** Called for every event (listening, open, close, reject, error, summary), synchronously. */
  onEvent?: (event: WsEchoEvent) => void
}

export interface WsEchoAddress {
  host: string
  port: number
  family: 'IPv4' | 'IPv6'
}

export interface ConnectionInfo {
  id: number
  peer: string
  messages: number
  bytesIn: number
  bytesOut: number
  /** Echo bytes not yet sent plus bytes read but not yet parsed. */
  buffered: number
  /** Reading stopped because echoes wait to be sent. */
  paused: boolean
}

export interface WsEchoServer {
  readonly address: WsEchoAddress
  /** `ws://127.0.0.1:8765/` (or wss://, with the path option). */
  readonly url: string
  /** A snapshot of the counters so far. */
  readonly stats: WsEchoSummary & { open: number }
  /** The open connections (for tests and dashboards). */
  connections(): ConnectionInfo[]
  /**
   * Stop accepting, close every connection with 1001 (going away), wait up to `graceMs` (default:
   * the `grace` option) for the close handshakes, then terminate the rest. Resolves with the
   * summary once every connection is closed. Idempotent.
   */
  close(graceMs?: number): Promise<WsEchoSummary>
  /** The underlying http(s).Server (read-only use). */
  readonly server: Server
}

/**
 * Start a WebSocket echo server on `ws` (loaded here, so a CLI that only prints --version never
 * loads it). Resolves once it is listening; rejects with a NetworkError when it cannot bind.
 */
export async function createWsEchoServer(options: WsEchoServerOptions = {}): Promise<WsEchoServer> {
  checkOptions(options)
  const { WebSocketServer } = await import('ws')
  const host = options.host ?? DEFAULT_HOST
  const port = options.port ?? DEFAULT_PORT
  const onEvent = options.onEvent
  const state = new ServerState(options)
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: options.maxMessage ?? DEFAULT_MAX_MESSAGE,
    perMessageDeflate: options.compress === true,
  })
  // node:https (and node:tls) only for wss://: a plain server never loads them.
  const server = options.tls
    ? (await import('node:https')).createServer({ cert: options.tls.cert, key: options.tls.key })
    : createHttpServer()
  // The socket an upgrade hands over: the TLS socket for wss (its raw socket must not be destroyed at shutdown).
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => state.trackHttpSocket(socket))
  server.on('request', (req: IncomingMessage, res: ServerResponse) => state.answerRequest(req, res))
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const refusal = state.refusal(req)
    if (refusal) return state.reject(socket, refusal)
    state.untrackHttpSocket(socket)
    wss.handleUpgrade(req, socket, head, (ws) => state.accept(ws, socket, req))
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(toNetworkError(err, { operation: 'bind', host, port, protocol: 'tcp' }))
    server.once('error', onError)
    server.listen({ host, port, backlog: BACKLOG }, () => {
      server.off('error', onError)
      resolve()
    })
  })
  server.on('error', (err: Error) => {
    const e = toNetworkError(err, { operation: 'accept', protocol: 'tcp' })
    onEvent?.({ event: 'error', code: e.code, message: e.message })
  })
  const bound = server.address()
  if (bound === null || typeof bound === 'string') throw new Error('WebSocket server has no address')
  const address: WsEchoAddress = { host: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' }
  const scheme = options.tls ? 'wss' : 'ws'
  onEvent?.({ event: 'listening', ...address, scheme, ...(options.path === undefined ? {} : { path: options.path }) })
  state.startTimers()

  return {
    address,
    url: `${scheme}://${formatHostPort(address.host, address.port)}${options.path ?? '/'}`,
    get stats() {
      return { ...state.summary(), open: state.open.size }
    },
    connections: () => [...state.open].map((c) => ({
      id: c.id,
      peer: c.peer,
      messages: c.messages,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      buffered: c.buffered,
      paused: c.paused,
    })),
    close: (graceMs = options.grace ?? DEFAULT_GRACE_MS) => state.close(server, graceMs),
    server,
  }
}

/** Everything a running server keeps: open connections, counters, timers. */
class ServerState implements ConnectionHost {
  readonly prefix: Buffer | undefined
  readonly highWater: number
  readonly compress: boolean
  readonly open = new Set<Connection>()
  /** Sockets still speaking plain HTTP (destroyed at shutdown so the process can exit). */
  private readonly httpSockets = new Set<Socket>()
  messages = 0
  bytesIn = 0
  bytesOut = 0
  private nextId = 1
  private peak = 0
  private rejected = 0
  private timeouts = 0
  private forced = 0
  private readonly protocolErrors: Record<string, number> = {}
  private readonly started = Date.now()
  private readonly timers: NodeJS.Timeout[] = []
  private closing: Promise<WsEchoSummary> | undefined
  private allClosed: (() => void) | undefined

  constructor(private readonly options: WsEchoServerOptions) {
    this.prefix = options.prefix ? Buffer.from(options.prefix, 'utf8') : undefined
    this.highWater = options.highWater ?? DEFAULT_HIGH_WATER
    this.compress = options.compress === true
  }

  trackHttpSocket(socket: Socket): void {
    this.httpSockets.add(socket)
    socket.once('close', () => this.httpSockets.delete(socket))
  }

  untrackHttpSocket(socket: Socket): void {
    this.httpSockets.delete(socket)
  }

  /** A plain HTTP request: 404 off the path, else 426 (this server speaks WebSocket only). */
  answerRequest(req: IncomingMessage, res: ServerResponse): void {
    const wrongPath = !this.onPath(req)
    const status = wrongPath ? 404 : 426
    this.countReject(req.socket, wrongPath ? 'path' : 'not-upgrade', status)
    const body = wrongPath
      ? `not found: WebSocket upgrades are served on ${this.options.path}\n`
      : 'upgrade required: this is a WebSocket echo server\n'
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
      ...(wrongPath ? {} : { Upgrade: 'websocket' }),
    })
    res.end(body)
  }

  /** Why an upgrade request is refused (status and reason), or undefined to accept it. */
  refusal(req: IncomingMessage): { status: number; reason: RejectEvent['reason']; body: string } | undefined {
    if (this.closing) return { status: 503, reason: 'shutting-down', body: 'server shutting down\n' }
    if (!this.onPath(req)) return { status: 404, reason: 'path', body: `not found: WebSocket upgrades are served on ${this.options.path}\n` }
    const max = this.options.maxConns
    if (max !== undefined && this.open.size >= max) return { status: 503, reason: 'max-conns', body: `too many connections (max ${max})\n` }
    return undefined
  }

  reject(socket: Socket, refusal: NonNullable<ReturnType<ServerState['refusal']>>): void {
    this.countReject(socket, refusal.reason, refusal.status)
    socket.on('error', () => {})
    const head =
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(refusal.body)}\r\n\r\n`
    socket.end(head + refusal.body)
    setTimeout(() => socket.destroy(), REJECT_LINGER_MS).unref()
  }

  accept(ws: WebSocket, socket: Socket, req: IncomingMessage): void {
    const peer = formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)
    const conn = new Connection(this.nextId++, ws, socket, peer, req.url ?? '/', this)
    this.open.add(conn)
    if (this.open.size > this.peak) this.peak = this.open.size
    this.options.onEvent?.({ event: 'open', id: conn.id, peer, path: conn.path, open: this.open.size })
  }

  onClose(conn: Connection): void {
    this.open.delete(conn)
    if (conn.reason === 'protocol-error' && conn.code !== undefined) {
      this.protocolErrors[conn.code] = (this.protocolErrors[conn.code] ?? 0) + 1
    }
    this.options.onEvent?.({
      event: 'close',
      id: conn.id,
      peer: conn.peer,
      reason: conn.reason ?? 'close',
      code: conn.code ?? 1005,
      messages: conn.messages,
      bytesIn: conn.bytesIn,
      bytesOut: conn.bytesOut,
      durationMs: Date.now() - conn.openedAt,
      ...(conn.error === undefined ? {} : { error: conn.error }),
    })
    if (this.open.size === 0) this.allClosed?.()
  }

  startTimers(): void {
    const ping = this.options.pingInterval ?? DEFAULT_PING_INTERVAL_MS
    if (ping > 0) this.timers.push(setInterval(() => this.pingSweep(ping), ping).unref())
    const idle = this.options.idleTimeout ?? 0
    // Four sweeps per idle period: a connection closes between 1 and 1.25 idle periods after its last message.
    if (idle > 0) this.timers.push(setInterval(() => this.idleSweep(), Math.max(10, Math.floor(idle / 4))).unref())
  }

  private pingSweep(interval: number): void {
    for (const conn of this.open) {
      if (conn.closing) continue
      if (!conn.alive) {
        this.timeouts++
        conn.terminate('ping-timeout', `no pong within ${interval} ms`)
        continue
      }
      conn.alive = false
      conn.ws.ping()
    }
  }

  private idleSweep(): void {
    for (const conn of this.open) {
      if (conn.active) {
        conn.active = false
        conn.idleSweeps = 0
      } else if (++conn.idleSweeps >= 4 && !conn.closing) {
        this.timeouts++
        conn.error = `no message for ${this.options.idleTimeout} ms`
        conn.close('idle-timeout', 1000, 'idle timeout')
      }
    }
  }

  private countReject(socket: Socket, reason: RejectEvent['reason'], status: number): void {
    this.rejected++
    const peer = formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)
    this.options.onEvent?.({ event: 'reject', peer, status, reason })
  }

  private onPath(req: IncomingMessage): boolean {
    const path = this.options.path
    if (path === undefined) return true
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    return (q < 0 ? url : url.slice(0, q)) === path
  }

  summary(): WsEchoSummary {
    return {
      connections: this.nextId - 1,
      peak: this.peak,
      rejected: this.rejected,
      messages: this.messages,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      protocolErrors: { ...this.protocolErrors },
      timeouts: this.timeouts,
      forced: this.forced,
      durationMs: Date.now() - this.started,
    }
  }

  close(server: Server, graceMs: number): Promise<WsEchoSummary> {
    this.closing ??= new Promise<WsEchoSummary>((resolve) => {
      for (const t of this.timers) clearInterval(t)
      server.close()
      for (const socket of this.httpSockets) socket.destroy()
      const finish = () => {
        clearTimeout(timer)
        const result = this.summary()
        this.options.onEvent?.({ event: 'summary', ...result })
        resolve(result)
      }
      const timer = setTimeout(() => {
        for (const conn of this.open) {
          this.forced++
          conn.terminate('shutdown', `still open after the ${graceMs} ms grace period`)
        }
      }, graceMs)
      timer.unref()
      for (const conn of this.open) conn.close('shutdown', CLOSE_GOING_AWAY, 'server shutting down')
      if (this.open.size === 0) finish()
      else this.allClosed = finish
    })
    return this.closing
  }
}

function checkOptions(options: WsEchoServerOptions): void {
  const whole = (name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got ${value}`)
    }
  }
  whole('port', options.port, 0, 65_535)
  whole('maxConns', options.maxConns, 1)
  whole('maxMessage', options.maxMessage, 1)
  whole('idleTimeout', options.idleTimeout, 0, 2 ** 31 - 1)
  whole('pingInterval', options.pingInterval, 0, 2 ** 31 - 1)
  whole('grace', options.grace, 0, 2 ** 31 - 1)
  whole('highWater', options.highWater, 1)
  if (options.path !== undefined && !options.path.startsWith('/')) {
    throw new InvalidArgumentError(`path must start with '/', got ${JSON.stringify(options.path)}`)
  }
}
