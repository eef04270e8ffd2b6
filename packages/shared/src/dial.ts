/**
 * One dialer for every @netkit client: a TCP, TLS-over-TCP or Unix stream connection, with one
 * timer covering connect and handshake, an AbortSignal, the read-into-one-buffer option (`onread`)
 * and errors normalised once, where the connection is made.
 *
 * ```ts
 * const { socket, timings } = await dial({ host, port, connectTimeout: 5000, signal })
 * const { socket } = await dial({ path: '/run/app.sock' })
 * const { socket } = await dial({ host, port, tls: { servername: host, rejectUnauthorized: true } })
 * ```
 *
 * A failure rejects with what `mapError(err, phase)` returns (default: toNetworkError, worded
 * `connect to H port P (tcp) failed: Connection refused`); the connect timeout with what
 * `timeoutError(phase)` returns (default: a TimeoutError); an abort with the signal's reason.
 * The socket is destroyed in every one of these cases.
 */

import net from 'node:net'
import type tls from 'node:tls'
import { TimeoutError, toNetworkError } from './errors.js'

/**
 * Size of the buffer a connection reads into when it is read with `onread`, reused for every read:
 * no allocation per chunk, and one read syscall drains a lot of the socket buffer. 256 KiB
 * measured best here for a 1 GiB download from loopback nginx and for nc's relay.
 */
export const READ_BUFFER_SIZE = 256 * 1024

/** Where a dial failed: TCP (or Unix) connect, or the TLS handshake after it. */
export type DialPhase = 'connect' | 'handshake'

export interface DialOptions {
  host?: string
  port?: number
  /** A Unix stream socket instead of host/port. */
  path?: string
  /** TLS over the TCP connection: Node's tls.connect options (host and port are filled in). */
  tls?: tls.ConnectionOptions
  family?: 4 | 6
  localAddress?: string
  localPort?: number
  /** Keep our side open after the peer's FIN ('end'); the caller ends or destroys the socket. */
  allowHalfOpen?: boolean
  /** Disable Nagle (default true for TCP). */
  noDelay?: boolean
  /** Give up when connect plus handshake take longer, in ms (0 or undefined: no limit). */
  connectTimeout?: number
  signal?: AbortSignal
  /** Read into one reused buffer (net's `onread`; plain TCP and Unix only, ignored with TLS). */
  onread?: net.OnReadOpts
  /** Called when the name resolved (not for an IP literal or a Unix path). */
  onLookup?(address: string): void
  /** Called when the TCP (or Unix) connection is up, before any TLS handshake. */
  onConnect?(socket: net.Socket): void
  /** The error to reject with for a socket error (default: toNetworkError with the target). */
  mapError?(err: unknown, phase: DialPhase): Error
  /** The error to reject with when connectTimeout runs out (default: a TimeoutError). */
  timeoutError?(phase: DialPhase): Error
}

export interface Dialed<S extends net.Socket = net.Socket> {
  /** The connection to use: the TLS socket with `tls`, else the TCP or Unix one. */
  socket: S
  /** The TCP (or Unix) socket itself, under the TLS one when there is TLS. */
  tcp: net.Socket
  /** ms after dial() was called: name resolved, connected, TLS handshake done. */
  timings: { lookup?: number; connect?: number; secure?: number }
}

function describeTarget(options: DialOptions): { host: string; port: number | string; protocol: string } {
  if (options.path !== undefined) return { host: options.path, port: '', protocol: 'unix' }
  return { host: options.host ?? 'localhost', port: options.port ?? 0, protocol: 'tcp' }
}

function defaultMapError(options: DialOptions): (err: unknown, phase: DialPhase) => Error {
  const { host, port, protocol } = describeTarget(options)
  return (err, phase) =>
    toNetworkError(err, phase === 'connect' ? { operation: 'connect', host, port: options.path ? undefined : port, protocol } : {})
}

function defaultTimeout(options: DialOptions): (phase: DialPhase) => Error {
  const { host, port, protocol } = describeTarget(options)
  return (phase) => new TimeoutError(`${phase === 'connect' ? 'connect' : 'TLS handshake'} to ${host} port ${port} (${protocol}) timed out`, { operation: 'connect', host, port, protocol })
}

