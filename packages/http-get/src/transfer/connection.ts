import net from 'node:net'
import type tls from 'node:tls'
import { dial, ErrorCode, NetkitError, READ_BUFFER_SIZE, toNetworkError, type DialPhase } from '@netkit/shared'
import { TransferError } from '../errors.js'
import type { RequestTarget } from '../url.js'
import type { ConnectionInfo } from './types.js'
import { verifyResult } from './verify-result.js'

export { READ_BUFFER_SIZE }

/** How a connection is made (the TLS and timeout options of a transfer). */
export interface ConnectOptions {
  /** Give up when TCP connect + TLS handshake take longer (--connect-timeout), in ms. */
  connectTimeout?: number
  /** Skip certificate verification (-k). */
  insecure?: boolean
  /** Trusted CA certificates in PEM (--cacert); default Node's bundled roots. */
  ca?: string | Buffer | Array<string | Buffer>
  /** `* ` connection lines for -v. */
  log?: (line: string) => void
  /** Aborting closes the connection attempt and rejects with the signal's reason (max-time). */
  signal?: AbortSignal
}

/** Receives what a connection reads while a transfer owns it. */
export interface ConnectionHandler {
  /**
   * Bytes read. `transient` chunks live in a buffer the connection reuses for the next read: use
   * (or copy) them before returning. Return false to pause reading until `resume()`.
   */
  data(chunk: Uint8Array, transient: boolean): boolean
  /** The peer closed its side. */
  end(): void
  error(err: Error): void
}

let nextId = 0
const EMPTY = new Uint8Array(0)

