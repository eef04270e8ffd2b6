// The `tcp-echo bench` subcommand, loaded by main.ts only when asked for: the tester, its options
// and its report stay out of a server's start-up.
import { createLogger, formatHostPort, InvalidArgumentError, parseCount, parseDuration, parseHost, parsePort, parseSize, runBenchCommand, UsageError } from '@netkit/shared'
import { formatBenchTable } from './format.js'
import { resolveBenchOptions, TCP_BENCH_MODES, type TcpBenchMode } from './options.js'

export interface BenchArgs {
  verbose: number
  host: string
  port: string
  connections: string
  duration?: string
  requests?: string
  size?: string
  mode: TcpBenchMode
  threads: string
  json: boolean
}

/** `tcp-echo bench`: parse and check the options, run the tester with progress, print the table. */
export async function bench(name: string, args: BenchArgs): Promise<void> {
  const log = createLogger({ name, verbosity: args.verbose })
  const port = parsePort(args.port)
  const options = {
    host: parseHost(args.host),
    port,
    mode: args.mode,
    connections: parseCount(args.connections, 'connections', 1, 1_000_000),
    duration: args.duration === undefined ? undefined : parseDuration(args.duration, 'duration'),
    requests: args.requests === undefined ? undefined : parseCount(args.requests, 'requests'),
    size: args.size === undefined ? undefined : parseSize(args.size, 'size'),
    threads: parseCount(args.threads, 'threads', 1, 256),
  }
  if (options.size === 0) throw new UsageError('size must be at least 1 byte')
  if (!TCP_BENCH_MODES.includes(options.mode)) throw new UsageError(`invalid bench mode: ${JSON.stringify(options.mode)} (use ${TCP_BENCH_MODES.join(', ')})`)
  // The rest of the library's checks, before the spinner starts; bad input is the user's: exit 2.
  try {
    resolveBenchOptions(options)
  } catch (err) {
    throw err instanceof InvalidArgumentError ? new UsageError(err.message) : err
  }
  const { runTcpBench } = await import('./run.js')
  await runBenchCommand({
    label: `${options.mode} against ${formatHostPort(options.host, port)}`,
    unit: { churn: 'conns', pingpong: 'msgs', stream: 'writes' }[options.mode],
    json: Boolean(args.json),
    log,
    run: (signal, onProgress) => runTcpBench({ ...options, signal, onProgress }),
    format: formatBenchTable,
  })
}
