import dgram from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { performance } from 'node:perf_hooks'
import { toNetworkError, UsageError } from '@netkit/shared'
import { LatencyHistogram, type LatencySummary } from './latency.js'
import { MAX_UDP_PAYLOAD_V4, MAX_UDP_PAYLOAD_V6, PayloadCodec } from './payload.js'

export const DEFAULT_WINDOW = 32
export const DEFAULT_BENCH_SIZE = 64
export const DEFAULT_BENCH_DURATION_MS = 5000
/** A datagram not echoed within this long is counted lost and its slot in the window reused. */
export const DEFAULT_LOSS_TIMEOUT_MS = 1000
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
  /** Round-trip times of verified echoes, in ms. */
  latency: LatencySummary
}

function check(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number ${min}-${max}, got ${value}`)
  }
  return value
}

/**
 * Drive a UDP echo server: keep `window` numbered datagrams in flight for `durationMs`,
 * verify every byte that comes back, and report datagrams per second, loss and round-trip
 * latency. A datagram with no echo within `lossTimeoutMs` is counted lost and replaced, so a
 * lossy path cannot stall the window. Memory is bounded: the in-flight table holds `window`
 * entries and latencies go into a fixed-size histogram.
 */
export async function runUdpBench(options: UdpBenchOptions): Promise<UdpBenchResult> {
  const window = check('window', options.window ?? DEFAULT_WINDOW, 1, 65_536)
  const durationMs = check('durationMs', options.durationMs ?? DEFAULT_BENCH_DURATION_MS, 1)
  const maxDatagrams = check('datagrams', options.datagrams ?? Number.MAX_SAFE_INTEGER, 1)
  const lossTimeoutMs = check('lossTimeoutMs', options.lossTimeoutMs ?? DEFAULT_LOSS_TIMEOUT_MS, 1)
  const bufferSize = check('bufferSize', options.bufferSize ?? 4 * 1024 * 1024, 1)
  const { host, port } = options
  check('port', port, 1, 65_535)

  let address = host
  let family = isIP(host)
  if (family === 0) {
    try {
      const found = await lookup(host)
      address = found.address
      family = found.family
    } catch (err) {
      throw toNetworkError(err, { operation: 'resolve', host, port })
    }
  }
  const size = check('size', options.size ?? DEFAULT_BENCH_SIZE, 8, family === 6 ? MAX_UDP_PAYLOAD_V6 : MAX_UDP_PAYLOAD_V4)
  const codec = new PayloadCodec(size)

  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', recvBufferSize: bufferSize, sendBufferSize: bufferSize })
  // A connected socket only hears from the server, and learns of an ICMP port unreachable.
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(toNetworkError(err, { operation: 'connect', host, port, protocol: 'udp' }))
    socket.once('error', onError)
    socket.connect(port, address, () => {
      socket.off('error', onError)
      resolve()
    })
  }).catch((err: unknown) => {
    socket.close()
    throw err
  })

  const inFlight = new Map<number, number>() // seq -> send time (performance.now ms), in send order
  const histogram = new LatencyHistogram()
  const mismatchSamples: string[] = []
  let nextSeq = 0
  let sent = 0
  let verified = 0
  let verifiedInWindow = 0
  let mismatches = 0
  let lost = 0
  let late = 0
  let errors = 0
  let firstError: string | undefined
  let sending = true
  let startMs = 0
  let stopMs = 0

  let finish!: () => void
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })

  const sendOne = () => {
    const seq = nextSeq
    nextSeq = (nextSeq + 1) >>> 0
    inFlight.set(seq, performance.now())
    sent++
    socket.send(codec.encode(seq))
  }
  const refill = () => {
    while (sending && inFlight.size < window && sent < maxDatagrams) sendOne()
    if (sending && sent >= maxDatagrams) stopSending()
    if (!sending && inFlight.size === 0) finish()
  }
  const stopSending = () => {
    if (!sending) return
    sending = false
    stopMs = performance.now()
    if (inFlight.size === 0) finish()
  }

  socket.on('message', (msg) => {
    const now = performance.now()
    const verdict = codec.verify(msg)
    if (!verdict.ok) {
      mismatches++
      if (verdict.seq !== undefined) inFlight.delete(verdict.seq)
      if (mismatchSamples.length < MAX_MISMATCH_SAMPLES) mismatchSamples.push(`${verdict.seq === undefined ? '' : `#${verdict.seq}: `}${verdict.reason}`)
    } else {
      const sentAt = inFlight.get(verdict.seq)
      if (sentAt === undefined) {
        late++
      } else {
        inFlight.delete(verdict.seq)
        verified++
        if (sending) verifiedInWindow++
        histogram.record((now - sentAt) * 1000)
      }
    }
    refill()
  })
  socket.on('error', (err) => {
    errors++
    firstError ??= toNetworkError(err, { operation: 'send', host, port, protocol: 'udp' }).message
  })

  const sweepEvery = Math.max(5, Math.min(100, lossTimeoutMs / 4))
  const sweeper = setInterval(() => {
    const now = performance.now()
    // The map iterates in send order, so the first entry that is not overdue ends the scan.
    for (const [seq, sentAt] of inFlight) {
      if (now - sentAt < lossTimeoutMs) break
      inFlight.delete(seq)
      lost++
    }
    if (sending && now - startMs >= durationMs) stopSending()
    refill()
  }, sweepEvery)
  const progress = options.onProgress
    ? setInterval(() => options.onProgress!({ elapsedMs: performance.now() - startMs, sent, verified, lost, mismatches }), 250)
    : undefined
  const stopTimer = setTimeout(stopSending, durationMs)
  const onAbort = () => stopSending()
  options.signal?.addEventListener('abort', onAbort, { once: true })

  startMs = performance.now()
  if (options.signal?.aborted) stopSending()
  refill()
  await done
  clearInterval(sweeper)
  clearInterval(progress)
  clearTimeout(stopTimer)
  options.signal?.removeEventListener('abort', onAbort)
  await new Promise<void>((resolve) => socket.close(() => resolve()))

  const measuredMs = Math.max(1, stopMs - startMs)
  const perSecond = (n: number) => Math.round((n / measuredMs) * 1000)
  return {
    host,
    port,
    window,
    size,
    durationMs: Math.round(measuredMs),
    sent,
    verified,
    mismatches,
    lost,
    late,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    mismatchSamples,
    datagramsPerSecond: perSecond(verifiedInWindow),
    bytesPerSecond: perSecond(verifiedInWindow * size),
    lossRate: sent === 0 ? 0 : lost / sent,
    latency: histogram.summary(),
  }
}
