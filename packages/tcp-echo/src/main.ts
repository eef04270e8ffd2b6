import { availableParallelism } from 'node:os'
import {
  createLogger,
  exitQuietlyOnBrokenPipe,
  formatBytes,
  formatDuration,
  formatHostPort,
  fastParse,
  printVersionIfAsked,
  type ParsedArgs,
  onShutdown,
  parseCount,
  parseDuration,
  parseServerAddress,
  parseSize,
  reportError,
  type Logger,
  UsageError,
  writeJsonLine,
} from '@netkit/shared'
import { createTcpEchoServer, type TcpEchoServerOptions } from './server.js'
import { TCP_ECHO_CLI } from './cli-spec.js'
import type { TcpEchoEvent, TcpEchoSummary } from './events.js'
import { formatSummary } from './format.js'
import { version } from './version.js'
import type { BenchArgs } from './bench/command.js'
import type { FrameFormat } from '@netkit/framing'

const NAME = 'tcp-echo'

interface ServeArgs {
  verbose: number
  host: string
  port: string
  maxConns?: string
  idleTimeout?: string
  frame?: FrameFormat
  maxFrameSize?: string
  delay?: string
  grace: string
  cluster?: string
  json: boolean
}

/** What the server reports, as JSON lines (--json) or as log lines (-v). */
function eventPrinter(log: Logger, json: boolean): (event: TcpEchoEvent) => void {
  const c = log.colors
  return (event) => {
    if (json) {
      writeJsonLine(event)
      return
    }
    switch (event.event) {
      case 'listening':
        log.line(`listening on ${formatHostPort(event.host, event.port)}`)
        break
      case 'open':
        log.info(`${c.green('open ')} ${event.peer} (#${event.id}, ${event.open} open)`)
        break
      case 'close': {
        const why = event.reason === 'end' ? '' : ` ${c.yellow(event.reason)}${event.error ? `: ${event.error}` : ''}`
        if (isFrameError(event)) log.warn(`closed ${event.peer}: ${event.error ?? event.reason}`)
        log.info(
          `${c.dim('close')} ${event.peer} (#${event.id}) after ${formatDuration(event.durationMs)}, ` +
            `${formatBytes(event.bytesIn)} in, ${formatBytes(event.bytesOut)} out${why}`,
        )
        break
      }
      case 'drop':
        log.info(`${c.yellow('drop ')} ${event.peer}: max-conns reached`)
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

/** Frame errors say the client is broken: worth a line even without -v. */
function isFrameError(event: TcpEchoEvent): boolean {
  return event.event === 'close' && event.reason.startsWith('frame-')
}

async function frameOptions(args: ServeArgs): Promise<Pick<TcpEchoServerOptions, 'frame' | 'maxFrameSize'>> {
  if (args.maxFrameSize !== undefined && !args.frame) throw new UsageError('--max-frame-size needs --frame')
  if (args.frame !== undefined) {
    // Loaded only for frame mode (the server loads the codecs then anyway).
    const { FRAME_FORMATS } = await import('@netkit/framing')
    if (!(FRAME_FORMATS as readonly string[]).includes(args.frame)) {
      throw new UsageError(`invalid frame format: ${JSON.stringify(args.frame)} (use ${FRAME_FORMATS.join(', ')})`)
    }
  }
  return {
    frame: args.frame,
    maxFrameSize: args.maxFrameSize === undefined ? undefined : parseSize(args.maxFrameSize, 'max frame size'),
  }
}

async function serve(args: ServeArgs): Promise<void> {
  const log = createLogger({ name: NAME, verbosity: args.verbose })
  const verbose = args.json || args.verbose > 0
  const options: TcpEchoServerOptions = {
    ...parseServerAddress(args),
    // Without -v or --json, connections that end well cost no event objects.
    connectionEvents: verbose ? 'all' : 'failures',
    maxConns: args.maxConns === undefined ? undefined : parseCount(args.maxConns, 'max-conns'),
    idleTimeout: args.idleTimeout === undefined ? undefined : parseDuration(args.idleTimeout, 'idle timeout'),
    delay: args.delay === undefined ? undefined : parseDuration(args.delay, 'delay'),
    grace: parseDuration(args.grace, 'grace period'),
    ...(await frameOptions(args)),
  }
  if (args.json) exitQuietlyOnBrokenPipe(process.stdout)
  const print = eventPrinter(log, args.json)
  // listening, summary, server errors and frame errors are always reported; per-connection events with -v or --json.
  const report = (event: TcpEchoEvent) => {
    if (verbose || event.event === 'listening' || event.event === 'summary' || event.event === 'error' || isFrameError(event)) print(event)
  }

  if (args.cluster !== undefined) {
    const workers = args.cluster === '' ? availableParallelism() : parseCount(args.cluster, 'cluster workers', 1, 1024)
    const { isClusterWorker, runClusterPrimary, runClusterWorker } = await import('./cluster.js')
    if (isClusterWorker()) {
      await runClusterWorker(options, report)
      return
    }
    await runClusterPrimary({
      workers,
      grace: options.grace,
      onListening: (address, n) => {
        if (args.json) writeJsonLine({ event: 'listening', ...address, workers: n })
        else log.line(`listening on ${formatHostPort(address.host, address.port)} (${n} workers)`)
      },
      onSummary: (summary: TcpEchoSummary) => print({ event: 'summary', ...summary }),
      onWarning: (message) => log.warn(message),
    })
    return
  }

  const server = await createTcpEchoServer({ ...options, onEvent: report })
  onShutdown(async () => {
    await server.close()
  })
}

/**
 * Run the CLI on `argv` (the arguments after the script) and resolve with its exit code: bad
 * input prints one line and gives 2, failures 1. The server mode resolves once it is listening
 * (the process then runs until a signal).
 */
export async function main(argv: readonly string[] = process.argv.slice(2), options: { exitProcess?: boolean } = {}): Promise<number> {
  try {
    const args = await parse(argv, options.exitProcess ?? true)
    if (args === undefined) return 0
    // The load tester and its report load only for `bench`.
    if (args._[0] === 'bench') await (await import('./bench/command.js')).bench(NAME, args as unknown as BenchArgs)
    else await serve(args as unknown as ServeArgs)
    return 0
  } catch (err) {
    return reportError(NAME, err)
  }
}

/**
 * The arguments, from the yargs-free fast path when it understands the command line, else from
 * yargs (loaded only then); undefined when --help, --version or --completion was answered.
 */
async function parse(argv: readonly string[], exitProcess: boolean): Promise<ParsedArgs | undefined> {
  if (printVersionIfAsked(argv, version)) return undefined
  const fast = fastParse(argv, TCP_ECHO_CLI)
  if (fast) return fast
  const { createCliFromSpec } = await import('@netkit/shared/cli')
  const args = (await createCliFromSpec(TCP_ECHO_CLI, { version, argv, exitProcess }).parseAsync()) as ParsedArgs
  // Only without exitProcess (in-process tests) does yargs return after answering these.
  return args.help || args.version || args.completion !== undefined ? undefined : args
}

/** The bin: run main on the process's arguments; a server keeps running after main resolves. */
export async function runBin(): Promise<void> {
  const code = await main()
  // Keep an exit code set meanwhile (a failed shutdown).
  if (code !== 0) process.exitCode = code
}
