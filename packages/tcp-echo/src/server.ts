import { createServer, type Server, type Socket } from 'node:net'
import { bindServer, checkCount, ErrorCode, formatHostPort, InvalidArgumentError, NetkitError, toNetworkError } from '@netkit/shared'
import type { Codec, FrameFormat } from '@netkit/framing'
import { Connection, type ConnectionHost, type FrameEchoer } from './connection.js'
import type { TcpEchoEvent, TcpEchoSummary } from './events.js'

/** The port `tcp-echo` listens on when none is given (the echo service's 7, shifted out of the privileged range). */
export const DEFAULT_PORT = 7007
export const DEFAULT_HOST = '127.0.0.1'
/**
 * Accept queue length asked of the kernel (capped by net.core.somaxconn). Node's default of 511
 * overflows when thousands of clients connect at once; Linux then drops their handshake ACKs and
 * their first bytes wait for retransmissions, a second or more.
 */
export const DEFAULT_BACKLOG = 4096
/** How long close() lets open connections finish before destroying them. */
export const DEFAULT_GRACE_MS = 5_000

export interface TcpEchoServerOptions {
  /** Address to bind (default `127.0.0.1`; `0.0.0.0` or `::` for all interfaces, `::` is dual-stack). */
  host?: string
  /** Port to bind (default 7007); 0 asks the kernel for a free one. */
  port?: number
  /** With host `::`, accept IPv6 only. */
  ipv6Only?: boolean
  /** Length of the kernel's accept queue (default 4096, capped by net.core.somaxconn). */
  backlog?: number
  /**
   * Most connections served at once. Extra ones are accepted by the kernel and closed at once by
   * Node without reading (server.maxConnections); each is reported as a `drop` event. Default: no limit.
   */
  maxConns?: number
  /** Close a connection after this many ms without reading or writing (0 or unset: never). */
  idleTimeout?: number
  /**
   * Echo whole frames only (@netkit/framing): `lines` ('\n'-terminated, echoed byte for byte),
   * `lp32` (4-byte big-endian length prefix), `varint` (LEB128 length prefix), or any Codec. A
   * frame over `maxFrameSize` or a malformed one closes its connection (reason `frame-too-large` /
   * `frame-invalid`) after echoing the frames before it; other connections are not affected.
   */
  frame?: FrameFormat | Codec
  /** Largest frame in frame mode (default: the codec's, 16 MiB; 64 KiB for lines). */
  maxFrameSize?: number
  /** Add this many ms before each chunk (or frame) is echoed; order is kept. */
  delay?: number
  /** Default grace period of close(), ms (default 5,000). */
  grace?: number
  /** Called for every event (listening, open, close, drop, error, summary), synchronously. */
  onEvent?: (event: TcpEchoEvent) => void
  /**
   * Which per-connection events reach `onEvent`: `all` (default), `failures` (only `close`
   * events whose reason is not `end`: no per-connection work for connections that end well;
   * the peer of a connection closed by a socket error reads `?:0`, as it was never asked for
   * while the socket was open), or `none`.
   */
  connectionEvents?: 'all' | 'failures' | 'none'
  /** Share the port with cluster siblings (node:cluster sets this up; default true, as in Node). */
  exclusive?: boolean
}

export interface TcpEchoAddress {
  host: string
  port: number
  family: 'IPv4' | 'IPv6'
}

export interface TcpEchoStats {
  /** Connections accepted and served so far (open ones included). */
  connections: number
  /** Connections open now. */
  open: number
  /** Most connections open at the same time. */
  peak: number
  /** Connections closed at once because maxConns were open. */
  dropped: number
  bytesIn: number
  bytesEchoed: number
  started: Date
}

export interface ConnectionInfo {
  id: number
  peer: string
  bytesIn: number
  bytesOut: number
  /** Bytes held in user space for this connection right now (read buffer + write buffer + delay). */
  buffered: number
}

export interface TcpEchoServer {
  readonly address: TcpEchoAddress
  /** A snapshot of the live counters. */
  readonly stats: TcpEchoStats
  /** The open connections (for tests and dashboards). */
  connections(): ConnectionInfo[]
  /**
   * Stop accepting, let open connections finish for `graceMs` (default: the `grace` option), then
   * destroy the rest. Resolves with the summary once every connection is closed. Idempotent.
   */
  close(graceMs?: number): Promise<TcpEchoSummary>
  /** The underlying net.Server (read-only use: address, ref/unref). */
  readonly server: Server
}

/**
 * Start a TCP echo server. Resolves once it is listening; rejects with a NetworkError worded
 * `bind to 127.0.0.1 port 7007 (tcp) failed: Address already in use` when it cannot, and with an
 * InvalidArgumentError for options it cannot take.
 */
