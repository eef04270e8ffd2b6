import { createServer, type Server, type Socket } from 'node:net'
import { formatHostPort, toNetworkError, UsageError } from '@netkit/shared'
import type { Codec, FrameFormat } from '@netkit/framing'
import { Connection, type ConnectionHost } from './connection.js'
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
 * `bind to 127.0.0.1 port 7007 (tcp) failed: Address already in use` when it cannot.
 */
export async function createTcpEchoServer(options: TcpEchoServerOptions = {}): Promise<TcpEchoServer> {
  const host = options.host ?? DEFAULT_HOST
  const port = options.port ?? DEFAULT_PORT
  const idleTimeout = options.idleTimeout ?? 0
  const delay = options.delay ?? 0
  const onEvent = options.onEvent
  checkOptions(options)
  // Loaded only for frame mode, so a plain echo server does not pay for the codecs.
  const createFrameEchoer = options.frame
    ? (await import('./frame.js')).frameEchoerFor(options.frame, { maxFrameSize: options.maxFrameSize })
    : undefined

  const open = new Set<Connection>()
  let nextId = 1
  let peak = 0
  let dropped = 0
  let forced = 0
  const started = new Date()
  let closing: Promise<TcpEchoSummary> | undefined
  let allClosed: (() => void) | undefined

  const summary = (): TcpEchoSummary => ({
    connections: nextId - 1,
    peak,
    dropped,
    bytesIn: context.bytesIn,
    bytesEchoed: context.bytesEchoed,
    forced,
    durationMs: Date.now() - started.getTime(),
  })

  const context: ConnectionHost = {
    delay,
    createFrameEchoer,
    bytesIn: 0,
    bytesEchoed: 0,
    onClose(conn, hadError) {
      open.delete(conn)
      if (hadError) conn.reason ??= 'error'
      if (onEvent) {
        onEvent({
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
      if (open.size === 0) allClosed?.()
    },
  }

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket: Socket) => {
    const conn = new Connection(nextId++, socket, context)
    open.add(conn)
    if (open.size > peak) peak = open.size
    if (idleTimeout > 0) socket.setTimeout(idleTimeout)
    onEvent?.({ event: 'open', id: conn.id, peer: conn.peer, open: open.size })
  })
  if (options.maxConns !== undefined) server.maxConnections = options.maxConns
  server.on('drop', (data?: { remoteAddress?: string; remotePort?: number }) => {
    dropped++
    onEvent?.({ event: 'drop', peer: formatHostPort(data?.remoteAddress ?? '?', data?.remotePort ?? 0), reason: 'max-conns' })
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening)
      reject(toNetworkError(err, { operation: 'bind', host, port, protocol: 'tcp' }))
    }
    const onListening = () => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ host, port, ipv6Only: options.ipv6Only, backlog: options.backlog ?? DEFAULT_BACKLOG, exclusive: options.exclusive })
  })
  // After listening, accept() failures (EMFILE under a connection flood) are reported, not fatal.
  server.on('error', (err: Error) => {
    const e = toNetworkError(err, { operation: 'accept', protocol: 'tcp' })
    onEvent?.({ event: 'error', code: e.code, message: e.message })
  })

  const bound = server.address()
  if (bound === null || typeof bound === 'string') throw new Error('TCP server has no address')
  const address: TcpEchoAddress = { host: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' }
  onEvent?.({ event: 'listening', ...address })

  const close = (graceMs = options.grace ?? DEFAULT_GRACE_MS): Promise<TcpEchoSummary> => {
    closing ??= new Promise<TcpEchoSummary>((resolve) => {
      server.close()
      const finish = () => {
        clearTimeout(timer)
        const result = summary()
        onEvent?.({ event: 'summary', ...result })
        resolve(result)
      }
      const timer = setTimeout(() => {
        for (const conn of open) {
          forced++
          conn.abort('shutdown', `still open after the ${graceMs} ms grace period`)
        }
      }, graceMs)
      timer.unref()
      if (open.size === 0) finish()
      else allClosed = finish
    })
    return closing
  }

  return {
    address,
    get stats(): TcpEchoStats {
      return { connections: nextId - 1, open: open.size, peak, dropped, bytesIn: context.bytesIn, bytesEchoed: context.bytesEchoed, started }
    },
    connections: () =>
      [...open].map((c) => ({ id: c.id, peer: c.peer, bytesIn: c.bytesIn, bytesOut: c.bytesOut, buffered: c.buffered })),
    close,
    server,
  }
}

function checkOptions(options: TcpEchoServerOptions): void {
  const whole = (name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${value}`)
    }
  }
  whole('port', options.port, 0, 65_535)
  whole('maxConns', options.maxConns, 1)
  whole('idleTimeout', options.idleTimeout, 0, 2 ** 31 - 1)
  whole('delay', options.delay, 0, 2 ** 31 - 1)
  whole('grace', options.grace, 0, 2 ** 31 - 1)
  whole('backlog', options.backlog, 1)
  whole('maxFrameSize', options.maxFrameSize, 1)
  if (options.maxFrameSize !== undefined && !options.frame) throw new UsageError('maxFrameSize needs a frame format')
}