/** Certificate-verification failures (curl exit 60) as opposed to other handshake failures (35). */
function isCertificateError(code: string | undefined): boolean {
  return code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/.test(code)
}

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * Map a socket error to curl's exit codes, once, where the connection is made: names that do
 * not resolve 6, connect failures 7, certificate problems 60, other TLS handshake failures 35,
 * failures after the connection was up 56 (a failed send included: its error arrives as the
 * socket's 'error', like a failed read).
 */
export function mapSocketError(err: unknown, phase: DialPhase | 'transfer', target: RequestTarget, elapsedMs = 0): NetkitError {
  if (err instanceof NetkitError) return err
  const errno = errnoOf(err)
  const first = err instanceof AggregateError ? errnoOf(err.errors[0]) : errno
  if (first === 'ENOTFOUND' || first === 'EAI_AGAIN' || first === 'EAI_NODATA' || first === 'EAI_FAIL') {
    return new TransferError(ErrorCode.HOST_NOT_FOUND, `Could not resolve host: ${target.host}`, err)
  }
  if (phase === 'connect') {
    return new TransferError(ErrorCode.HTTP_CONNECT_FAILED, `${failedToConnect(target, elapsedMs)}: Couldn't connect to server`, err)
  }
  const reason = err instanceof Error ? err.message : String(err)
  if (phase === 'handshake') {
    if (isCertificateError(errno)) return new TransferError(ErrorCode.TLS_CERTIFICATE, `SSL certificate problem: ${reason}`, err)
    return new TransferError(ErrorCode.TLS_HANDSHAKE, openSslMessage(reason), err)
  }
  return recvFailure(err)
}

/** curl's words for a failed connect: `Failed to connect to H port P after N ms`. */
function failedToConnect(target: RequestTarget, elapsedMs: number): string {
  return `Failed to connect to ${target.host} port ${target.port} after ${Math.round(elapsedMs)} ms`
}

/** --connect-timeout ran out: in the TCP connect or in the TLS handshake, worded as curl does. */
function connectTimeoutError(target: RequestTarget, phase: DialPhase, elapsedMs: number): TransferError {
  const message = phase === 'handshake' ? 'SSL connection timeout' : `${failedToConnect(target, elapsedMs)}: Timeout was reached`
  return new TransferError(ErrorCode.HTTP_CONNECT_TIMEOUT, message)
}

/**
 * A TLS handshake failure as curl prints OpenSSL's error: `OpenSSL/3.0.x: error:0A00010B:SSL
 * routines::wrong version number` (Node's message adds the function, file and line).
 */
function openSslMessage(reason: string): string {
  const match = /error:([0-9A-F]{8}):([^:]*):[^:]*:([^:]+)/.exec(reason)
  if (!match) return `TLS connect error: ${reason}`
  return `OpenSSL/${process.versions.openssl.replace(/\+.*$/, '')}: error:${match[1]}:${match[2]}::${match[3]}`
}

/** curl's 56 for a connection that failed after it was up (a failed send included). */
export function recvFailure(err: unknown): TransferError {
  return new TransferError(ErrorCode.HTTP_RECV_FAILED, `Recv failure: ${toNetworkError(err, {}).message}`, err)
}

/** One TCP or TLS connection to an origin, used by one transfer at a time. */
export class Connection {
  readonly id = nextId++
  readonly target: RequestTarget
  readonly socket: net.Socket
  /** The TCP socket (under the TLS one for https). */
  private readonly tcp: net.Socket
  /** Times since `startedAt` (ms): name resolved, TCP connected, TLS handshake done. */
  readonly timings: { lookup?: number; connect?: number; secure?: number } = {}
  readonly startedAt: number
  /** Its endpoints and certificate verdict (-w's local_ip, remote_port, ssl_verify_result...). */
  readonly info: ConnectionInfo
  /** Times this connection was handed to a transfer (> 1 means reused). */
  uses = 0
  closed = false
  private handler: ConnectionHandler | undefined
  private paused = false

  constructor(target: RequestTarget, socket: net.Socket, startedAt: number, tcp: net.Socket = socket) {
    this.target = target
    this.socket = socket
    this.tcp = tcp
    this.startedAt = startedAt
    this.info = connectionInfo(target, socket, tcp)
    socket.on('end', () => {
      this.closed = true
      this.checkEnd()
    })
    socket.on('error', (err: Error) => {
      this.closed = true
      this.handler?.error(err)
    })
    socket.on('close', () => {
      this.closed = true
    })
  }

  /**
   * Whether the peer's close was clean. libuv reports a reset that follows data as an end of
   * stream (POLLHUP after a partial read), so 'end' alone cannot tell curl's 18 from its 56. The
   * kernel still holds the error: a zero-byte write on the TCP socket (nothing is sent, not even
   * under TLS) fails with ECONNRESET after a reset and succeeds after a FIN, since our side is
   * still open (allowHalfOpen).
   */
  private checkEnd(): void {
    this.tcp.write(EMPTY, (err) => {
      if (err) this.handler?.error(err)
      else this.handler?.end()
    })
  }

  /** Route reads to `handler` (a transfer), or to the idle handler when undefined. */
  attach(handler: ConnectionHandler | undefined): void {
    this.handler = handler
  }

  /** Called for every read, from `onread` (transient) or 'data'. */
  deliver(chunk: Uint8Array, transient: boolean): boolean {
    const handler = this.handler
    if (!handler) {
      // Bytes while idle: the server broke the message framing; never reuse.
      this.destroy()
      return false
    }
    const more = handler.data(chunk, transient)
    if (!more) this.pause()
    return more
  }

  pause(): void {
    if (this.paused) return
    this.paused = true
    this.socket.pause()
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.socket.resume()
  }

  write(bytes: string | Uint8Array): void {
    this.socket.write(bytes)
  }

  destroy(): void {
    this.closed = true
    this.socket.destroy()
  }

  /** Can carry another request: open and nobody attached. */
  get reusable(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.readyState === 'open'
  }
}

/** A connected socket's endpoints and, under TLS, its verification result (not 0 only with -k). */
function connectionInfo(target: RequestTarget, socket: net.Socket, tcp: net.Socket): ConnectionInfo {
  const failure = target.protocol === 'https' ? (socket as tls.TLSSocket).authorizationError : undefined
  const code: unknown = typeof failure === 'object' && failure !== null ? (failure as { code?: unknown }).code : failure
  return {
    scheme: target.protocol,
    localAddress: tcp.localAddress ?? '',
    localPort: tcp.localPort ?? 0,
    remoteAddress: tcp.remoteAddress ?? '',
    remotePort: tcp.remotePort ?? 0,
    sslVerifyResult: target.protocol === 'https' && !(socket as tls.TLSSocket).authorized ? verifyResult(typeof code === 'string' ? code : 'UNSPECIFIED') : 0,
  }
}

/**
 * Open a connection (TCP, then TLS for https) to `target`, with `connectTimeout` covering both.
 * Errors are TransferErrors with curl's exit codes.
 */
export async function connect(target: RequestTarget, options: ConnectOptions = {}, startedAt = performance.now()): Promise<Connection> {
  const log = options.log
  const https = target.protocol === 'https'
  let connection: Connection | undefined
  const literal = net.isIP(target.host) !== 0
  if (literal) log?.(`* Trying ${formatAddress(target.host, target.port)}...`)
  const { socket, tcp, timings } = await dial({
    host: target.host,
    port: target.port,
    tls: https
      ? { servername: literal ? undefined : target.host, rejectUnauthorized: !options.insecure, ca: options.ca, ALPNProtocols: ['http/1.1'] }
      : undefined,
    allowHalfOpen: true,
    connectTimeout: options.connectTimeout,
    signal: options.signal,
    onread: https
      ? undefined
      : { buffer: Buffer.allocUnsafe(READ_BUFFER_SIZE), callback: (bytes: number, buffer: Uint8Array) => connection!.deliver(buffer.subarray(0, bytes), true) },
    onLookup: (address) => {
      if (!literal) log?.(`* Trying ${formatAddress(address, target.port)}...`)
    },
    onConnect: (s) => log?.(`* Connected to ${target.host} (${s.remoteAddress}) port ${target.port} (#${nextId})`),
    mapError: (err, phase) => mapSocketError(err, phase, target, performance.now() - startedAt),
    timeoutError: (phase) => connectTimeoutError(target, phase, performance.now() - startedAt),
  })
  const conn = (connection = new Connection(target, socket, startedAt, tcp))
  socket.setNoDelay(true)
  Object.assign(conn.timings, timings)
  if (https) {
    const secure = socket as tls.TLSSocket
    socket.on('data', (chunk: Buffer) => conn.deliver(chunk, false))
    log?.(`* TLS connection using ${secure.getProtocol() ?? 'TLS'} / ${secure.getCipher()?.name ?? 'unknown cipher'}`)
    if (options.insecure && !secure.authorized) log?.(`* Certificate not verified (-k): ${String(secure.authorizationError ?? '')}`)
  }
  return conn
}

function formatAddress(host: string, port: number): string {
  return net.isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * Idle keep-alive connections by origin, so consecutive URLs on one origin share a connection.
 * Idle sockets are unref'd (they never keep the process alive) and dropped when the server
 * closes them or sends anything.
 */
export class ConnectionPool {
  private readonly idle = new Map<string, Connection>()

  /** An idle connection to `origin`, now owned by the caller. */
  take(origin: string): Connection | undefined {
    const conn = this.idle.get(origin)
    if (!conn) return undefined
    this.idle.delete(origin)
    if (!conn.reusable) return undefined
    conn.socket.ref()
    return conn
  }

  /** Keep `conn` for the next request to its origin (replacing an older idle one). */
  put(conn: Connection): void {
    if (!conn.reusable) {
      conn.destroy()
      return
    }
    const origin = conn.target.origin
    this.idle.get(origin)?.destroy()
    this.idle.set(origin, conn)
    conn.socket.unref()
    // Keep reading while idle so a close by the server is noticed before the next request.
    conn.resume()
    conn.attach({
      data: () => {
        this.drop(conn)
        return false
      },
      end: () => this.drop(conn),
      error: () => this.drop(conn),
    })
  }

  private drop(conn: Connection): void {
    if (this.idle.get(conn.target.origin) === conn) this.idle.delete(conn.target.origin)
    conn.destroy()
  }

  closeAll(): void {
    for (const conn of this.idle.values()) conn.destroy()
    this.idle.clear()
  }
}
