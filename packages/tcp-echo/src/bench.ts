import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { NetkitError, toNetworkError, UsageError } from '@netkit/shared'
import { LatencyHistogram, type LatencySummary } from './histogram.js'
import { matchesPattern, patternBuffer, patternStart, patternView, PATTERN_PERIOD } from './pattern.js'

/**
 * The verifying load tester. Every connection sends a slice of a deterministic pattern stream
 * (each connection starting at a different place), so each echoed chunk is checked with one
 * Buffer#compare against a buffer made once: no hashing, no copies, no per-message buffers.
 *
 * - churn: connect, send `size` bytes and half-close, read the echo to EOF, close; repeat.
 * - pingpong: persistent connections, one `size`-byte message in flight on each.
 * - stream: persistent connections writing continuously (at most STREAM_WINDOW bytes unechoed).
 */

export type TcpBenchMode = 'churn' | 'pingpong' | 'stream'
export const TCP_BENCH_MODES: readonly TcpBenchMode[] = ['churn', 'pingpong', 'stream']

export interface TcpBenchOptions {
  host: string
  port: number
  /** Default `pingpong`. */
  mode?: TcpBenchMode
  /** Concurrent connections (default 100). */
  connections?: number
  /** How long to run, ms (default 10,000 unless `requests` is given). */
  duration?: number
  /**
   * Stop after this many: connections (churn), messages (pingpong) or writes of `size` bytes
   * (stream), across all connections and threads. With `duration` too, whichever comes first.
   */
  requests?: number
  /** Message size (churn, pingpong; default 64) or write size (stream; default 16 KiB), bytes. */
  size?: number
  /** Worker threads sharing the connections (default 1: this thread). */
  threads?: number
  /**
   * Give up on setting a connection up after this many ms (default 10,000): for pingpong and
   * stream that is the handshake plus the echo of one warm-up byte.
   */
  connectTimeout?: number
  /** Stop with an error when no echo arrives for this many ms (default 10,000). */
  stallTimeout?: number
  /** Called about every 250 ms while running. */
  onProgress?: (progress: TcpBenchProgress) => void
  /** Stop early and report what was measured so far. */
  signal?: AbortSignal
}

export interface TcpBenchProgress {
  elapsedMs: number
  /** Connections (churn), messages (pingpong) or bytes (stream) verified so far. */
  completed: number
  bytes: number
  errors: number
  mismatches: number
}

export interface TcpBenchResult {
  mode: TcpBenchMode
  host: string
  port: number
  connections: number
  threads: number
  size: number
  /** Measured time, ms (for pingpong and stream, after every connection was set up). */
  durationMs: number
  /** Connections opened successfully. */
  connects: number
  /** Connections (churn), messages (pingpong) or writes echoed in full (stream), all verified. */
  completed: number
  /** Echoed bytes received and compared. */
  bytes: number
  /** completed per second (churn: connections/s, pingpong: messages/s). */
  perSecond: number
  /** bytes per second. */
  bytesPerSecond: number
  /** Round-trip times in microseconds (pingpong: per message; churn: connect to EOF). */
  latency?: LatencySummary
  /** Socket errors (refused, reset, timeouts, stalls, a server closing a pingpong or stream connection). */
  errors: number
  /** Echoes that differed from what was sent (pingpong: messages, churn: connections, stream: reads). */
  mismatches: number
  /** Up to five distinct error descriptions, for the report. */
  errorSamples: string[]
  /** Whether the run was cut short by the signal. */
  aborted: boolean
}

/**
 * Every client socket of this thread reads into this one buffer (net's `onread` option): no
 * Buffer per read, no stream machinery, and the bytes are verified before the next read.
 */
let readBuffer: Buffer | undefined
function sharedReadBuffer(): Buffer {
  return (readBuffer ??= Buffer.allocUnsafe(64 * 1024))
}

/** Unechoed bytes a stream connection may have outstanding. */
export const STREAM_WINDOW = 1024 * 1024
const MAX_ERROR_SAMPLES = 5
const PROGRESS_INTERVAL_MS = 250

