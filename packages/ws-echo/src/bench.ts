import { performance } from 'node:perf_hooks'
import type { WebSocket } from 'ws'
import { BenchTally, checkCount, ErrorCode, InvalidArgumentError, NetkitError, type BenchProgress, type BenchRunControls, type BenchTotals, type LatencySummary } from '@netkit/shared'
import { Pattern } from './pattern.js'

/**
 * The verifying load tester, on the `ws` client. Every connection sends deterministic payloads
 * (pattern.ts) and checks each echo: same type (text or binary), the expected prefix on text,
 * then the exact bytes, in order.
 *
 * - pingpong: one message in flight per connection; latency is measured per message.
 * - stream: each connection keeps up to STREAM_WINDOW bytes of messages unechoed.
 */

export type WsBenchMode = 'pingpong' | 'stream'
export const WS_BENCH_MODES: readonly WsBenchMode[] = ['pingpong', 'stream']
/** Unechoed bytes a stream connection may have outstanding (at least one message). */
export const STREAM_WINDOW = 1024 * 1024

/** With the run controls (BenchRunControls): setting a connection up (`connectTimeout`) is the WebSocket handshake. */
export interface WsBenchOptions extends BenchRunControls {
  /** `ws://host:port/path` or `wss://…`. */
  url: string
  /** Default `pingpong`. */
  mode?: WsBenchMode
  /** Concurrent connections (default 100). */
  connections?: number
  /** Message size in bytes (default 64; 64 KiB for stream). */
  size?: number
  /** How long to run, ms (default 10,000). */
  duration?: number
  /** Send binary messages (default: text). */
  binary?: boolean
  /** The server prepends this to text echoes (`ws-echo --prefix`); checked on every echo. */
  expectPrefix?: string
  /** wss: accept any certificate. */
  insecure?: boolean
}

/** Counts so far (completed: messages echoed and verified). */
export type WsBenchProgress = BenchProgress

export interface WsBenchResult extends BenchTotals {
  url: string
  mode: WsBenchMode
  connections: number
  size: number
  binary: boolean
  /** Round-trip times in microseconds (pingpong). */
  latency?: LatencySummary
}

interface Resolved {
  url: string
  host: string
  port: number
  mode: WsBenchMode
  connections: number
  size: number
  duration: number
  binary: boolean
  prefix: Buffer
  insecure: boolean
  connectTimeout: number
  stallTimeout: number
}

/** Largest message the load tester sends (the server's default limit). */
const MAX_SIZE = 16 * 1024 * 1024

/** Validate and fill in defaults. */
export function resolveWsBenchOptions(options: WsBenchOptions): Resolved {
  const mode = options.mode ?? 'pingpong'
  if (!WS_BENCH_MODES.includes(mode)) throw new InvalidArgumentError(`invalid bench mode: ${JSON.stringify(mode)} (use ${WS_BENCH_MODES.join(', ')})`)
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new InvalidArgumentError(`invalid URL: ${JSON.stringify(options.url)} (expected ws://host:port/path or wss://…)`)
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new InvalidArgumentError(`unsupported URL scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))}: use ws:// or wss://`)
  }
  checkCount(options.connections, 'connections', 1, 100_000)
  checkCount(options.size, 'size', 1, MAX_SIZE)
  checkCount(options.duration, 'duration', 1)
  checkCount(options.connectTimeout, 'connectTimeout', 1)
  checkCount(options.stallTimeout, 'stallTimeout', 1)
  return {
    url: url.href,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port) || (url.protocol === 'wss:' ? 443 : 80),
    mode,
    connections: options.connections ?? 100,
    size: options.size ?? (mode === 'stream' ? 64 * 1024 : 64),
    duration: options.duration ?? 10_000,
    binary: options.binary === true,
    prefix: Buffer.from(options.binary ? '' : (options.expectPrefix ?? ''), 'utf8'),
    insecure: options.insecure === true,
    connectTimeout: options.connectTimeout ?? 10_000,
    stallTimeout: options.stallTimeout ?? 10_000,
  }
}

/**
 * Drive a WebSocket echo server and verify every echo. Resolves with the measurements (errors
 * and mismatches included: the caller decides whether they fail the run); rejects with a
 * NetworkError when not a single connection could be opened.
 */
export async function runWsBench(options: WsBenchOptions): Promise<WsBenchResult> {
  const resolved = resolveWsBenchOptions(options)
  const { WebSocket } = await import('ws')
  const run = new BenchRun(resolved, WebSocket, options.onProgress)
  await run.executeUntil(options.signal)
  return run.result()
}

type WebSocketClass = typeof WebSocket

class BenchRun extends BenchTally {
  readonly pattern: Pattern
  private readonly clients: Client[] = []
  private live = 0
  private finished: (() => void) | undefined

  constructor(
    readonly options: Resolved,
    readonly WebSocketClass: WebSocketClass,
    onProgress: ((progress: WsBenchProgress) => void) | undefined,
  ) {
    super({ host: options.host, port: options.port, protocol: 'tcp' }, { duration: options.duration, stallTimeout: options.stallTimeout, onProgress })
    this.pattern = new Pattern(options.size, options.binary)
  }

