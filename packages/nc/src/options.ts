import { isIP } from 'node:net'
import type { FrameFormat } from '@netkit/framing'
import { UsageError } from '@netkit/shared'

/** The codecs `--frame` offers: @netkit/framing's formats (a type-only import: nothing loads). */
export type NcFrameFormat = FrameFormat

/** What a relay does around the bytes: half-close, timers and taps. Shared by every mode. */
export interface RelayBehaviour {
  /** -N: on stdin EOF shut down the socket's write side, then wait for the peer to close. */
  shutdownOnEof?: boolean
  /** -q: exit this many ms after stdin EOF (0 = at once). Undefined = wait for the peer. */
  quitAfterEofMs?: number
  /** -w: idle timeout in ms; when neither side moved bytes for this long, end quietly. */
  idleTimeoutMs?: number
  /** -i: delay in ms between lines sent. */
  intervalMs?: number
  /** -C: send `\r\n` for each `\n` read from the input. */
  crlf?: boolean
  /** --frame: send input lines as frames and write received frames as lines. */
  frame?: NcFrameFormat
  /** --hex-dump: where to write a hex dump of both directions ('-' = stderr). */
  hexDump?: string
  /** -o: where to write the raw bytes of both directions. */
  outFile?: string
  /** --stats: print bytes each way and the duration to stderr when the session ends. */
  stats?: boolean
}

/** Options of the library and the CLI, validated (see `validateOptions`). Times are milliseconds. */
export interface NcOptions extends RelayBehaviour {
  mode: 'connect' | 'listen' | 'scan'
  /** Remote host (connect, scan) or local bind address (listen); undefined = any address. */
  host?: string
  /** Remote port (connect) or local port (listen; 0 = any free port). */
  port?: number
  /** Ports to scan (-z), ascending. */
  ports?: number[]
  /** -U: the Unix socket path (connect/listen) instead of host/port. */
  unixPath?: string
  /** -u */
  udp?: boolean
  /** -4 / -6 */
  family?: 4 | 6
  /** -n: the host must be a numeric address (no DNS). */
  numeric?: boolean
  /** -s: local address to bind before connecting. */
  sourceAddress?: string
  /** -p in connect mode: local port to bind before connecting. */
  sourcePort?: number
  /** -k: keep listening after a client leaves (sequentially). */
  keepListening?: boolean
  /** -d: do not read stdin. */
  noStdin?: boolean
  /** -w also bounds the connect. */
  connectTimeoutMs?: number
  /** -v count. */
  verbose?: number
  /** -z: connections in flight at once. */
  concurrency?: number
  /** -z: one JSON object per port on stdout. */
  json?: boolean
}

export const DEFAULT_SCAN_CONCURRENCY = 256
export const MAX_SCAN_CONCURRENCY = 4096

/** Check combinations the parser cannot: one UsageError (exit 2) per mistake, worded like OpenBSD nc. */
export function validateOptions(options: NcOptions): NcOptions {
  const o = options
  if (o.mode === 'scan' && o.keepListening) throw new UsageError('cannot use -z and -k')
  if (o.udp && o.unixPath !== undefined) {
    throw new UsageError("unix datagram sockets (-uU) are not supported: Node's dgram module has no AF_UNIX sockets")
  }
  if (o.mode === 'scan' && o.unixPath !== undefined) throw new UsageError('cannot use -z and -U')
  if (o.keepListening && o.mode !== 'listen') throw new UsageError('must use -l with -k')
  if (o.mode === 'listen' && (o.sourceAddress !== undefined || o.sourcePort !== undefined)) {
    throw new UsageError('cannot use -s or source port with -l; give the address as `-l host port`')
  }
  if (o.shutdownOnEof && o.noStdin) throw new UsageError('-N needs stdin; it cannot be combined with -d')
  if (o.frame && (o.crlf || o.intervalMs !== undefined)) throw new UsageError('--frame cannot be combined with -C or -i')
  if (o.frame && o.udp) throw new UsageError('--frame works over TCP and Unix stream sockets, not -u')
  if (o.mode === 'connect' && o.unixPath === undefined && (o.host === undefined || o.port === undefined)) {
    throw new UsageError('missing destination: use `nc host port` or `nc -l port`')
  }
  if (o.mode === 'listen' && o.unixPath === undefined && o.port === undefined) {
    throw new UsageError('missing port to listen on: use `nc -l port` or `nc -l -p port`')
  }
  if (o.mode === 'scan' && (o.host === undefined || !o.ports?.length)) {
    throw new UsageError('missing ports to scan: use `nc -z host port...`')
  }
  if (o.numeric && o.host !== undefined && !isNumericHost(o.host)) {
    // OpenBSD nc words it as a failed getaddrinfo with AI_NUMERICHOST; it is a usage mistake here.
    throw new UsageError(`-n given but ${JSON.stringify(o.host)} is not a numeric address`)
  }
  const literalFamily = o.host === undefined ? 0 : isIP(o.host)
  if (o.family !== undefined && literalFamily !== 0 && literalFamily !== o.family) {
    // OpenBSD nc fails getaddrinfo here; without this check the address was used anyway.
    throw new UsageError(`-${o.family} given but ${JSON.stringify(o.host)} is an IPv${literalFamily} address`)
  }
  return o
}

function isNumericHost(host: string): boolean {
  return isIP(host) !== 0
}