interface ResolvedOptions {
  host: string
  port: number
  mode: TcpBenchMode
  connections: number
  duration: number | undefined
  requests: number | undefined
  size: number
  threads: number
  connectTimeout: number
  stallTimeout: number
}

/** Validate and fill in defaults (shared by the CLI, the library and the worker threads). */
export function resolveBenchOptions(options: TcpBenchOptions): ResolvedOptions {
  const mode = options.mode ?? 'pingpong'
  if (!TCP_BENCH_MODES.includes(mode)) throw new UsageError(`invalid bench mode: ${JSON.stringify(mode)} (use ${TCP_BENCH_MODES.join(', ')})`)
  const check = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) throw new UsageError(`${name} must be a whole number >= ${min}, got ${value}`)
  }
  check('connections', options.connections, 1)
  check('duration', options.duration, 1)
  check('requests', options.requests, 1)
  check('size', options.size, 1)
  check('threads', options.threads, 1)
  check('connectTimeout', options.connectTimeout, 1)
  check('stallTimeout', options.stallTimeout, 1)
  check('port', options.port, 1)
  if (options.port > 65_535) throw new UsageError(`port out of range: ${options.port}`)
  const requests = options.requests
  return {
    host: options.host,
    port: options.port,
    mode,
    connections: options.connections ?? 100,
    duration: options.duration ?? (requests === undefined ? 10_000 : undefined),
    requests,
    size: options.size ?? (mode === 'stream' ? 16 * 1024 : 64),
    threads: options.threads ?? 1,
    connectTimeout: options.connectTimeout ?? 10_000,
    stallTimeout: options.stallTimeout ?? 10_000,
  }
}

/**
 * Drive an echo server and verify every byte it sends back. Resolves with the measurements
 * (errors and mismatches included: the caller decides whether they fail the run). Rejects with a
 * NetworkError when not a single connection could be made.
 */
export async function runTcpBench(options: TcpBenchOptions): Promise<TcpBenchResult> {
  const resolved = resolveBenchOptions(options)
  if (resolved.threads > 1) {
    const { runThreads } = await import('./bench-threads.js')
    return runThreads(resolved, options.onProgress, options.signal)
  }
  const result = await runLocal(resolved, options.onProgress, options.signal)
  return result.result
}

/** A run in this thread; also returns the histogram so threads can merge theirs. */
export async function runLocal(
  options: ResolvedOptions,
  onProgress?: (progress: TcpBenchProgress) => void,
  signal?: AbortSignal,
): Promise<{ result: TcpBenchResult; histogram: LatencyHistogram }> {
  patternBuffer()
  const run = new BenchRun(options, onProgress)
  const onAbort = () => run.stop(true)
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (signal?.aborted) run.stop(true)
    else await run.execute()
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
  return { result: run.result(), histogram: run.histogram }
}

class BenchRun {
  readonly options: ResolvedOptions
  readonly histogram = new LatencyHistogram()
  readonly onProgress: ((progress: TcpBenchProgress) => void) | undefined
  completed = 0
  bytes = 0
  errors = 0
  mismatches = 0
  connects = 0
  firstError: unknown
  stopped = false
  aborted = false
  /** Requests handed out (requests mode). */
  private issued = 0
  private readonly samples = new Set<string>()
  private startedAt = 0
  private endedAt = 0
  private lastProgressAt = 0
  private lastCompleted = -1
  private lastBytes = -1
  private live = new Set<Client>()
  private finished: (() => void) | undefined
  private deadline: NodeJS.Timeout | undefined
  private ticker: NodeJS.Timeout | undefined
  private nextConnectionId = 0
  /** Persistent clients still being set up (stop() must not wait for their connect timeout). */
  private connecting: Client[] = []

  constructor(options: ResolvedOptions, onProgress?: (progress: TcpBenchProgress) => void) {
    this.options = options
    this.onProgress = onProgress
  }

