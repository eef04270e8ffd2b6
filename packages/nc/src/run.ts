import { createWriteStream, openSync, type WriteStream } from 'node:fs'
import net from 'node:net'
import type { Duplex, Readable, Writable } from 'node:stream'
import { ErrorCode, createLogger, formatHostPort, NetkitError, describeErrno, type Logger } from '@netkit/shared'
import type { NcOptions } from './options.js'
import { openStream, successMessage } from './net/connect.js'
import { listen, type ConnectionHandler, type PeerInfo } from './net/listen.js'
import type { RelayResult } from './session/driver.js'
import type { RelayIO } from './session/stream-transport.js'
import type { RelaySinks } from './session/taps.js'
import { canReadFast, canWriteDirectly, fastRelay, socketReader, type SocketReader } from './session/buffer-transport.js'
import { addStats, formatStats, type SessionStats } from './session/stats.js'
import { endpointsOf, formatFailedRecord, formatSessionRecord, type Endpoint } from './session/record.js'

/** Where a stream came from, for the extension hooks. */
export interface StreamContext {
  role: 'connect' | 'listen'
  protocol: 'tcp' | 'udp' | 'unix'
  /** connect: the host and port asked for. */
  host?: string
  port?: number
  /** listen: the client. */
  peer?: PeerInfo
}

/**
 * Hooks for the features layered on the core (TLS, proxies, exec, brokers, ACLs). Each is
 * optional; without them nc behaves as OpenBSD nc.
 */
export interface NcExtensions {
  /** Open the connection instead of a direct TCP/Unix connect (proxies); give up when `signal` aborts. */
  openStream?: (options: NcOptions, signal?: AbortSignal) => Promise<Duplex>
  /** Wrap a connected stream (TLS): called in both roles before the relay starts. */
  wrapStream?: (stream: Duplex, context: StreamContext) => Promise<Duplex>
  /** The local side of a session instead of stdin/stdout (exec: a child's stdio). */
  sessionIO?: (context: StreamContext, defaults: RelayIO) => RelayIO | Promise<RelayIO>
  /** Serve a session yourself instead of the stdin/stdout relay, in both roles (exec, WebSocket); `sinks` are --hex-dump and -o. */
  runSession?: (stream: Duplex, context: StreamContext, signal?: AbortSignal, sinks?: RelaySinks) => Promise<RelayResult>
  /** Serve each listen-mode connection yourself (broker, chat); replaces the relay. */
  handleConnection?: ConnectionHandler
  /** Accept or refuse a client before it is served (allow/deny); false closes it at once. */
  acceptConnection?: (peer: PeerInfo, socket: Duplex) => boolean | void
  /** Clients served at once with -k (default 1, sequential as OpenBSD nc). */
  maxConcurrent?: number
  /** handleConnection logs one line per client itself (the HTTP proxy server): no `Connection received` line. */
  logsConnections?: boolean
}

export interface NcEnvironment {
  /** Data to send (process.stdin for the CLI); ignored with -d. */
  stdin: Readable | null
  /**
   * The descriptor behind `stdin` (0 for the CLI). Given, a plain session (no taps, -C, -i,
   * --frame, -k, -u or extensions) reads it directly with one reusable buffer when it is a regular
   * file, a pipe or a socket, and reads `stdin` only otherwise (session/buffer-transport.ts).
   * `stdout` must then be done with a chunk when its write callback runs (process.stdout is).
   */
  stdinFd?: number
  /** Where received data goes (process.stdout for the CLI). */
  stdout: Writable
  /**
   * The descriptor behind `stdout` (1 for the CLI). Given, a plain session writes received data
   * to it directly when it is a regular file or /dev/null (`nc -l port > file`), and through
   * `stdout` otherwise.
   */
  stdoutFd?: number
  /** Diagnostics (default: stderr, verbosity from options.verbose). */
  log?: Logger
  signal?: AbortSignal
  extensions?: NcExtensions
}

/**
 * Run nc in the mode `options` says (connect, listen, scan) until it is done; resolves with
 * the exit code (0 ok, 1 nothing open in a scan). Failures reject with NetkitErrors
 * (NetworkError: exit 1, UsageError: exit 2).
 */
export async function runNc(options: NcOptions, env: NcEnvironment): Promise<number> {
  const log = env.log ?? createLogger({ name: 'nc', verbosity: options.verbose ?? 0 })
  if (options.mode === 'scan') {
    const { runScan } = await import('./scan-report.js')
    return runScan(options, env.stdout, log, env.signal)
  }
  const sinks = openSinks(options)
  let total: SessionStats = { sent: 0, received: 0, durationMs: 0 }
  const count: Count = (result, context, ends) => {
    total = addStats(total, result)
    // --json outside a scan: one line per session on stderr; stdout carries the session's data.
    if (options.json) log.line(formatSessionRecord({ role: context.role, protocol: context.protocol, ...result, ...ends }))
  }
  try {
    if (options.mode === 'connect') await runConnect(options, env, log, sinks, count)
    else await runListen(options, env, log, sinks, count)
  } finally {
    if (options.stats) log.line(`nc: ${formatStats(total)}`)
    await closeSinks(sinks)
  }
  return 0
}

