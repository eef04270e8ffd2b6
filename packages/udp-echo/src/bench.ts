import dgram from 'node:dgram'
import { performance } from 'node:perf_hooks'
import { checkCount, LatencyHistogram, toNetworkError, type LatencySummary } from '@netkit/shared'
import { MAX_UDP_PAYLOAD_V4, MAX_UDP_PAYLOAD_V6, PayloadCodec } from './payload.js'
import { resolveUdpAddress } from './resolve.js'
import { DEFAULT_BENCH_DURATION_MS, DEFAULT_BENCH_SIZE, DEFAULT_LOSS_TIMEOUT_MS, DEFAULT_WINDOW } from './bench-defaults.js'

export { DEFAULT_BENCH_DURATION_MS, DEFAULT_BENCH_SIZE, DEFAULT_LOSS_TIMEOUT_MS, DEFAULT_WINDOW }

/** Mismatch descriptions kept for the report (the count is exact). */
const MAX_MISMATCH_SAMPLES = 5

export interface UdpBenchOptions {
  host: string
  port: number
  /** Datagrams kept in flight (default 32). */
  window?: number
  /** Bytes per datagram, 8 (the header) up to 65,507 (default 64). */
  size?: number
  /** How long to send, in ms (default 5000). */
  durationMs?: number
  /** Stop after sending this many datagrams (whichever comes first with durationMs). */
  datagrams?: number
  /** Wait this long (ms) for an echo before counting it lost (default 1000). */
  lossTimeoutMs?: number
  /** SO_RCVBUF / SO_SNDBUF for the tester's socket (default 4 MiB, capped by the kernel). */
  bufferSize?: number
  signal?: AbortSignal
  /** Called about every 250 ms while the test runs. */
  onProgress?: (progress: UdpBenchProgress) => void
}

export interface UdpBenchProgress {
  elapsedMs: number
  sent: number
  verified: number
  lost: number
  mismatches: number
}

export interface UdpBenchResult {
  host: string
  port: number
  window: number
  size: number
  /** How long datagrams were sent (the rate's denominator). */
  durationMs: number
  sent: number
  /** Echoes that matched what was sent, byte for byte. */
  verified: number
  /** Echoes that did not match (wrong size, wrong bytes, never sent). */
  mismatches: number
  /** Datagrams with no echo within lossTimeoutMs. */
  lost: number
  /** Correct echoes that came after being counted lost, or twice. */
  late: number
  /** Socket errors (an ICMP port unreachable shows up here as ECONNREFUSED). */
  errors: number
  firstError?: string
  mismatchSamples: string[]
  /** Verified echoes per second while sending. */
  datagramsPerSecond: number
  /** Verified echoed payload bytes per second while sending. */
  bytesPerSecond: number
  /** lost / sent. */
  lossRate: number
  /** Round-trip times of verified echoes, in ms (the histogram's `summary('ms')`). */
  latency: LatencySummary
}


/**
 * Drive a UDP echo server: keep `window` numbered datagrams in flight for `durationMs`,
 * verify every byte that comes back, and report datagrams per second, loss and round-trip
 * latency. A datagram with no echo within `lossTimeoutMs` is counted lost and replaced, so a
 * lossy path cannot stall the window. Memory is bounded: the in-flight table holds `window`
 * entries and latencies go into a fixed-size histogram. Options it cannot take throw an
 * InvalidArgumentError.
 */
export async function runUdpBench(options: UdpBenchOptions): Promise<UdpBenchResult> {
  checkCount(options.window, 'window', 1, 65_536)
  checkCount(options.durationMs, 'durationMs', 1)
  checkCount(options.datagrams, 'datagrams', 1)
  checkCount(options.lossTimeoutMs, 'lossTimeoutMs', 1)
  checkCount(options.bufferSize, 'bufferSize', 1)
  checkCount(options.port, 'port', 1, 65_535)
  const { address, family } = await resolveUdpAddress(options.host, options.port)
  checkCount(options.size, 'size', 8, family === 6 ? MAX_UDP_PAYLOAD_V6 : MAX_UDP_PAYLOAD_V4)
  const bufferSize = options.bufferSize ?? 4 * 1024 * 1024
  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', recvBufferSize: bufferSize, sendBufferSize: bufferSize })
  // A connected socket only hears from the server, and learns of an ICMP port unreachable.
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(toNetworkError(err, { operation: 'connect', host: options.host, port: options.port, protocol: 'udp' }))
    socket.once('error', onError)
    socket.connect(options.port, address, () => {
      socket.off('error', onError)
      resolve()
    })
  }).catch((err: unknown) => {
    socket.close()
    throw err
  })
  const run = new UdpBenchRun(options, socket)
  try {
    await run.execute()
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()))
  }
  return run.result()
}

/** One run on a connected socket: the window, the counters and the clock. */
export class UdpBenchRun {
  private readonly host: string
  private readonly port: number
  private readonly window: number
  private readonly size: number
  private readonly durationMs: number
  private readonly maxDatagrams: number
  private readonly lossTimeoutMs: number
  private readonly signal: AbortSignal | undefined
  private readonly onProgress: ((progress: UdpBenchProgress) => void) | undefined
  private readonly socket: dgram.Socket
  private readonly codec: PayloadCodec
  /** seq -> send time (performance.now ms), in send order. */
  private readonly inFlight = new Map<number, number>()
  private readonly histogram = new LatencyHistogram()
  private readonly mismatchSamples: string[] = []
  private nextSeq = 0
  private sent = 0
  private verified = 0
  private verifiedInWindow = 0
  private mismatches = 0
  private lost = 0
  private late = 0
  private errors = 0
  private firstError: string | undefined
  private sending = true
  private startMs = 0
  private stopMs = 0
  private finish: (() => void) | undefined

