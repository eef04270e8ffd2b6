import net from 'node:net'
import type { Duplex } from 'node:stream'
import { TimeoutError, toNetworkError, serviceName, type NetkitError } from '@netkit/shared'
import { abortedError, unixSocketError } from './errors.js'

export interface OpenStreamOptions {
  host?: string
  port?: number
  /** Connect to a Unix stream socket instead of host/port. */
  unixPath?: string
  family?: 4 | 6
  sourceAddress?: string
  sourcePort?: number
  /** Give up on a connect that takes longer (-w); the error says `timed out`. */
  connectTimeoutMs?: number
  signal?: AbortSignal
  /** Read into this buffer instead of a stream chunk per read (net.connect's `onread`; session/buffer-transport.ts). */
  onread?: net.OnReadOpts
}

/** Where a stream goes, for messages: `127.0.0.1`, or `localhost (127.0.0.1)` when a name was resolved. */
export function describeHost(given: string, address: string | undefined): string {
  if (!address || address === given) return given
  return `${given} (${address})`
}

/** OpenBSD's success line: `Connection to 127.0.0.1 8080 port [tcp/http-alt] succeeded!` */
export function successMessage(host: string, address: string | undefined, port: number, protocol: 'tcp' | 'udp', numeric = false): string {
  const service = numeric ? undefined : serviceName(port, protocol)
  return `Connection to ${describeHost(host, address)} ${port} port [${protocol}/${service ?? '*'}] succeeded!`
}

/** Word a failed connect like OpenBSD nc (`connect to H port P (tcp) failed: Connection refused`). */
export function connectError(err: unknown, host: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): NetkitError {
  const code = (err as { code?: string } | null)?.code
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA' || code === 'EAI_NONAME') {
    return toNetworkError(err, { operation: 'resolve', host, port })
  }
  // -s with an address this host does not have: OpenBSD says `bind failed: Cannot assign requested address`.
  if ((err as { syscall?: string } | null)?.syscall === 'bind') return toNetworkError(err, { operation: 'bind' })
  const address = (err as { address?: string } | null)?.address
  return toNetworkError(err, { operation: 'connect', host: describeHost(host, address), port, protocol })
}

/** OpenBSD's wording for a connect that hit -w: `connect to H port P (tcp) timed out: Operation now in progress`. */
export function connectTimeout(host: string, port: number, protocol = 'tcp'): TimeoutError {
  return new TimeoutError(`connect to ${host} port ${port} (${protocol}) timed out: Operation now in progress`, {
    operation: 'connect',
    host,
    port,
    protocol,
  })
}

/**
 * Open a TCP or Unix stream connection and resolve with it once connected (seam (a): a TLS or
 * proxy layer wraps or replaces this Duplex). Failures are NetworkErrors worded like OpenBSD nc.
 */
export function openStream(options: OpenStreamOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket
    const unix = options.unixPath !== undefined
    const host = options.host ?? '127.0.0.1'
    const port = options.port ?? 0
    if (unix) {
      socket = net.connect({ path: options.unixPath!, onread: options.onread })
    } else {
      const opts: net.TcpNetConnectOpts = { host, port, onread: options.onread }
      if (options.family) opts.family = options.family
      if (options.sourceAddress !== undefined) opts.localAddress = options.sourceAddress
      if (options.sourcePort !== undefined) opts.localPort = options.sourcePort
      socket = net.connect(opts)
    }
    let timer: NodeJS.Timeout | undefined
    const cleanup = () => {
      if (timer) clearTimeout(timer)
      socket.off('error', onError)
      socket.off('connect', onConnect)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const onError = (err: Error) => {
      cleanup()
      socket.destroy()
      if (unix) {
        reject(unixSocketError(err, options.unixPath!, 'connect'))
      } else {
        reject(connectError(err, host, port))
      }
    }
    const onConnect = () => {
      cleanup()
      // Until a relay (or a TLS/proxy layer) attaches its own handler, a reset must not crash nc;
      // the relay then sees the socket closed.
      socket.on('error', () => {})
      resolve(socket)
    }
    const onAbort = () => {
      cleanup()
      socket.destroy()
      reject(options.signal?.reason ?? abortedError())
    }
    socket.once('error', onError)
    socket.once('connect', onConnect)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.connectTimeoutMs !== undefined && options.connectTimeoutMs > 0) {
      timer = setTimeout(() => {
        cleanup()
        socket.destroy()
        reject(connectTimeout(unix ? options.unixPath! : host, port, unix ? 'unix' : 'tcp'))
      }, options.connectTimeoutMs)
    }
  })
}

export type { Duplex }