type Count = (result: RelayResult, context: StreamContext, ends: { local: Endpoint | null; peer: Endpoint | null }) => void

/** Run the session and count it, with the connection's two ends as they were when it started. */
async function counted(stream: Duplex, context: StreamContext, options: NcOptions, env: NcEnvironment, sinks: RelaySinks, log: Logger, count: Count, reader?: SocketReader): Promise<void> {
  const ends = endpointsOf(stream, options.unixPath)
  let result: RelayResult
  try {
    result = await session(stream, context, options, env, sinks, log, reader)
  } catch (err) {
    // The counters die with a failed session: --json still says how and where it ended.
    if (options.json) log.line(formatFailedRecord(context, ends, err))
    throw err
  }
  // A UDP listener learns its peer from the first datagram.
  count(result, context, context.protocol === 'udp' ? endpointsOf(stream) : ends)
}

function relayOptions(options: NcOptions, sinks: RelaySinks, signal: AbortSignal | undefined) {
  return {
    shutdownOnEof: options.shutdownOnEof,
    quitAfterEofMs: options.quitAfterEofMs,
    idleTimeoutMs: options.idleTimeoutMs,
    intervalMs: options.intervalMs,
    crlf: options.crlf,
    frame: options.frame,
    sinks,
    signal,
  }
}

async function sessionIO(context: StreamContext, options: NcOptions, env: NcEnvironment): Promise<RelayIO> {
  const defaults: RelayIO = { input: options.noStdin ? null : env.stdin, output: env.stdout }
  return env.extensions?.sessionIO ? env.extensions.sessionIO(context, defaults) : defaults
}

/** The relay between the stream and stdin/stdout (or sessionIO), or an extension's own session. */
async function session(stream: Duplex, context: StreamContext, options: NcOptions, env: NcEnvironment, sinks: RelaySinks, log: Logger, reader?: SocketReader): Promise<RelayResult> {
  if (env.extensions?.runSession) return env.extensions.runSession(stream, context, env.signal, sinks)
  if (isPlain(options, env, sinks) && stream instanceof net.Socket) {
    const input = options.noStdin ? null : canReadFast(env.stdinFd!) ? env.stdinFd! : env.stdin
    const { shutdownOnEof, quitAfterEofMs, idleTimeoutMs } = options
    const debug = (message: string) => log.debug(message)
    const outputFd = env.stdoutFd !== undefined && canWriteDirectly(env.stdoutFd) ? env.stdoutFd : undefined
    return fastRelay(stream, input, env.stdout, { shutdownOnEof, quitAfterEofMs, idleTimeoutMs, accepted: context.role === 'listen', reader, outputFd, signal: env.signal, debug })
  }
  const io = await sessionIO(context, options, env)
  // The stream transport (taps, -C, -i, --frame) loads only for the sessions that need it.
  const { relay } = await import('./session/stream-transport.js')
  return relay(stream, io, relayOptions(options, sinks, env.signal))
}

/** A session the fast relay serves: one client, bytes as they are, nothing watching them. */
function isPlain(options: NcOptions, env: NcEnvironment, sinks: RelaySinks): boolean {
  return (
    env.stdinFd !== undefined &&
    env.extensions === undefined &&
    !options.udp &&
    !options.keepListening &&
    !options.crlf &&
    !(options.intervalMs !== undefined && options.intervalMs > 0) &&
    options.frame === undefined &&
    sinks.hexDump === undefined &&
    sinks.raw === undefined
  )
}

