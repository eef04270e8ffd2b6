import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { ErrorCode, NetkitError, TimeoutError } from '@netkit/shared'
import type { BenchClient, BenchContext } from './context.js'
import { sharedReadBuffer, writePattern } from './io.js'
import { STREAM_WINDOW } from './options.js'
import { matchesPattern, patternStart } from './pattern.js'

/**
 * A pingpong or stream connection, kept open for the whole run. It is set up (and echoes one
 * warm-up byte) before the clock starts; then `start()` sends the first message (pingpong) or
 * fills the window (stream).
 */
export class PersistentClient implements BenchClient {
  private readonly run: BenchContext
  readonly socket: Socket
  private readonly stream: boolean
  private readonly origin: number
  /** Pattern bytes written and received so far. */
  private sent = 0
  private received = 0
  private sentAt = 0
  private bad = false
  private blocked = false
  /** We are closing this connection ourselves (run over, or a mismatch already counted). */
  private closing = false
  alive = false
  /** The warm-up byte came back: reads now belong to the measurement. */
  private warm = false
  /** Resolves once the warm-up byte came back (or the connection failed). */
  readonly ready: Promise<void>
  private readonly readyNow: () => void

  constructor(run: BenchContext, stream: boolean) {
    this.run = run
    this.stream = stream
    this.origin = patternStart(run.nextId())
    const { host, port, connectTimeout } = run.options
    this.socket = connect({ host, port, noDelay: !stream, timeout: connectTimeout, onread: { buffer: sharedReadBuffer(), callback: this.onRead } })
    let resolveReady!: () => void
    this.ready = new Promise<void>((resolve) => (resolveReady = resolve))
    this.readyNow = resolveReady
    this.socket.once('connect', this.onConnect)
    this.socket.once('close', resolveReady)
    this.socket.on('timeout', this.onTimeout)
    this.socket.on('error', this.onError)
    this.socket.on('close', this.onClose)
  }

  private onConnect = (): void => {
    const run = this.run
    if (run.stopped) {
      this.socket.destroy()
      return
    }
    this.alive = true
    run.connects++
    run.register(this)
    // One verified byte before the clock starts: a handshake the client saw complete may still
    // sit in a full accept queue on the server (its ACK dropped), and would stall the first echo.
    writePattern(this.socket, this.origin, 0, 1)
    this.sent = 1
  }

  private onTimeout = (): void => {
    const { host, port, connectTimeout } = this.run.options
    this.socket.destroy(
      this.alive
        ? new NetkitError(ErrorCode.BENCH_STALLED, `no echo within ${connectTimeout} ms of connecting`)
        : new TimeoutError(`connect to ${host} port ${port} (tcp) failed: Connection timed out`, { operation: 'connect', host, port, protocol: 'tcp' }),
    )
  }

  private onError = (err: Error): void => {
    if (!this.run.stopped) this.run.error(err)
  }

  private onClose = (hadError: boolean): void => {
    const run = this.run
    // An echo server does not end a connection its client keeps open: that is an error too.
    if (!hadError && !this.closing && !run.stopped) {
      run.error(
        new NetkitError(
          ErrorCode.BENCH_CLOSED,
          this.warm ? `the server closed the connection after echoing ${this.received} bytes` : 'the server closed the connection before echoing anything',
        ),
      )
    }
    if (this.alive) {
      this.alive = false
      run.unregister(this)
    }
  }

  /** Returns true: keep reading (net's onread contract). */
  private onRead = (n: number, chunk: Buffer): boolean => {
    if (this.run.stopped) return true
    if (!this.warm) this.onWarmUpData(n, chunk)
    else if (this.stream) this.onStreamData(n, chunk)
    else this.onPingData(n, chunk)
    return true
  }

  private onWarmUpData(n: number, chunk: Buffer): void {
    if (this.received + n > this.sent || !matchesPattern(chunk, this.origin, this.received, n)) {
      this.run.mismatch('warm-up: echoed bytes differ from the bytes sent')
      this.destroy()
      return
    }
    this.received += n
    if (this.received < this.sent) return
    this.socket.setTimeout(0)
    this.warm = true
    // The only 'drain' listener: pump() must run once per drain, or it writes past backpressure.
    if (this.stream) this.socket.on('drain', this.pump)
    this.readyNow()
  }

  start(): void {
    if (this.stream) this.pump()
    else this.sendMessage()
  }

  destroy(): void {
    this.closing = true
    this.socket.destroy()
  }

  private sendMessage(): void {
    if (!this.run.take()) {
      this.destroy()
      return
    }
    this.bad = false
    this.sentAt = performance.now()
    const size = this.run.options.size
    writePattern(this.socket, this.origin, this.sent, size)
    this.sent += size
  }

  private onPingData(n: number, chunk: Buffer): void {
    const run = this.run
    if (this.received + n > this.sent) {
      run.mismatch(`pingpong: received ${this.received + n - this.sent} bytes more than sent`)
      this.destroy()
      return
    }
    if (!this.bad && !matchesPattern(chunk, this.origin, this.received, n)) {
      this.bad = true
      run.mismatch('pingpong: echoed message differs from the message sent')
    }
    this.received += n
    run.bytes += n
    if (this.received === this.sent) {
      if (!this.bad) {
        run.histogram.record((performance.now() - this.sentAt) * 1000)
        run.complete(1)
      }
      if (!run.stopped) this.sendMessage()
    }
  }

  private pump = (): void => {
    const run = this.run
    const size = run.options.size
    this.blocked = false
    while (!run.stopped && this.sent - this.received < STREAM_WINDOW) {
      if (!run.take()) return
      const ok = writePattern(this.socket, this.origin, this.sent, size)
      this.sent += size
      if (!ok) return // 'drain' calls pump again
    }
    this.blocked = !run.stopped
  }

  private onStreamData(n: number, chunk: Buffer): void {
    const run = this.run
    if (this.received + n > this.sent) {
      run.mismatch(`stream: received ${this.received + n - this.sent} bytes more than sent`)
      this.destroy()
      return
    }
    if (!matchesPattern(chunk, this.origin, this.received, n)) run.mismatch('stream: echoed bytes differ from the bytes sent')
    const size = run.options.size
    const before = Math.floor(this.received / size)
    this.received += n
    run.bytes += n
    const writes = Math.floor(this.received / size) - before
    if (writes > 0) run.complete(writes)
    // Blocked by the window (not by the socket): refill once half of it has come back.
    if (this.blocked && this.sent - this.received <= STREAM_WINDOW / 2 && !this.socket.writableNeedDrain) this.pump()
  }
}