  async execute(): Promise<void> {
    const { mode, connections } = this.options
    const done = new Promise<void>((resolve) => (this.finished = resolve))
    if (mode === 'churn') {
      this.begin()
      for (let i = 0; i < connections && !this.stopped; i++) new ChurnSlot(this).next()
    } else {
      // Set every connection up first, so the measurement is the steady state, not the handshakes.
      const clients: PersistentClient[] = (this.connecting = [])
      for (let i = 0; i < connections; i++) clients.push(new PersistentClient(this, mode === 'stream'))
      await Promise.all(clients.map((c) => c.ready))
      if (this.stopped) {
        for (const c of clients) c.destroy()
        return
      }
      if (this.connects === 0) {
        throw toNetworkError(this.firstError ?? new Error('no connection'), {
          operation: 'connect',
          host: this.options.host,
          port: this.options.port,
          protocol: 'tcp',
        })
      }
      this.connecting = []
      this.begin()
      for (const c of clients) if (c.alive) c.start()
    }
    if (this.live.size === 0) this.stop(false)
    await done
    if (this.connects === 0 && this.firstError !== undefined && !this.aborted) {
      throw toNetworkError(this.firstError, { operation: 'connect', host: this.options.host, port: this.options.port, protocol: 'tcp' })
    }
  }

  private begin(): void {
    this.startedAt = performance.now()
    this.lastProgressAt = this.startedAt
    if (this.options.duration !== undefined) {
      this.deadline = setTimeout(() => this.stop(false), this.options.duration)
    }
    this.ticker = setInterval(() => this.tick(), PROGRESS_INTERVAL_MS)
  }

  private tick(): void {
    const now = performance.now()
    if (this.completed !== this.lastCompleted || this.bytes !== this.lastBytes) {
      this.lastCompleted = this.completed
      this.lastBytes = this.bytes
      this.lastProgressAt = now
    } else if (now - this.lastProgressAt > this.options.stallTimeout) {
      this.error(new NetkitError('NETKIT_BENCH_STALLED', `no echo for ${this.options.stallTimeout} ms`))
      this.stop(false)
      return
    }
    this.onProgress?.(this.progress())
  }

  progress(): TcpBenchProgress {
    const now = this.stopped ? this.endedAt : performance.now()
    return {
      elapsedMs: this.startedAt === 0 ? 0 : now - this.startedAt,
      completed: this.completed,
      bytes: this.bytes,
      errors: this.errors,
      mismatches: this.mismatches,
    }
  }

  /** Hand out one unit of work, or say that the run is over. */
  take(): boolean {
    if (this.stopped) return false
    const limit = this.options.requests
    if (limit === undefined) return true
    if (this.issued >= limit) return false
    this.issued++
    return true
  }

  nextId(): number {
    return this.nextConnectionId++
  }

  complete(count: number): void {
    this.completed += count
    const limit = this.options.requests
    if (limit !== undefined && this.completed >= limit) this.stop(false)
  }

  error(err: unknown): void {
    this.errors++
    this.firstError ??= err
    if (this.samples.size < MAX_ERROR_SAMPLES) {
      this.samples.add(toNetworkError(err, { host: this.options.host, port: this.options.port }).message)
    }
  }

  mismatch(what: string): void {
    this.mismatches++
    if (this.samples.size < MAX_ERROR_SAMPLES) this.samples.add(what)
  }

  register(client: Client): void {
    this.live.add(client)
  }

  unregister(client: Client): void {
    this.live.delete(client)
    if (this.live.size === 0) {
      // The last client gone (all persistent connections died, or every churn slot ran out of work).
      this.stop(false)
      this.finish()
    }
  }

  stop(aborted: boolean): void {
    if (this.stopped) return
    this.stopped = true
    this.aborted = aborted
    this.endedAt = performance.now()
    clearTimeout(this.deadline)
    clearInterval(this.ticker)
    for (const client of [...this.live]) client.destroy()
    for (const client of this.connecting) client.destroy()
    if (this.live.size === 0) this.finish()
  }

  private finish(): void {
    this.finished?.()
    this.finished = undefined
  }

