import type { Socket } from 'node:net'
import { ErrorCode, formatHostPort, toNetworkError } from '@netkit/shared'
import type { CloseReason } from './events.js'

/**
 * The echo of one connection. The fast path is what `socket.pipe(socket)` does, minus the stream
 * plumbing: write each chunk back as it arrives; when write() says the send buffer is full, pause
 * reading until 'drain'. A paused socket stops reading from the kernel once its small readable
 * buffer is full, the kernel's receive window closes and TCP flow control stops the client, so a
 * client that sends but never reads costs us at most two stream high-water marks plus one read.
 *
 * Listeners are shared functions that find their state on the socket (no closures per
 * connection): 10,000 idle connections must stay cheap.
 */

/** Turns received bytes into the bytes to echo in frame mode (whole frames only). */
export interface FrameEchoer {
  /** The frames `chunk` completes, each as wire bytes to write back. Throws a NetkitError. */
  push(chunk: Uint8Array): Uint8Array[]
  /** End of input: the frames still to write, or a NetkitError for a partial frame. */
  end(): Uint8Array[]
  /** A decoder returns the frames before bad bytes first and reports the failure here. */
  readonly decoder?: { readonly error?: Error | undefined }
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  /** Extra latency per echoed chunk or frame, ms (0 = none). */
  readonly delay: number
  /** Close a connection after this many ms without reading or writing (0: never). */
  readonly idleTimeout: number
  readonly createFrameEchoer: (() => FrameEchoer) | undefined
  bytesIn: number
  bytesEchoed: number
  onClose(connection: Connection, hadError: boolean): void
}

/** How long a connection closed for a bad frame may take to flush the echoes before it. */
const PROTOCOL_ERROR_LINGER_MS = 2_000

/** --delay keeps at most this many bytes waiting on timers before it stops reading. */
export const DELAY_BUFFER_LIMIT = 64 * 1024
/**
 * What each delayed echo counts against DELAY_BUFFER_LIMIT on top of its bytes: its timer and
 * views cost memory even for a 1-byte chunk, so a client trickling tiny frames gets at most
 * DELAY_BUFFER_LIMIT / DELAY_ENTRY_COST timers (128), not one per byte.
 */
const DELAY_ENTRY_COST = 512

const kConnection = Symbol('tcp-echo.connection')
type EchoSocket = Socket & { [kConnection]: Connection }

export class Connection {
  readonly id: number
  readonly socket: Socket
  readonly host: ConnectionHost
  readonly openedAt: number
  /** `host:port` of the client, once asked for (getpeername is a system call a busy server skips). */
  private peerText: string | undefined
  bytesIn = 0
  bytesOut = 0
  reason: CloseReason | undefined
  error: string | undefined
  /** Bytes waiting on --delay timers, and the number of those timers. */
  private delayed = 0
  private delayedEchoes = 0
  /** The client ended its side (or sent a bad frame); end ours once everything is echoed. */
  private inputEnded = false
  /** A bad frame: read nothing more. */
  private rejected = false
  private readonly frames: FrameEchoer | undefined

  constructor(id: number, socket: Socket, host: ConnectionHost) {
    this.id = id
    this.socket = socket
    this.host = host
    this.openedAt = Date.now()
    this.frames = host.createFrameEchoer?.()
    ;(socket as EchoSocket)[kConnection] = this
    socket.on('data', this.frames || host.delay > 0 ? onDataSlow : onDataFast)
    socket.on('drain', onDrain)
    socket.on('end', onEnd)
    socket.on('error', onError)
    if (host.idleTimeout > 0) {
      socket.on('timeout', onTimeout)
      socket.setTimeout(host.idleTimeout)
    }
    socket.on('close', onClose)
  }

  /**
   * The client's address, `127.0.0.1:50412`. Read while the socket is open (the server does for
   * every event it reports, and before it closes a connection itself); after a reset closed it,
   * an address never asked for is unknown (`?`).
   */
  get peer(): string {
    return (this.peerText ??= formatHostPort(this.socket.remoteAddress ?? '?', this.socket.remotePort ?? 0))
  }

  /** Read the peer's address while the socket is open: the close event reports it. */
  private rememberPeer(): void {
    this.peerText ??= this.peer
  }

  /** Bytes this connection holds in user space (readable + writable buffers + delay timers). */
  get buffered(): number {
    return this.socket.readableLength + this.socket.writableLength + this.delayed
  }

  /** Echoes wait on --delay timers: the silence is ours, not the client's. */
  get echoesPending(): boolean {
    return this.delayedEchoes > 0
  }

  /** Close now, recording why (idle timeout, shutdown). */
  abort(reason: CloseReason, error?: string): void {
    this.rememberPeer()
    this.reason ??= reason
    this.error ??= error
    this.socket.destroy()
  }

