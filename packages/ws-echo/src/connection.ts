import type { Socket } from 'node:net'
import type { RawData, WebSocket } from 'ws'
import type { CloseReason } from './events.js'

/**
 * The echo of one WebSocket. Each message goes back with its type; text gets the prefix.
 *
 * Backpressure: after each echo, when more than `highWater` bytes wait to be sent (the peer is
 * not reading), the WebSocket is paused, which stops reading its socket; the kernel's receive
 * window then fills and TCP stops the client. Reading resumes once the socket drained (or, with
 * compression, once the queued echoes were written). So a client that sends without reading
 * costs at most `highWater` + one message + one read.
 *
 * Listeners are shared functions that find their state on the WebSocket: no closures per message.
 */

/** Close codes for failures the server itself decides (RFC 6455 section 7.4.1). */
export const CLOSE_GOING_AWAY = 1001
export const CLOSE_ABNORMAL = 1006
/**
 * After we close for a protocol error or idleness, how long the peer has to finish the close
 * handshake before the socket is destroyed (ws alone would wait 30 s).
 */
const CLOSE_LINGER_MS = 2_000

/** What a connection needs from its server. */
export interface ConnectionHost {
  /** Prepended to text messages (undefined: echo as is). */
  readonly prefix: Buffer | undefined
  /** Unsent bytes above which reading stops. */
  readonly highWater: number
  readonly compress: boolean
  messages: number
  bytesIn: number
  bytesOut: number
  onClose(connection: Connection): void
}

const kConnection = Symbol('ws-echo.connection')
type EchoSocket = WebSocket & { [kConnection]: Connection }
type EchoTransport = Socket & { [kConnection]: Connection }

const BINARY = { binary: true } as const
const TEXT = { binary: false } as const

export class Connection {
  readonly id: number
  readonly ws: WebSocket
  readonly socket: Socket
  readonly host: ConnectionHost
  readonly peer: string
  readonly path: string
  readonly openedAt = Date.now()
  messages = 0
  bytesIn = 0
  bytesOut = 0
  reason: CloseReason | undefined
  /** The close code we sent (protocol errors, shutdown) or, once closed, the peer's. */
  code: number | undefined
  error: string | undefined
  /** A pong (or the open) since the last ping. */
  alive = true
  /** A message since the last idle sweep, and how many sweeps found none. */
  active = true
  idleSweeps = 0
  /** Reading stopped until the echoes drain. */
  paused = false
  /** Shutdown sent our close frame. */
  closing = false
  /** With compression, each echo reports when it was written. */
  readonly sent: ((err?: Error) => void) | undefined

  constructor(id: number, ws: WebSocket, socket: Socket, peer: string, path: string, host: ConnectionHost) {
    this.id = id
    this.ws = ws
    this.socket = socket
    this.peer = peer
    this.path = path
    this.host = host
    ;(ws as EchoSocket)[kConnection] = this
    ;(socket as EchoTransport)[kConnection] = this
    this.sent = host.compress ? () => this.maybeResume() : undefined
    ws.on('message', onMessage)
    ws.on('error', onError)
    ws.on('pong', onPong)
    ws.on('close', onClose)
    socket.on('drain', onDrain)
  }

  /** Bytes held for this connection right now: echoes not yet sent plus bytes read but not parsed. */
  get buffered(): number {
    return this.ws.bufferedAmount + this.socket.readableLength
  }

  pauseReading(): void {
    if (this.paused) return
    this.paused = true
    this.ws.pause()
  }

  maybeResume(): void {
    if (this.paused && this.ws.bufferedAmount <= this.host.highWater) {
      this.paused = false
      this.ws.resume()
    }
  }

  /** Start the close handshake with `code`, recording why. Reading resumes, so the peer's close frame is seen. */
  close(reason: CloseReason, code: number, message: string): void {
    if (this.closing) return
    this.closing = true
    this.reason ??= reason
    this.code ??= code
    if (this.paused) {
      this.paused = false
      this.ws.resume()
    }
    this.ws.close(code, message)
    if (reason !== 'shutdown') this.linger()
  }

  /** Destroy the socket if the close handshake has not finished within CLOSE_LINGER_MS. */
  linger(): void {
    setTimeout(terminateLate, CLOSE_LINGER_MS, this).unref()
  }

  /** Drop the connection now (no close handshake). */
  terminate(reason: CloseReason, error: string): void {
    this.reason ??= reason
    this.code ??= CLOSE_ABNORMAL
    this.error ??= error
    this.ws.terminate()
  }
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const conn = (this as EchoSocket)[kConnection]
  // binaryType is 'nodebuffer': every message is one Buffer, fragments already joined.
  const payload = data as Buffer
  const host = conn.host
  conn.active = true
  conn.messages++
  conn.bytesIn += payload.length
  host.messages++
  host.bytesIn += payload.length
  if (this.readyState !== 1) return // closing: the echo would not be sent
  const prefix = host.prefix
  const echo = prefix !== undefined && !isBinary ? Buffer.concat([prefix, payload], prefix.length + payload.length) : payload
  conn.bytesOut += echo.length
  host.bytesOut += echo.length
  this.send(echo, isBinary ? BINARY : TEXT, conn.sent)
  if (this.bufferedAmount > host.highWater) conn.pauseReading()
}

/**
 * ws reports protocol errors here (and closes with the status code it put on the error);
 * without this listener one bad client would throw in the server process.
 */
function onError(this: WebSocket, err: Error): void {
  const conn = (this as EchoSocket)[kConnection]
  const code = statusCodeOf(err)
  if (code !== undefined) {
    conn.reason ??= 'protocol-error'
    conn.code ??= code
    // ws has sent the close frame with `code`; a peer that never answers it is dropped.
    conn.linger()
  } else {
    conn.reason ??= 'error'
  }
  conn.error ??= err.message
}

function onPong(this: WebSocket): void {
  ;(this as EchoSocket)[kConnection].alive = true
}

function onClose(this: WebSocket, code: number): void {
  const conn = (this as EchoSocket)[kConnection]
  conn.code ??= code
  conn.reason ??= 'close'
  conn.host.onClose(conn)
}

function terminateLate(conn: Connection): void {
  if (conn.ws.readyState !== 3) conn.ws.terminate()
}

function onDrain(this: Socket): void {
  ;(this as EchoTransport)[kConnection].maybeResume()
}

/** The close code ws attached to a protocol error (a symbol-keyed property), if any. */
export function statusCodeOf(err: Error): number | undefined {
  for (const key of Object.getOwnPropertySymbols(err)) {
    const value = (err as unknown as Record<symbol, unknown>)[key]
    if (key.description === 'status-code' && typeof value === 'number') return value
  }
  return undefined
}
