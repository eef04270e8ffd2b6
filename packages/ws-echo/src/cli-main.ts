/**
 * The yargs CLI of ws-echo (loaded by cli.ts for every command line but a bare --version).
 */
import { readFileSync } from 'node:fs'
import { createCli } from '@netkit/shared/cli'
import {
  createLogger,
  describeErrno,
  ErrorCode,
  exitQuietlyOnBrokenPipe,
  formatBytes,
  formatDuration,
  formatHostPort,
  NetkitError,
  onShutdown,
  parseCount,
  parseDuration,
  parseHost,
  parsePort,
  parseSize,
  runMain,
  runBenchCommand,
  UsageError,
  type Logger,
} from '@netkit/shared'
import {
  createWsEchoServer,
  DEFAULT_GRACE_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_MESSAGE,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PORT,
  type WsEchoServerOptions,
} from './server.js'
import type { WsEchoEvent } from './events.js'
import type { WsBenchMode } from './bench.js'
import { formatBenchTable, formatSummary } from './format.js'
import { version } from './version.js'

const NAME = 'ws-echo'

interface ServeArgs {
  verbose: number
  host: string
  port: string
  path?: string
  prefix?: string
  maxMessage: string
  maxConns?: string
  idleTimeout?: string
  pingInterval: string
  compress: boolean
  tlsCert?: string
  tlsKey?: string
  grace: string
  json: boolean
}

interface BenchArgs {
  verbose: number
  url: string
  mode: WsBenchMode
  conns: string
  size?: string
  duration: string
  binary: boolean
  expectPrefix?: string
  insecure: boolean
  json: boolean
}

function writeJson(event: object): void {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

/** What the server reports, as JSON lines (--json) or as log lines (-v). */
function eventPrinter(log: Logger, json: boolean): (event: WsEchoEvent) => void {
  const c = log.colors
  return (event) => {
    if (json) return writeJson(event)
    switch (event.event) {
      case 'listening':
        log.line(`listening on ${formatHostPort(event.host, event.port)}${event.path ?? ''}${event.scheme === 'wss' ? ' (wss)' : ''}`)
        break
      case 'open':
        log.info(`${c.green('open ')} ${event.peer} ${event.path} (#${event.id}, ${event.open} open)`)
        break
      case 'close': {
        if (event.reason === 'protocol-error') log.warn(`closed ${event.peer} with ${event.code}: ${event.error ?? 'protocol error'}`)
        const why = event.reason === 'close' ? '' : ` ${c.yellow(event.reason)}${event.error ? `: ${event.error}` : ''}`
        log.info(
          `${c.dim('close')} ${event.peer} (#${event.id}) code ${event.code} after ${formatDuration(event.durationMs)}, ` +
            `${event.messages} messages, ${formatBytes(event.bytesIn)} in, ${formatBytes(event.bytesOut)} out${why}`,
        )
        break
      }
      case 'reject':
        log.info(`${c.yellow(String(event.status))} ${event.peer}: ${event.reason}`)
        break
      case 'error':
        log.warn(event.message)
        break
      case 'summary':
        log.line(formatSummary(event))
        break
    }
  }
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new NetkitError(ErrorCode.CANNOT_OPEN, `${what} ${file}: ${(code && describeErrno(code)) ?? (err as Error).message}`, { cause: err })
  }
}