  /** Echo `parts` now, or after --delay with one timer for all of them (one read's frames share it). */
  echo(parts: Uint8Array[]): void {
    if (parts.length === 0) return
    if (this.host.delay > 0) {
      let n = 0
      for (const part of parts) n += part.length
      this.delayed += n
      this.delayedEchoes++
      if (this.delayOverLimit()) this.socket.pause()
      // Timers with the same duration fire in the order they were set: echo order is kept.
      setTimeout(writeDelayed, this.host.delay, this, parts, n)
      return
    }
    this.send(parts)
  }

  private send(parts: Uint8Array[]): void {
    // Several frames from one read go out in one writev.
    const cork = parts.length > 1
    if (cork) this.socket.cork()
    for (const data of parts) {
      this.bytesOut += data.length
      this.host.bytesEchoed += data.length
      if (!this.socket.write(data)) this.socket.pause()
    }
    if (cork) this.socket.uncork()
  }

  private delayOverLimit(): boolean {
    return this.delayed + this.delayedEchoes * DELAY_ENTRY_COST > DELAY_BUFFER_LIMIT
  }

  received(chunk: Buffer): void {
    if (this.rejected) return
    this.bytesIn += chunk.length
    this.host.bytesIn += chunk.length
    if (!this.frames) {
      this.echo([chunk])
      return
    }
    let frames: Uint8Array[]
    try {
      frames = this.frames.push(chunk)
    } catch (err) {
      this.protocolError(err)
      return
    }
    this.echo(frames)
    const failure = this.frames.decoder?.error
    if (failure) this.protocolError(failure)
  }

  inputDone(): void {
    if (this.rejected) return
    if (this.frames) {
      try {
        this.echo(this.frames.end())
      } catch (err) {
        // A partial frame at the end is not echoed (whole frames only); say so, then close normally.
        this.reason ??= 'frame-truncated'
        this.error ??= (err as Error).message
      }
    }
    this.inputEnded = true
    this.maybeEnd()
  }

  delayedWritten(parts: Uint8Array[], n: number): void {
    this.delayed -= n
    this.delayedEchoes--
    if (this.socket.destroyed) return
    this.send(parts)
    this.maybeResume()
    this.maybeEnd()
  }

  maybeResume(): void {
    if (!this.rejected && this.socket.isPaused() && !this.socket.writableNeedDrain && !this.delayOverLimit()) this.socket.resume()
  }

  private maybeEnd(): void {
    // end() goes after the queued writes: the client gets every echoed byte, then our FIN.
    if (this.inputEnded && this.delayedEchoes === 0 && !this.socket.writableEnded) this.socket.end()
  }

  /**
   * A frame too large or malformed: read nothing more, send the echoes of the good frames before
   * it, then close. A client that does not read those gets a few seconds, then a reset.
   */
  private protocolError(err: unknown): void {
    this.rememberPeer()
    const code = (err as { code?: unknown }).code
    this.reason ??= code === ErrorCode.FRAME_TOO_LARGE ? 'frame-too-large' : 'frame-invalid'
    this.error ??= err instanceof Error ? err.message : String(err)
    this.rejected = true
    this.socket.pause()
    this.socket.once('finish', destroySocket)
    setTimeout(destroySocket.bind(this.socket), PROTOCOL_ERROR_LINGER_MS).unref()
    this.inputEnded = true
    this.maybeEnd()
  }
}

function connectionOf(socket: Socket): Connection {
  return (socket as EchoSocket)[kConnection]
}

/** The hot path: no delay, no frames. Kept tiny and monomorphic. */
function onDataFast(this: Socket, chunk: Buffer): void {
  const conn = (this as EchoSocket)[kConnection]
  const n = chunk.length
  conn.bytesIn += n
  conn.bytesOut += n
  const host = conn.host
  host.bytesIn += n
  host.bytesEchoed += n
  if (!this.write(chunk)) this.pause()
}

function onDataSlow(this: Socket, chunk: Buffer): void {
  connectionOf(this).received(chunk)
}

function onDrain(this: Socket): void {
  connectionOf(this).maybeResume()
}

function onEnd(this: Socket): void {
  connectionOf(this).inputDone()
}

function onError(this: Socket, err: Error): void {
  const conn = connectionOf(this)
  conn.reason ??= 'error'
  conn.error ??= toNetworkError(err).message
}

function onTimeout(this: Socket): void {
  const conn = connectionOf(this)
  // Writing the delayed echo restarts the idle timer; idleness counts again from there.
  if (conn.echoesPending) return
  conn.abort('idle-timeout', `no data for ${this.timeout} ms`)
}

function onClose(this: Socket, hadError: boolean): void {
  const conn = connectionOf(this)
  conn.host.onClose(conn, hadError)
}

function destroySocket(this: Socket): void {
  this.destroy()
}

function writeDelayed(conn: Connection, parts: Uint8Array[], n: number): void {
  conn.delayedWritten(parts, n)
}
