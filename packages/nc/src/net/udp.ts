import dgram from 'node:dgram'
import { isIP } from 'node:net'
import { Duplex } from 'node:stream'
import { toNetworkError } from '@netkit/shared'
import { abortedError } from './errors.js'
import { connectError } from './connect.js'

/** The largest UDP payload over IPv4; bigger writes are split into several datagrams. */
export const MAX_DATAGRAM = 65_507
/** Received bytes held for a slow reader before datagrams are dropped (UDP has no backpressure). */
export const MAX_DATAGRAM_BACKLOG = 4 * 1024 * 1024

export interface Peer {
  address: string
  port: number
}

/**
 * A UDP socket as a Duplex, so the stream relay serves UDP too: each write is sent as one
 * datagram (split at MAX_DATAGRAM), each datagram received is pushed as one chunk. UDP has no
 * EOF: ending the writable side sends nothing and the readable side never ends.
 */
export class DatagramStream extends Duplex {
  readonly socket: dgram.Socket
  /** Where writes go when the socket is not connected (-k listener: the latest sender). */
  peer: Peer | undefined
  private readonly connected: boolean
  dropped = 0

  /** The host and port asked for (connect mode), to word errors like OpenBSD nc. */
  private readonly target: { host: string; port: number } | undefined

  constructor(socket: dgram.Socket, connected: boolean, peer?: Peer, target?: { host: string; port: number }) {
    super({ allowHalfOpen: true })
    this.socket = socket
    this.connected = connected
    this.peer = peer
    this.target = target
    socket.on('message', (msg, rinfo) => {
      if (!connected) this.peer = { address: rinfo.address, port: rinfo.port }
      this.deliver(msg)
    })
    socket.on('error', (err) => this.destroy(this.describe(err)))
  }

  /** `connect to 127.0.0.1 port 9 (udp) failed: Connection refused` for an ICMP port-unreachable. */
  private describe(err: Error): Error {
    return this.target ? connectError(err, this.target.host, this.target.port, 'udp') : err
  }

  /** Push a datagram, dropping it when the reader is far behind. */
  deliver(msg: Buffer): void {
    if (this.readableLength > MAX_DATAGRAM_BACKLOG) {
      this.dropped++
      return
    }
    this.push(msg)
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    let offset = 0
    const next = (err?: Error | null) => {
      if (err) return cb(this.describe(err))
      if (offset >= chunk.length) return cb()
      const piece = chunk.subarray(offset, offset + MAX_DATAGRAM)
      offset += piece.length
      if (this.connected) this.socket.send(piece, next)
      else if (this.peer) this.socket.send(piece, this.peer.port, this.peer.address, next)
      else next() // nobody to send to yet
    }
    next()
  }

  override _final(cb: () => void): void {
    cb()
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    try {
      this.socket.close()
    } catch {
      // already closed
    }
    cb(err)
  }
}

function socketType(host: string | undefined, family: 4 | 6 | undefined): 'udp4' | 'udp6' {
  if (family === 6 || (host !== undefined && isIP(host) === 6)) return 'udp6'
  return 'udp4'
}

export interface DatagramConnectOptions {
  host: string
  port: number
  family?: 4 | 6
  sourceAddress?: string
  sourcePort?: number
}

/** A connected UDP socket (nc -u host port). */
export async function openDatagram(options: DatagramConnectOptions): Promise<DatagramStream> {
  const socket = dgram.createSocket({ type: socketType(options.sourceAddress ?? options.host, options.family) })
  try {
    if (options.sourceAddress !== undefined || options.sourcePort !== undefined) {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind({ address: options.sourceAddress, port: options.sourcePort ?? 0 }, () => {
          socket.off('error', reject)
          resolve()
        })
      })
    }
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(options.port, options.host, () => {
        socket.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    socket.close()
    throw connectError(err, options.host, options.port, 'udp')
  }
  return new DatagramStream(socket, true, undefined, { host: options.host, port: options.port })
}

export interface DatagramListenOptions {
  host?: string
  port?: number
  family?: 4 | 6
  /** -k: answer whoever sent last instead of connecting to the first peer. */
  keepListening?: boolean
  onListening?: (address: { address: string; port: number }) => void
  /** A datagram came from a peer not seen just before. */
  onPeer?: (peer: Peer) => void
  signal?: AbortSignal
}

/**
 * Bind a UDP port and wait for the first datagram. Without keepListening the socket is then
 * connected to that peer (OpenBSD nc answers the first peer only); with it, replies go to
 * whoever sent last. Resolves with the stream, the first datagram already in it.
 */
export async function listenDatagram(options: DatagramListenOptions): Promise<DatagramStream> {
  const socket = dgram.createSocket({ type: socketType(options.host, options.family) })
  const host = options.host ?? (options.family === 6 ? '::' : '0.0.0.0')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close()
      reject(toNetworkError(err, {}))
    })
    socket.bind({ address: host, port: options.port ?? 0 }, () => {
      socket.removeAllListeners('error')
      resolve()
    })
  })
  const bound = socket.address()
  options.onListening?.({ address: bound.address, port: bound.port })
  const [first, rinfo] = await new Promise<[Buffer, dgram.RemoteInfo]>((resolve, reject) => {
    const onAbort = () => {
      socket.close()
      reject(options.signal?.reason ?? abortedError())
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('message', (msg, info) => {
      options.signal?.removeEventListener('abort', onAbort)
      resolve([msg, info])
    })
  })
  const peer = { address: rinfo.address, port: rinfo.port }
  options.onPeer?.(peer)
  if (!options.keepListening) {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(peer.port, peer.address, () => {
        socket.off('error', reject)
        resolve()
      })
    })
  }
  const stream = new DatagramStream(socket, !options.keepListening, peer)
  if (options.keepListening && options.onPeer) {
    let last = `${peer.address}:${peer.port}`
    socket.on('message', (_msg, info) => {
      const key = `${info.address}:${info.port}`
      if (key !== last) {
        last = key
        options.onPeer!({ address: info.address, port: info.port })
      }
    })
  }
  stream.deliver(first)
  return stream
}