  async execute(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finished = resolve))
    for (let i = 0; i < this.options.connections; i++) this.clients.push(new Client(this, i))
    await Promise.all(this.clients.map((c) => c.ready))
    if (this.stopped) return
    if (this.connects === 0) throw this.connectError()
    this.begin()
    for (const c of this.clients) if (c.open) c.start()
    if (this.live === 0) this.stop(false)
    await done
  }

  opened(): void {
    this.connects++
    this.live++
  }

  closed(): void {
    if (--this.live === 0) {
      // Every connection is gone (the run is over, or the server closed them all).
      this.stop(false)
      this.finished?.()
    }
  }

  protected stopClients(): void {
    for (const c of this.clients) c.destroy()
    if (this.live === 0) this.finished?.()
  }

  result(): WsBenchResult {
    const o = this.options
    this.stop(this.aborted)
    const { latency, ...totals } = this.totals(o.mode === 'pingpong')
    return { url: o.url, mode: o.mode, connections: o.connections, size: o.size, binary: o.binary, ...totals, ...(latency ? { latency } : {}) }
  }
}

/** One connection of the run. */
class Client {
  private readonly ws: WebSocket
  private readonly origin: number
  private readonly window: number
  /** Messages sent and echoes received so far. */
  private sent = 0
  private received = 0
  private sentAt = 0
  private closing = false
  open = false
  readonly ready: Promise<void>

  constructor(
    private readonly run: BenchRun,
    id: number,
  ) {
    const o = run.options
    this.origin = Pattern.start(id)
    this.window = o.mode === 'stream' ? Math.max(1, Math.floor(STREAM_WINDOW / o.size)) : 1
    this.ws = new run.WebSocketClass(o.url, {
      perMessageDeflate: false,
      // Every echo is compared byte for byte; validating its UTF-8 as well would only cost time.
      skipUTF8Validation: true,
      // An all-zero masking key is a legal key (RFC 6455 5.3 asks only that clients mask); ws then
      // skips copying and XOR-ing each message on our side, while the server still unmasks as
      // always. The load tester's own cost drops, so more of the run measures the server.
      generateMask: zeroMask,
      maxPayload: o.prefix.length + o.size + 1024,
      handshakeTimeout: o.connectTimeout,
      rejectUnauthorized: !o.insecure,
    })
    this.ready = new Promise<void>((resolve) => {
      this.ws.once('open', () => {
        this.open = true
        run.opened()
        resolve()
      })
      this.ws.once('close', () => resolve())
    })
    this.ws.on('error', (err) => {
      if (!run.stopped) run.error(err)
    })
    this.ws.on('close', (code, reason) => this.onClose(code, reason))
    this.ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary))
  }

  start(): void {
    this.pump()
  }

  destroy(): void {
    this.closing = true
    this.ws.terminate()
  }

  private pump(): void {
    const o = this.run.options
    while (this.sent - this.received < this.window && !this.run.stopped) {
      if (o.mode === 'pingpong') this.sentAt = performance.now()
      this.ws.send(this.run.pattern.message(this.origin, this.sent), { binary: o.binary })
      this.sent++
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const run = this.run
    if (run.stopped) return
    if (this.received >= this.sent) {
      run.mismatch('received a message that was never sent')
      this.destroy()
      return
    }
    const o = run.options
    if (isBinary !== o.binary) run.mismatch(`sent ${o.binary ? 'binary' : 'text'}, got ${isBinary ? 'binary' : 'text'} back`)
    else if (!run.pattern.matches(data, o.prefix, this.origin, this.received)) run.mismatch(describeMismatch(data, o.prefix, o.size))
    else {
      run.completed++
      run.bytes += data.length
      if (o.mode === 'pingpong') run.histogram.record((performance.now() - this.sentAt) * 1000)
    }
    this.received++
    this.pump()
  }

  private onClose(code: number, reason: Buffer): void {
    const run = this.run
    // An echo server does not close a connection its client keeps open: that is an error.
    if (this.open && !this.closing && !run.stopped) {
      const why = reason.length > 0 ? `: ${reason.toString()}` : ''
      run.error(new NetkitError(ErrorCode.BENCH_CLOSED, `the server closed the connection (code ${code}${why}) after ${this.received} echoes`))
    }
    if (this.open) {
      this.open = false
      run.closed()
    }
  }
}

function zeroMask(mask: Buffer): void {
  mask.fill(0)
}

function describeMismatch(data: Buffer, prefix: Buffer, size: number): string {
  if (data.length !== prefix.length + size) return `echo of ${data.length} bytes, expected ${prefix.length + size}`
  if (prefix.length > 0 && prefix.compare(data, 0, prefix.length) !== 0) return `echo does not start with the expected prefix ${JSON.stringify(prefix.toString())}`
  return 'echoed bytes differ from the message sent'
}