export async function createTcpEchoServer(options: TcpEchoServerOptions = {}): Promise<TcpEchoServer> {
  checkOptions(options)
  const host = options.host ?? DEFAULT_HOST
  const port = options.port ?? DEFAULT_PORT
  // Loaded only for frame mode, so a plain echo server does not pay for the codecs.
  const createFrameEchoer = options.frame
    ? (await import('./frame.js')).frameEchoerFor(options.frame, { maxFrameSize: options.maxFrameSize })
    : undefined
  const echo = new EchoServer(options, createFrameEchoer)
  const server = echo.server
  await bindServer(
    server,
    (s) => s.listen({ host, port, ipv6Only: options.ipv6Only, backlog: options.backlog ?? DEFAULT_BACKLOG, exclusive: options.exclusive }),
    { operation: 'bind', host, port, protocol: 'tcp' },
  )
  // After listening, accept() failures (EMFILE under a connection flood) are reported, not fatal.
  server.on('error', (err: Error) => {
    const e = toNetworkError(err, { operation: 'accept', protocol: 'tcp' })
    options.onEvent?.({ event: 'error', code: e.code, message: e.message })
  })
  const bound = server.address()
  if (bound === null || typeof bound === 'string') throw new NetkitError(ErrorCode.NETWORK_ERROR, 'the TCP server has no address')
  echo.address = { host: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' }
  options.onEvent?.({ event: 'listening', ...echo.address })
  return echo
}

/** The running server: the connections it holds, its counters and its shutdown. */
class EchoServer implements TcpEchoServer, ConnectionHost {
  address: TcpEchoAddress = { host: '', port: 0, family: 'IPv4' }
  readonly server: Server
  readonly delay: number
  readonly createFrameEchoer: (() => FrameEchoer) | undefined
  bytesIn = 0
  bytesEchoed = 0
  private readonly options: TcpEchoServerOptions
  private readonly onEvent: ((event: TcpEchoEvent) => void) | undefined
  /** Per-connection events: every one, failures only, or none. */
  private readonly connectionEvents: 'all' | 'failures' | 'none'
  readonly idleTimeout: number
  private readonly open = new Set<Connection>()
  private nextId = 1
  private peak = 0
  private dropped = 0
  private forced = 0
  private readonly started = new Date()
  private closing: Promise<TcpEchoSummary> | undefined
  private allClosed: (() => void) | undefined

  constructor(options: TcpEchoServerOptions, createFrameEchoer: (() => FrameEchoer) | undefined) {
    this.options = options
    this.onEvent = options.onEvent
    this.connectionEvents = options.onEvent ? (options.connectionEvents ?? 'all') : 'none'
    this.delay = options.delay ?? 0
    this.idleTimeout = options.idleTimeout ?? 0
    this.createFrameEchoer = createFrameEchoer
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, this.onConnection)
    if (options.maxConns !== undefined) this.server.maxConnections = options.maxConns
    this.server.on('drop', this.onDrop)
  }

  private onConnection = (socket: Socket): void => {
    const conn = new Connection(this.nextId++, socket, this)
    const open = this.open
    open.add(conn)
    if (open.size > this.peak) this.peak = open.size
    if (this.connectionEvents === 'all') this.onEvent!({ event: 'open', id: conn.id, peer: conn.peer, open: open.size })
  }

  private onDrop = (data?: { remoteAddress?: string; remotePort?: number }): void => {
    this.dropped++
    this.onEvent?.({ event: 'drop', peer: formatHostPort(data?.remoteAddress ?? '?', data?.remotePort ?? 0), reason: 'max-conns' })
  }

  onClose(conn: Connection, hadError: boolean): void {
    this.open.delete(conn)
    if (hadError) conn.reason ??= 'error'
    const events = this.connectionEvents
    if (events === 'all' || (events === 'failures' && conn.reason !== undefined && conn.reason !== 'end')) {
      this.onEvent!({
        event: 'close',
        id: conn.id,
        peer: conn.peer,
        reason: conn.reason ?? 'end',
        bytesIn: conn.bytesIn,
        bytesOut: conn.bytesOut,
        durationMs: Date.now() - conn.openedAt,
        ...(conn.error === undefined ? {} : { error: conn.error }),
      })
    }
    if (this.open.size === 0) this.allClosed?.()
  }

  private summary(): TcpEchoSummary {
    return {
      connections: this.nextId - 1,
      peak: this.peak,
      dropped: this.dropped,
      bytesIn: this.bytesIn,
      bytesEchoed: this.bytesEchoed,
      forced: this.forced,
      durationMs: Date.now() - this.started.getTime(),
    }
  }

  get stats(): TcpEchoStats {
    const { nextId, open, peak, dropped, bytesIn, bytesEchoed, started } = this
    return { connections: nextId - 1, open: open.size, peak, dropped, bytesIn, bytesEchoed, started }
  }

  connections(): ConnectionInfo[] {
    return [...this.open].map((c) => ({ id: c.id, peer: c.peer, bytesIn: c.bytesIn, bytesOut: c.bytesOut, buffered: c.buffered }))
  }

  close(graceMs = this.options.grace ?? DEFAULT_GRACE_MS): Promise<TcpEchoSummary> {
    this.closing ??= new Promise<TcpEchoSummary>((resolve) => {
      this.server.close()
      const finish = () => {
        clearTimeout(timer)
        const result = this.summary()
        this.onEvent?.({ event: 'summary', ...result })
        resolve(result)
      }
      const timer = setTimeout(() => {
        for (const conn of this.open) {
          this.forced++
          conn.abort('shutdown', `still open after the ${graceMs} ms grace period`)
        }
      }, graceMs)
      timer.unref()
      if (this.open.size === 0) finish()
      else this.allClosed = finish
    })
    return this.closing
  }
}

function checkOptions(options: TcpEchoServerOptions): void {
  checkCount(options.port, 'port', 0, 65_535)
  checkCount(options.maxConns, 'maxConns', 1)
  checkCount(options.idleTimeout, 'idleTimeout', 0, 2 ** 31 - 1)
  checkCount(options.delay, 'delay', 0, 2 ** 31 - 1)
  checkCount(options.grace, 'grace', 0, 2 ** 31 - 1)
  checkCount(options.backlog, 'backlog', 1)
  checkCount(options.maxFrameSize, 'maxFrameSize', 1)
  if (options.maxFrameSize !== undefined && !options.frame) throw new InvalidArgumentError('maxFrameSize needs a frame format')
}
