import { isIP } from 'node:net'
import type { FrameFormat } from '@netkit/framing'
import { UsageError, missingArguments } from '@netkit/shared'

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
  /** --append-output: append to the -o and --hex-dump files instead of truncating them. */
  appendOutput?: boolean
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
  /** Connect to this ws:// or wss:// URL (host and port are its own): a WebSocket session. */
  webSocketUrl?: string
}

export const DEFAULT_SCAN_CONCURRENCY = 256
export const MAX_SCAN_CONCURRENCY = 4096

/** A combination nc refuses: when `when` holds, the usage error says `message`. */
export interface OptionRule<T = NcOptions> {
  when: (subject: T) => unknown
  message: string | ((subject: T) => string)
}

/** Throw the UsageError (exit 2) of the first rule `subject` breaks. */
export function checkRules<T>(rules: readonly OptionRule<T>[], subject: T): void {
  for (const rule of rules) {
    if (rule.when(subject)) throw new UsageError(typeof rule.message === 'string' ? rule.message : rule.message(subject))
  }
}

const literalFamily = (o: NcOptions) => (o.host === undefined ? 0 : isIP(o.host))

/** Every combination rule of the core options, in the order they are checked, worded like OpenBSD nc. */
export const OPTION_RULES: readonly OptionRule[] = [
  { when: (o) => o.mode === 'scan' && o.keepListening, message: 'cannot use -z and -k' },
  { when: (o) => o.udp && o.unixPath !== undefined, message: "unix datagram sockets (-uU) are not supported: Node's dgram module has no AF_UNIX sockets" },
  { when: (o) => o.mode === 'scan' && o.unixPath !== undefined, message: 'cannot use -z and -U' },
  { when: (o) => o.keepListening && o.mode !== 'listen', message: 'must use -l with -k' },
  { when: (o) => o.mode === 'listen' && (o.sourceAddress !== undefined || o.sourcePort !== undefined), message: 'cannot use -s or source port with -l; give the address as `-l host port`' },
  { when: (o) => o.shutdownOnEof && o.noStdin, message: '-N needs stdin; it cannot be combined with -d' },
  { when: (o) => o.frame && (o.crlf || o.intervalMs !== undefined), message: '--frame cannot be combined with -C or -i' },
  { when: (o) => o.frame && o.udp, message: '--frame works over TCP and Unix stream sockets, not -u' },
  { when: (o) => o.mode === 'connect' && o.unixPath === undefined && (o.host === undefined || o.port === undefined), message: (o) => missingArguments(o.host === undefined ? ['host', 'port'] : ['port'], 'nc HOST PORT').message },
  { when: (o) => o.mode === 'listen' && o.unixPath === undefined && o.port === undefined, message: missingArguments(['port'], 'nc -l PORT').message },
  { when: (o) => o.mode === 'scan' && (o.host === undefined || !o.ports?.length), message: (o) => missingArguments(o.host === undefined ? ['host', 'port'] : ['port'], 'nc -z HOST PORT...').message },
  // OpenBSD nc words it as a failed getaddrinfo with AI_NUMERICHOST; it is a usage mistake here.
  { when: (o) => o.numeric && o.host !== undefined && isIP(o.host) === 0, message: (o) => `-n given but ${JSON.stringify(o.host)} is not a numeric address` },
  // OpenBSD nc fails getaddrinfo here; without this check the address was used anyway.
  {
    when: (o) => o.family !== undefined && literalFamily(o) !== 0 && literalFamily(o) !== o.family,
    message: (o) => `-${o.family} given but ${JSON.stringify(o.host)} is an IPv${literalFamily(o)} address`,
  },
]

/** Check combinations the parser cannot: the UsageError (exit 2) of the first rule broken. */
export function validateOptions(options: NcOptions): NcOptions {
  checkRules(OPTION_RULES, options)
  return options
}
