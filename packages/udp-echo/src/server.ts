import dgram from 'node:dgram'
import { EventEmitter } from 'node:events'
import { isIP } from 'node:net'
import { performance } from 'node:perf_hooks'
import { bindServer, checkCount, InvalidArgumentError, isLoopback } from '@netkit/shared'
import { DEFAULT_MAX_SOURCES, DEFAULT_RATE_LIMIT, SourceLimiter } from './source-limiter.js'
import { resolveUdpAddress } from './resolve.js'

/** The default port: 7 is the echo service, but needs root; 7007 is easy to remember. */
export const DEFAULT_PORT = 7007
export const DEFAULT_HOST = '127.0.0.1'
/** No datagram is larger than this (the IP length field is 16 bits). */
export const MAX_DATAGRAM_SIZE = 65_535
/** Socket receive and send buffers asked for; the kernel caps them (net.core.rmem_max / wmem_max). */
export const DEFAULT_BUFFER_SIZE = 4 * 1024 * 1024
/** Echoes waiting for the kernel beyond this are dropped, so a slow network cannot grow our memory. */
export const DEFAULT_MAX_SEND_QUEUE = 1024

export interface UdpEchoServerOptions {
  /** Address to bind (default `127.0.0.1`); `0.0.0.0` or `::` for all interfaces. Names are resolved. */
  host?: string
  /** Port to bind (default 7007); 0 picks a free one. */
  port?: number
  /** Datagrams larger than this many bytes are dropped and counted (default: none are). */
  maxSize?: number
  /**
   * Datagrams per second accepted from each source address; 0 turns the limit off. Default:
   * off on a loopback address, DEFAULT_RATE_LIMIT (100) on any other.
   */
  rateLimit?: number
  /** Datagrams a quiet source may send at once (default: one second's worth of rateLimit). */
  rateBurst?: number
  /** Source addresses remembered for the rate limit at most (default 65,536). */
  maxSources?: number
  /** SO_RCVBUF / SO_SNDBUF in bytes (default 4 MiB, capped by the kernel). */
  bufferSize?: number
  /** Echoes queued in the socket beyond this are dropped (default 1,024). */
  maxSendQueue?: number
  /** With `::`, accept IPv6 only (default false: IPv4 too, as IPv4-mapped addresses). */
  ipv6Only?: boolean
}

export interface UdpEchoStats {
  /** Datagrams received. */
  received: number
  /** Datagrams echoed (handed to the kernel). */
  echoed: number
  droppedTooLarge: number
  droppedRateLimited: number
  /** Dropped because the socket's send queue was full. */
  droppedSendQueue: number
  /** Sends the kernel refused. */
  sendErrors: number
  bytesReceived: number
  bytesEchoed: number
  /** Distinct source addresses seen (one silent for over a minute counts again). */
  sources: number
  /** Source addresses remembered right now. */
  activeSources: number
  /** Milliseconds since the server started. */
  uptimeMs: number
}

export interface Peer {
  address: string
  port: number
}

export type DropReason = 'too-large' | 'rate-limited' | 'send-queue-full'

export interface UdpEchoEvents {
  /** A datagram was echoed (listen only when you need it: it fires for every one). */
  datagram: [peer: Peer, data: Buffer]
  /** A datagram was dropped. */
  drop: [peer: Peer, size: number, reason: DropReason]
  /** The first datagram from a source address. */
  source: [peer: Peer]
  /** A source went over the rate limit (once until it slows down). */
  'rate-limit': [peer: Peer]
  /** The kernel refused an echo (the server keeps running). */
  'send-error': [peer: Peer, error: Error]
  close: []
}

export interface UdpEchoServer extends EventEmitter<UdpEchoEvents> {
  /** The bound address: `port` is the real one when 0 was asked. */
  readonly address: { host: string; port: number; family: 'IPv4' | 'IPv6' }
  /** The per-source limit in force (0 when off). */
  readonly rateLimit: number
  readonly maxSize: number
  /** A snapshot of the counters. */
  stats(): UdpEchoStats
  /** Stop receiving and release the port. Safe to call twice. */
  close(): Promise<void>
}

/** A rate: any number from 0 (fractions allowed: 0.5 is one datagram every two seconds). */
function checkRate(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new InvalidArgumentError(`${name} must be a number >= 0, got ${value}`)
  return value
}

/**
 * The resolver dgram calls before every send. Echoes always go to the address a datagram came
 * from, an IP literal, so answer at once instead of dns.lookup's round through the next tick.
 * (Bind addresses are resolved before the socket exists, by resolveUdpAddress.)
 */
function passThroughLookup(
  address: string,
  options: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, isIP(address))
}


class EchoServer extends EventEmitter<UdpEchoEvents> implements UdpEchoServer {
  address: { host: string; port: number; family: 'IPv4' | 'IPv6' } = { host: '', port: 0, family: 'IPv4' }
  readonly rateLimit: number
  readonly maxSize: number
  private readonly socket: dgram.Socket
  private readonly limiter: SourceLimiter
  private readonly maxSendQueue: number
  private readonly startedMs = performance.now()
  private pruneTimer: NodeJS.Timeout | undefined
  private closed: Promise<void> | undefined
  private readonly counters = {
    received: 0,
    echoed: 0,
    droppedTooLarge: 0,
    droppedRateLimited: 0,
    droppedSendQueue: 0,
    sendErrors: 0,
    bytesReceived: 0,
    bytesEchoed: 0,
  }