  constructor(options: UdpBenchOptions, socket: dgram.Socket) {
    this.host = options.host
    this.port = options.port
    this.window = options.window ?? DEFAULT_WINDOW
    this.size = options.size ?? DEFAULT_BENCH_SIZE
    this.durationMs = options.durationMs ?? DEFAULT_BENCH_DURATION_MS
    this.maxDatagrams = options.datagrams ?? Number.MAX_SAFE_INTEGER
    this.lossTimeoutMs = options.lossTimeoutMs ?? DEFAULT_LOSS_TIMEOUT_MS
    this.signal = options.signal
    this.onProgress = options.onProgress
    this.socket = socket
    this.codec = new PayloadCodec(this.size)
  }

  /** Send until the duration, the datagram count or the signal says stop, then wait for the window to empty. */
  async execute(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.finish = resolve))
    this.socket.on('message', this.onMessage)
    this.socket.on('error', this.onError)
    const sweeper = setInterval(this.sweep, Math.max(5, Math.min(100, this.lossTimeoutMs / 4)))
    const progress = this.onProgress ? setInterval(this.reportProgress, 250) : undefined
    const stopTimer = setTimeout(this.stopSending, this.durationMs)
    this.signal?.addEventListener('abort', this.stopSending, { once: true })
    this.startMs = performance.now()
    if (this.signal?.aborted) this.stopSending()
    this.refill()
    try {
      await done
    } finally {
      clearInterval(sweeper)
      clearInterval(progress)
      clearTimeout(stopTimer)
      this.signal?.removeEventListener('abort', this.stopSending)
    }
  }

  private sendOne(): void {
    const seq = this.nextSeq
    this.nextSeq = (this.nextSeq + 1) >>> 0
    this.inFlight.set(seq, performance.now())
    this.sent++
    this.socket.send(this.codec.encode(seq))
  }

  private refill(): void {
    while (this.sending && this.inFlight.size < this.window && this.sent < this.maxDatagrams) this.sendOne()
    if (this.sending && this.sent >= this.maxDatagrams) this.stopSending()
    if (!this.sending && this.inFlight.size === 0) this.finish?.()
  }

  private stopSending = (): void => {
    if (!this.sending) return
    this.sending = false
    this.stopMs = performance.now()
    if (this.inFlight.size === 0) this.finish?.()
  }

  private onMessage = (msg: Buffer): void => {
    const now = performance.now()
    const verdict = this.codec.verify(msg)
    if (!verdict.ok) {
      this.mismatches++
      if (verdict.seq !== undefined) this.inFlight.delete(verdict.seq)
      if (this.mismatchSamples.length < MAX_MISMATCH_SAMPLES) {
        this.mismatchSamples.push(`${verdict.seq === undefined ? '' : `#${verdict.seq}: `}${verdict.reason}`)
      }
    } else {
      const sentAt = this.inFlight.get(verdict.seq)
      if (sentAt === undefined) {
        this.late++
      } else {
        this.inFlight.delete(verdict.seq)
        this.verified++
        if (this.sending) this.verifiedInWindow++
        this.histogram.record((now - sentAt) * 1000)
      }
    }
    this.refill()
  }

  private onError = (err: Error): void => {
    this.errors++
    this.firstError ??= toNetworkError(err, { operation: 'send', host: this.host, port: this.port, protocol: 'udp' }).message
  }

  /** Count overdue datagrams lost (freeing their slots) and end the sending time. */
  private sweep = (): void => {
    const now = performance.now()
    // The map iterates in send order, so the first entry that is not overdue ends the scan.
    for (const [seq, sentAt] of this.inFlight) {
      if (now - sentAt < this.lossTimeoutMs) break
      this.inFlight.delete(seq)
      this.lost++
    }
    if (this.sending && now - this.startMs >= this.durationMs) this.stopSending()
    this.refill()
  }

  private reportProgress = (): void => {
    const { sent, verified, lost, mismatches } = this
    this.onProgress?.({ elapsedMs: performance.now() - this.startMs, sent, verified, lost, mismatches })
  }

  result(): UdpBenchResult {
    const measuredMs = Math.max(1, this.stopMs - this.startMs)
    const perSecond = (n: number) => Math.round((n / measuredMs) * 1000)
    return {
      host: this.host,
      port: this.port,
      window: this.window,
      size: this.size,
      durationMs: Math.round(measuredMs),
      sent: this.sent,
      verified: this.verified,
      mismatches: this.mismatches,
      lost: this.lost,
      late: this.late,
      errors: this.errors,
      ...(this.firstError === undefined ? {} : { firstError: this.firstError }),
      mismatchSamples: this.mismatchSamples,
      datagramsPerSecond: perSecond(this.verifiedInWindow),
      bytesPerSecond: perSecond(this.verifiedInWindow * this.size),
      lossRate: this.sent === 0 ? 0 : this.lost / this.sent,
      latency: this.histogram.summary('ms'),
    }
  }
}