function tlsOptions(args: ServeArgs): WsEchoServerOptions['tls'] {
  if (args.tlsCert === undefined && args.tlsKey === undefined) return undefined
  if (args.tlsCert === undefined || args.tlsKey === undefined) throw new UsageError(args.tlsCert === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key')
  return { cert: readPem(args.tlsCert, 'certificate'), key: readPem(args.tlsKey, 'key') }
}

function serverOptions(args: ServeArgs): WsEchoServerOptions {
  if (args.path !== undefined && !args.path.startsWith('/')) throw new UsageError(`--path must start with '/': ${JSON.stringify(args.path)}`)
  return {
    host: parseHost(args.host),
    port: parsePort(args.port, { allowZero: true, allowService: false }),
    path: args.path,
    prefix: args.prefix,
    maxMessage: parseSize(args.maxMessage, 'max message size'),
    maxConns: args.maxConns === undefined ? undefined : parseCount(args.maxConns, 'max-conns'),
    idleTimeout: args.idleTimeout === undefined ? undefined : parseDuration(args.idleTimeout, 'idle timeout'),
    pingInterval: parseDuration(args.pingInterval, 'ping interval'),
    compress: args.compress,
    grace: parseDuration(args.grace, 'grace period'),
    tls: tlsOptions(args),
  }
}

async function serve(args: ServeArgs): Promise<void> {
  const log = createLogger({ name: NAME, verbosity: args.verbose })
  const options = serverOptions(args)
  if (options.maxMessage === 0) throw new UsageError('max message size must be at least 1 byte')
  if (args.json) exitQuietlyOnBrokenPipe(process.stdout)
  const print = eventPrinter(log, args.json)
  const verbose = args.json || args.verbose > 0
  // listening, summary, server errors and protocol errors always; other events with -v or --json.
  const report = (event: WsEchoEvent) => {
    if (verbose || event.event === 'listening' || event.event === 'summary' || event.event === 'error' || (event.event === 'close' && event.reason === 'protocol-error')) {
      print(event)
    }
  }
  const server = await createWsEchoServer({ ...options, onEvent: report })
  onShutdown(async () => {
    await server.close()
  })
}

async function bench(args: BenchArgs): Promise<void> {
  const log = createLogger({ name: NAME, verbosity: args.verbose })
  const options = {
    url: args.url,
    mode: args.mode,
    connections: parseCount(args.conns, 'connections', 1, 100_000),
    size: args.size === undefined ? undefined : parseSize(args.size, 'size'),
    duration: parseDuration(args.duration, 'duration'),
    binary: args.binary,
    expectPrefix: args.expectPrefix,
    insecure: args.insecure,
  }
  if (options.size === 0) throw new UsageError('size must be at least 1 byte')
  if (options.duration === 0) throw new UsageError('duration must be more than 0')
  if (args.binary && args.expectPrefix !== undefined) throw new UsageError('--expect-prefix applies to text messages; drop --binary')
  const { runWsBench, resolveWsBenchOptions } = await import('./bench.js')
  resolveWsBenchOptions(options)
  await runBenchCommand({
    label: `${options.mode} against ${args.url}`,
    unit: 'msgs',
    json: Boolean(args.json),
    log,
    run: (signal, onProgress) => runWsBench({ ...options, signal, onProgress }),
    format: formatBenchTable,
  })
}

const MIB = 1024 * 1024

await runMain(NAME, async () => {
  await createCli({ name: NAME, version, usage: '$0 [options]\n$0 bench URL [options]' })
    .command(
      '$0',
      'Run a WebSocket echo server',
      (y) =>
        y
          .option('host', { type: 'string', default: DEFAULT_HOST, description: 'Address to bind (0.0.0.0 or :: for all interfaces)' })
          .option('port', { alias: 'p', type: 'string', default: String(DEFAULT_PORT), description: 'Port to bind (0: any free port)' })
          .option('path', { type: 'string', description: 'Accept upgrades on this path only (e.g. /echo); other paths get 404' })
          .option('prefix', { type: 'string', description: "Prepend this to every text message echoed (e.g. '收到: ')" })
          .option('max-message', { type: 'string', default: `${DEFAULT_MAX_MESSAGE / MIB}M`, description: 'Largest message, after decompression; larger ones close with 1009' })
          .option('max-conns', { type: 'string', description: 'Serve at most N connections at once; further upgrades get 503' })
          .option('idle-timeout', { type: 'string', description: 'Close connections that send no message for this long (e.g. 30s)' })
          .option('ping-interval', { type: 'string', default: `${DEFAULT_PING_INTERVAL_MS / 1000}s`, description: 'Ping every peer this often; terminate one that missed the last pong (0: never)' })
          .option('compress', { type: 'boolean', default: false, description: 'Offer permessage-deflate (--max-message still caps inflated messages)' })
          .option('tls-cert', { type: 'string', description: 'Serve wss:// with this PEM certificate (needs --tls-key)' })
          .option('tls-key', { type: 'string', description: 'PEM private key for --tls-cert' })
          .option('grace', { type: 'string', default: `${DEFAULT_GRACE_MS / 1000}s`, description: 'On SIGINT/SIGTERM, close with 1001 and wait this long before terminating' })
          .option('json', { type: 'boolean', default: false, description: 'Print events as JSON lines on stdout' })
          .example("$0 --prefix '收到: '", 'echo text messages with a prefix on ws://127.0.0.1:8765/')
          .example('$0 --port 0 --path /echo --max-conns 1000', 'any free port, upgrades on /echo only'),
      (argv) => serve(argv as unknown as ServeArgs),
    )
    .command(
      'bench <url>',
      'Load-test a WebSocket echo server, verifying every echoed message',
      (y) =>
        y
          .positional('url', { type: 'string', description: 'ws://host:port/path or wss://…' })
          .option('mode', { alias: 'm', type: 'string', default: 'pingpong', description: 'pingpong (one message in flight per connection) or stream (1 MiB in flight)' })
          .option('conns', { alias: 'c', type: 'string', default: '100', description: 'Concurrent connections' })
          .option('size', { alias: 's', type: 'string', description: 'Message size (default 64; 64k for stream)' })
          .option('duration', { alias: 'd', type: 'string', default: '10s', description: 'How long to run' })
          .option('binary', { alias: 'b', type: 'boolean', default: false, description: 'Send binary messages (default: text)' })
          .option('expect-prefix', { type: 'string', description: 'Text echoes must start with this (ws-echo --prefix)' })
          .option('insecure', { alias: 'k', type: 'boolean', default: false, description: 'wss: accept any server certificate' })
          .option('json', { type: 'boolean', default: false, description: 'Print the result as JSON on stdout' })
          .example('$0 bench ws://127.0.0.1:8765/ -c 100 -d 5s', '100 connections of 64 B text pingpong for 5 s'),
      (argv) => bench(argv as unknown as BenchArgs),
    )
    .parseAsync()
})