async function runConnect(options: NcOptions, env: NcEnvironment, log: Logger, sinks: RelaySinks, count: Count): Promise<void> {
  const ext = env.extensions
  let stream: Duplex
  let context: StreamContext
  let reader: SocketReader | undefined
  if (options.udp) {
    const { openDatagram } = await import('./net/udp.js')
    stream = await openDatagram({ host: options.host!, port: options.port!, family: options.family, sourceAddress: options.sourceAddress, sourcePort: options.sourcePort })
    const address = (stream as unknown as { socket: { remoteAddress(): { address: string } } }).socket.remoteAddress().address
    log.info(successMessage(options.host!, address, options.port!, 'udp', options.numeric))
    context = { role: 'connect', protocol: 'udp', host: options.host, port: options.port }
  } else {
    const unix = options.unixPath !== undefined
    context = { role: 'connect', protocol: unix ? 'unix' : 'tcp', host: options.host, port: options.port }
    // A plain session reads the socket into one reusable buffer from the start (session/buffer-transport.ts).
    reader = isPlain(options, env, sinks) ? socketReader() : undefined
    stream = ext?.openStream
      ? await ext.openStream(options, env.signal)
      : await openStream({ ...options, connectTimeoutMs: options.connectTimeoutMs, signal: env.signal, onread: reader?.onread })
    if (!unix && !ext?.openStream) {
      const address = (stream as { remoteAddress?: string }).remoteAddress
      log.info(successMessage(options.host!, address, options.port!, 'tcp', options.numeric))
    }
  }
  if (ext?.wrapStream) {
    const raw = stream
    stream = await unlessAborted(ext.wrapStream(raw, context), env.signal, () => raw.destroy())
  }
  await counted(stream, context, options, env, sinks, log, count, reader)
}

/**
 * `work`, or a rejection as soon as `signal` aborts, after `cancel()`: a TLS handshake with a
 * peer that never answers must not keep nc alive through Ctrl-C or SIGTERM.
 */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, cancel: () => void): Promise<T> {
  if (!signal) return work
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cancel()
      reject(signal.reason)
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

async function runListen(options: NcOptions, env: NcEnvironment, log: Logger, sinks: RelaySinks, count: Count): Promise<void> {
  const ext = env.extensions
  if (options.udp) {
    const { listenDatagram } = await import('./net/udp.js')
    const stream = await listenDatagram({
      host: options.host,
      port: options.port,
      family: options.family,
      keepListening: options.keepListening,
      signal: env.signal,
      onListening: (a) => log.info(`Bound on ${a.address} ${a.port}`),
      onPeer: (p) => log.info(`Connection received on ${p.address} ${p.port}`),
    })
    const context: StreamContext = { role: 'listen', protocol: 'udp' }
    await counted(stream, context, options, env, sinks, log, count)
    return
  }
  const unix = options.unixPath !== undefined
  const serve: ConnectionHandler = async (socket, peer) => {
    const context: StreamContext = { role: 'listen', protocol: unix ? 'unix' : 'tcp', peer }
    let stream: Duplex = socket
    if (ext?.wrapStream) stream = await unlessAborted(ext.wrapStream(socket, context), env.signal, () => socket.destroy())
    await counted(stream, context, options, env, sinks, log, count)
  }
  await listen(
    {
      host: options.host,
      port: options.port,
      unixPath: options.unixPath,
      family: options.family,
      keepListening: options.keepListening,
      maxConcurrent: ext?.maxConcurrent,
      signal: env.signal,
      onListening: (a) => {
        if (unix) log.info(`Bound on ${a.path}\nListening on ${a.path}`)
        else log.info(`Listening on ${a.address} ${a.port}`)
      },
      accept: ext?.acceptConnection,
      onConnection: (peer) => {
        if (ext?.logsConnections) return
        log.info(`Connection received on ${unix ? options.unixPath : `${peer.remoteAddress} ${peer.remotePort}`}`)
      },
      onHandlerError: (err, peer) => {
        if (env.signal?.aborted) return // interrupted: the signal is the news
        const who = unix ? options.unixPath! : formatHostPort(peer.remoteAddress, peer.remotePort)
        log.warn(`${who}: ${err instanceof Error ? err.message : String(err)}`)
      },
    },
    ext?.handleConnection ?? serve,
  )
}

function openSinks(options: NcOptions): RelaySinks {
  const sinks: RelaySinks = {}
  if (options.hexDump !== undefined) sinks.hexDump = options.hexDump === '-' ? process.stderr : openLog(options.hexDump, options.appendOutput)
  if (options.outFile !== undefined) sinks.raw = openLog(options.outFile, options.appendOutput)
  return sinks
}

/** Open a log file now, so a bad path is one clear line before any connection is made. */
function openLog(path: string, append = false): WriteStream {
  let fd: number
  try {
    fd = openSync(path, append ? 'a' : 'w')
  } catch (err) {
    const code = (err as { code?: string }).code
    throw new NetkitError(ErrorCode.CANNOT_OPEN, `${path}: ${(code && describeErrno(code)) ?? (err as Error).message}`, { cause: err })
  }
  const stream = createWriteStream(path, { fd })
  stream.on('error', () => {}) // a failing log must not end the session; the write callbacks still fire
  return stream
}

async function closeSinks(sinks: RelaySinks): Promise<void> {
  const files = [sinks.hexDump, sinks.raw].filter((s): s is WriteStream => s !== undefined && s !== process.stderr)
  await Promise.all(files.map((f) => new Promise<void>((resolve) => f.end(resolve))))
}