/**
 * The TCP (or Unix) socket, and the TLS socket over it when asked. TLS is layered on a socket we
 * opened ourselves (tls.connect's `socket`) so that the caller can still reach the TCP socket: a
 * reset is then reported as one, not as an end of stream.
 */
function openSockets(options: DialOptions, tlsModule: typeof tls | undefined): { socket: net.Socket; tcp: net.Socket } {
  const allowHalfOpen = options.allowHalfOpen ?? false
  if (options.path !== undefined) {
    const unix = net.connect({ path: options.path, onread: options.onread, allowHalfOpen } as net.IpcNetConnectOpts)
    return { socket: unix, tcp: unix }
  }
  const connectOptions: net.TcpNetConnectOpts = { host: options.host, port: options.port ?? 0, noDelay: options.noDelay ?? true, allowHalfOpen }
  if (options.family) connectOptions.family = options.family
  if (options.localAddress !== undefined) connectOptions.localAddress = options.localAddress
  if (options.localPort !== undefined) connectOptions.localPort = options.localPort
  if (!tlsModule) {
    const tcp = net.connect({ ...connectOptions, onread: options.onread } as net.TcpNetConnectOpts)
    return { socket: tcp, tcp }
  }
  const tcp = net.connect(connectOptions)
  // `host` names the peer for the certificate check when no servername is given (an IP literal).
  const socket = tlsModule.connect({ host: options.host, ...options.tls, socket: tcp, allowHalfOpen } as tls.ConnectionOptions)
  return { socket, tcp }
}

/** Open a connection; resolves once it is connected (and the TLS handshake is done). */
export async function dial<S extends net.Socket = net.Socket>(options: DialOptions): Promise<Dialed<S>> {
  const startedAt = performance.now()
  // node:tls costs start-up time; plain connections never load it.
  const tlsModule = options.tls && options.path === undefined ? (await import('node:tls')).default : undefined
  if (options.signal?.aborted) throw options.signal.reason
  const { socket, tcp } = openSockets(options, tlsModule)
  const timings: Dialed['timings'] = {}
  const mapError = options.mapError ?? defaultMapError(options)
  const timeoutError = options.timeoutError ?? defaultTimeout(options)
  return new Promise<Dialed<S>>((resolve, reject) => {
    let phase: DialPhase = 'connect'
    let settled = false
    const timer = options.connectTimeout ? setTimeout(() => fail(timeoutError(phase), false), options.connectTimeout) : undefined
    const onAbort = () => fail(options.signal!.reason, false)
    const onError = (err: Error) => fail(err, true)
    const cleanup = () => {
      settled = true
      if (timer) clearTimeout(timer)
      socket.off('error', onError)
      tcp.off('error', onError)
      options.signal?.removeEventListener('abort', onAbort)
    }
    function fail(err: unknown, map: boolean) {
      if (settled) return
      cleanup()
      socket.destroy()
      tcp.destroy()
      reject(map ? mapError(err, phase) : err)
    }
    function done() {
      if (settled) return
      cleanup()
      // Until the caller attaches its own 'error' listener, an error must not crash the process;
      // the caller sees the socket closed.
      socket.on('error', () => {})
      if (tcp !== socket) tcp.on('error', () => {})
      resolve({ socket: socket as S, tcp, timings })
    }
    socket.on('error', onError)
    if (tcp !== socket) tcp.on('error', onError)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    tcp.once('lookup', (err: Error | null, address: string) => {
      timings.lookup = performance.now() - startedAt
      if (!err) options.onLookup?.(address)
    })
    tcp.once('connect', () => {
      timings.connect = performance.now() - startedAt
      // An IP literal needs no lookup ('lookup' is not emitted for it).
      if (options.path === undefined) timings.lookup ??= net.isIP(options.host ?? '') !== 0 ? 0 : timings.connect
      options.onConnect?.(tcp)
      if (tlsModule) phase = 'handshake'
      else done()
    })
    if (tlsModule) {
      socket.once('secureConnect', () => {
        timings.secure = performance.now() - startedAt
        done()
      })
    }
  })
}
