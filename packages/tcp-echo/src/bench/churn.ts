import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { TimeoutError } from '@netkit/shared'
import type { BenchClient, BenchContext } from './context.js'
import { sharedReadBuffer, writePattern } from './io.js'
import { matchesPattern, patternStart } from './pattern.js'

/**
 * One churn worker: a loop of short connections, one at a time (connect, send `size` bytes and
 * half-close, read the echo to EOF, close). Its listeners are made once and reused for every
 * socket it opens.
 */
export class ChurnSlot implements BenchClient {
  private readonly run: BenchContext
  private socket: Socket | undefined
  private start = 0
  private received = 0
  private bad = false
  private failed = false
  private openedAt = 0

  constructor(run: BenchContext) {
    this.run = run
    run.register(this)
  }

  next = (): void => {
    const run = this.run
    if (!run.take()) {
      this.socket = undefined
      run.unregister(this)
      return
    }
    const { host, port, size, connectTimeout } = run.options
    this.start = patternStart(run.nextId())
    this.received = 0
    this.bad = false
    this.failed = false
    this.openedAt = performance.now()
    const socket = connect({ host, port, noDelay: true, timeout: connectTimeout, onread: { buffer: sharedReadBuffer(), callback: this.onRead } })
    this.socket = socket
    socket.on('connect', this.onConnect)
    socket.on('error', this.onError)
    socket.on('timeout', this.onTimeout)
    socket.on('close', this.onClose)
    // Writes queue until connected; ending at once sends our FIN right after the message.
    writePattern(socket, this.start, 0, size)
    socket.end()
  }

  private onConnect = (): void => {
    this.run.connects++
  }

  /** Returns true: keep reading (net's onread contract). */
  private onRead = (n: number, chunk: Buffer): boolean => {
    const size = this.run.options.size
    if (this.received + n > size) {
      if (!this.bad) this.run.mismatch(`churn: received more bytes than sent (${this.received + n} > ${size})`)
      this.bad = true
      this.failed = true
      this.socket?.destroy()
      return true
    }
    if (!this.bad && !matchesPattern(chunk, this.start, this.received, n)) this.bad = true
    this.received += n
    this.run.bytes += n
    return true
  }

  private onError = (err: Error): void => {
    this.failed = true
    if (!this.run.stopped) this.run.error(err)
  }

  private onTimeout = (): void => {
    const { host, port, connectTimeout } = this.run.options
    this.socket?.destroy(new TimeoutError(`no echo within ${connectTimeout} ms of connecting to ${host} port ${port}`, { operation: 'connect', host, port, protocol: 'tcp' }))
  }

  private onClose = (): void => {
    const run = this.run
    if (run.stopped && !this.failed && this.received < run.options.size) {
      // Cut off by the end of the run: neither a success nor a failure.
    } else if (!this.failed) {
      if (this.bad) run.mismatch('churn: echoed bytes differ from the bytes sent')
      else if (this.received < run.options.size) run.mismatch(`churn: echo ended after ${this.received} of ${run.options.size} bytes`)
      else {
        run.histogram.record((performance.now() - this.openedAt) * 1000)
        run.complete(1)
      }
    }
    if (run.connects === 0 && run.errors >= run.options.connections) {
      // Not one connection made in a whole round: the server is not there; stop instead of spinning.
      run.stop(false)
    }
    if (run.stopped) {
      this.socket = undefined
      run.unregister(this)
      return
    }
    // Bounded by the run: take() refuses once the deadline or the request count is reached.
    setImmediate(this.next)
  }

  destroy(): void {
    this.socket?.destroy()
  }
}
