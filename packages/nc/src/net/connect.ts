import net from 'node:net'
import type { Duplex } from 'node:stream'
import { TimeoutError, dial, toNetworkError, serviceName, type NetkitError } from '@netkit/shared'
import { unixSocketError } from './errors.js'

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
 * Open a TCP or Unix stream connection and resolve with it once connected (a TLS or proxy layer
 * wraps or replaces this Duplex), through shared's dial(). Failures are NetworkErrors worded like
 * OpenBSD nc.
 */
export async function openStream(options: OpenStreamOptions): Promise<net.Socket> {
  const unix = options.unixPath !== undefined
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 0
  const { socket } = await dial({
    ...(unix ? { path: options.unixPath } : { host, port, family: options.family, localAddress: options.sourceAddress, localPort: options.sourcePort }),
    // As net.connect's defaults, which nc has always used: Nagle on, no half-open socket.
    noDelay: false,
    allowHalfOpen: false,
    connectTimeout: options.connectTimeoutMs !== undefined && options.connectTimeoutMs > 0 ? options.connectTimeoutMs : undefined,
    signal: options.signal,
    onread: options.onread,
    mapError: (err) => (unix ? unixSocketError(err as Error, options.unixPath!, 'connect') : connectError(err, host, port)),
    timeoutError: () => connectTimeout(unix ? options.unixPath! : host, port, unix ? 'unix' : 'tcp'),
  })
  return socket
}

export type { Duplex }