  result(): TcpBenchResult {
    const o = this.options
    if (!this.stopped) this.stop(false)
    const durationMs = this.startedAt === 0 ? 0 : this.endedAt - this.startedAt
    const seconds = durationMs / 1000
    return {
      mode: o.mode,
      host: o.host,
      port: o.port,
      connections: o.connections,
      threads: o.threads,
      size: o.size,
      durationMs,
      connects: this.connects,
      completed: this.completed,
      bytes: this.bytes,
      perSecond: seconds > 0 ? this.completed / seconds : 0,
      bytesPerSecond: seconds > 0 ? this.bytes / seconds : 0,
      ...(o.mode === 'stream' ? {} : { latency: this.histogram.summary() }),
      errors: this.errors,
      mismatches: this.mismatches,
      errorSamples: [...this.samples],
      aborted: this.aborted,
    }
  }
}

interface Client {
  destroy(): void
}

/** Write `length` pattern bytes at stream position `position`, in views of at most one period. */
function writePattern(socket: Socket, start: number, position: number, length: number): boolean {
  let ok = true
  let done = 0
  while (done < length) {
    const n = Math.min(length - done, PATTERN_PERIOD)
    ok = socket.write(patternView(start, position + done, n))
    done += n
  }
  return ok
}

/**
 * One churn worker: a loop of short connections, one at a time. Its listeners are made once and
 * reused for every socket it opens.
 */
class ChurnSlot implements Client {
  private readonly run: BenchRun
  private socket: Socket | undefined
  private start = 0
  private received = 0
  private bad = false
  private failed = false
  private openedAt = 0

  constructor(run: BenchRun) {
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
    const err = Object.assign(new Error('connection timed out'), { code: 'ETIMEDOUT' })
    this.socket?.destroy(err)
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

/** A pingpong or stream connection, kept open for the whole run. */
class PersistentClient implements Client {
  private readonly run: BenchRun
  private readonly socket: Socket
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

  constructor(run: BenchRun, stream: boolean) {
    this.run = run
    this.stream = stream
    this.origin = patternStart(run.nextId())
    const { host, port, connectTimeout } = run.options
    const socket = connect({ host, port, noDelay: !stream, timeout: connectTimeout, onread: { buffer: sharedReadBuffer(), callback: this.onRead } })
    this.socket = socket
    let resolveReady!: () => void
    this.ready = new Promise<void>((resolve) => (resolveReady = resolve))
    this.readyNow = resolveReady
    socket.once('connect', () => {
      if (run.stopped) {
        socket.destroy()
        return
      }
      this.alive = true
      run.connects++
      run.register(this)
      // One verified byte before the clock starts: a handshake the client saw complete may still
      // sit in a full accept queue on the server (its ACK dropped), and would stall the first echo.
      writePattern(socket, this.origin, 0, 1)
      this.sent = 1
    })
    socket.once('close', resolveReady)
    socket.on('timeout', () => {
      socket.destroy(
        this.alive
          ? new NetkitError('NETKIT_BENCH_STALLED', `no echo within ${connectTimeout} ms of connecting`)
          : Object.assign(new Error('connection timed out'), { code: 'ETIMEDOUT' }),
      )
    })
    socket.on('error', (err) => {
      if (!run.stopped) run.error(err)
    })
    socket.on('close', (hadError) => {
      // An echo server does not end a connection its client keeps open: that is an error too.
      if (!hadError && !this.closing && !run.stopped) {
        run.error(
          new NetkitError(
            'NETKIT_BENCH_CLOSED',
            this.warm ? `the server closed the connection after echoing ${this.received} bytes` : 'the server closed the connection before echoing anything',
          ),
        )
      }
      if (this.alive) {
        this.alive = false
        run.unregister(this)
      }
    })
    if (stream) socket.on('drain', this.pump)
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
    const run = this.run
    if (this.received + n > this.sent || !matchesPattern(chunk, this.origin, this.received, n)) {
      run.mismatch('warm-up: echoed bytes differ from the bytes sent')
      this.destroy()
      return
    }
    this.received += n
    if (this.received < this.sent) return
    this.socket.setTimeout(0)
    this.warm = true
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
