/**
 * The ws-echo command (loaded by cli.ts for every command line but a bare --version): parses the
 * arguments with the option table of cli-spec.ts and runs the server or the load tester.
 */
import { readFileSync } from 'node:fs'
import {
  createLogger,
  describeErrno,
  ErrorCode,
  exitQuietlyOnBrokenPipe,
  fastParse,
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
  type ParsedArgs,
  writeJsonLine,
} from '@netkit/shared'
import { WS_ECHO_CLI } from './cli-spec.js'
import { createWsEchoServer, type WsEchoServerOptions } from './server.js'
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

/** What the server reports, as JSON lines (--json) or as log lines (-v). */
function eventPrinter(log: Logger, json: boolean): (event: WsEchoEvent) => void {
  const c = log.colors
  return (event) => {
    if (json) return writeJsonLine(event)
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

/**
 * The arguments, from the yargs-free fast path when it understands the command line (a plain
 * `ws-echo --port 0` never loads yargs), else from yargs, loaded only then: it answers --help,
 * --completion and --version with other arguments, and words the errors.
 */
async function parseArgs(argv: readonly string[]): Promise<ParsedArgs> {
  const fast = fastParse(argv, WS_ECHO_CLI)
  if (fast) return fast
  const { createCliFromSpec } = await import('@netkit/shared/cli')
  return (await createCliFromSpec(WS_ECHO_CLI, { version, argv }).parseAsync()) as ParsedArgs
}

await runMain(NAME, async () => {
  const args = await parseArgs(process.argv.slice(2))
  if (args._[0] === 'bench') await bench(args as unknown as BenchArgs)
  else await serve(args as unknown as ServeArgs)
})