  constructor(socket: dgram.Socket, limiter: SourceLimiter, maxSize: number, maxSendQueue: number) {
    super()
    this.socket = socket
    this.limiter = limiter
    this.rateLimit = limiter.rate
    this.maxSize = maxSize
    this.maxSendQueue = maxSendQueue
  }

  start(): void {
    const socket = this.socket
    const limiter = this.limiter
    const counters = this.counters
    const maxSize = this.maxSize
    const maxSendQueue = this.maxSendQueue
    // Without a callback, dgram reports a failed send as an 'error' on the socket; count it
    // and carry on (one unreachable client must not stop the server).
    socket.on('error', (err: Error & { address?: string; port?: number }) => {
      counters.sendErrors++
      if (this.listenerCount('send-error') > 0) this.emit('send-error', { address: err.address ?? '', port: err.port ?? 0 }, err)
    })
    socket.on('message', (msg, rinfo) => {
      counters.received++
      counters.bytesReceived += msg.byteLength
      const admission = limiter.admit(rinfo.address, performance.now())
      if (admission === 'new') {
        if (this.listenerCount('source') > 0) this.emit('source', { address: rinfo.address, port: rinfo.port })
      } else if (admission === 'limited' || admission === 'limit-start') {
        counters.droppedRateLimited++
        if (admission === 'limit-start' && this.listenerCount('rate-limit') > 0) this.emit('rate-limit', { address: rinfo.address, port: rinfo.port })
        if (this.listenerCount('drop') > 0) this.emit('drop', { address: rinfo.address, port: rinfo.port }, msg.byteLength, 'rate-limited')
        return
      }
      if (msg.byteLength > maxSize) {
        counters.droppedTooLarge++
        if (this.listenerCount('drop') > 0) this.emit('drop', { address: rinfo.address, port: rinfo.port }, msg.byteLength, 'too-large')
        return
      }
      if (socket.getSendQueueCount() >= maxSendQueue) {
        counters.droppedSendQueue++
        if (this.listenerCount('drop') > 0) this.emit('drop', { address: rinfo.address, port: rinfo.port }, msg.byteLength, 'send-queue-full')
        return
      }
      socket.send(msg, rinfo.port, rinfo.address)
      counters.echoed++
      counters.bytesEchoed += msg.byteLength
      if (this.listenerCount('datagram') > 0) this.emit('datagram', { address: rinfo.address, port: rinfo.port }, msg)
    })
    // Forget idle sources now and then, so the table only holds recent ones.
    this.pruneTimer = setInterval(() => limiter.prune(performance.now()), 10_000)
    this.pruneTimer.unref()
  }

  stats(): UdpEchoStats {
    return {
      ...this.counters,
      sources: this.limiter.seen,
      activeSources: this.limiter.size,
      uptimeMs: Math.round(performance.now() - this.startedMs),
    }
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      clearInterval(this.pruneTimer)
      this.socket.close(() => {
        this.emit('close')
        resolve()
      })
    })
    return this.closed
  }
}

/**
 * Start a UDP echo server: every datagram goes back to its sender unchanged, unless it is
 * larger than `maxSize` or its source is over the rate limit (both dropped and counted).
 * Rejects with a NetworkError (`bind to 127.0.0.1 port 7007 (udp) failed: Address already in use`)
 * when the address cannot be bound.
 */
export async function createUdpEchoServer(options: UdpEchoServerOptions = {}): Promise<UdpEchoServer> {
  const host = options.host ?? DEFAULT_HOST
  const port = checkCount(options.port, 'port', 0, 65_535) ?? DEFAULT_PORT
  const maxSize = checkCount(options.maxSize, 'maxSize', 0, MAX_DATAGRAM_SIZE) ?? MAX_DATAGRAM_SIZE
  const bufferSize = checkCount(options.bufferSize, 'bufferSize', 1) ?? DEFAULT_BUFFER_SIZE
  const maxSendQueue = checkCount(options.maxSendQueue, 'maxSendQueue', 1) ?? DEFAULT_MAX_SEND_QUEUE
  const maxSources = checkCount(options.maxSources, 'maxSources', 1) ?? DEFAULT_MAX_SOURCES
  const rateBurst = checkRate('rateBurst', options.rateBurst)
  if (rateBurst !== undefined && rateBurst < 1) throw new InvalidArgumentError(`rateBurst must be a number >= 1, got ${rateBurst}`)
  const { address, family } = await resolveUdpAddress(host, port)
  const rateLimit = checkRate('rateLimit', options.rateLimit) ?? (isLoopback(address) ? 0 : DEFAULT_RATE_LIMIT)
  const limiter = new SourceLimiter({ rate: rateLimit, burst: rateBurst, maxSources })
  const socket = dgram.createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    ipv6Only: options.ipv6Only ?? false,
    recvBufferSize: bufferSize,
    sendBufferSize: bufferSize,
    lookup: passThroughLookup,
  })
  await bindServer(socket, (s) => s.bind(port, address), { operation: 'bind', host, port, protocol: 'udp' }).catch((err: unknown) => {
    socket.close()
    throw err
  })
  const server = new EchoServer(socket, limiter, maxSize, maxSendQueue)
  const bound = socket.address()
  server.address = { host: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' }
  server.start()
  return server
}
