// The `udp-echo bench` subcommand, loaded by main.ts only when asked for: the tester, its
// payload codec (node:crypto) and its report stay out of a server's start-up.
import {
  createSpinner,
  exitQuietlyOnBrokenPipe,
  formatCount,
  formatDuration,
  formatHostPort,
  onShutdown,
  parseCount,
  parseDuration,
  parseHostPort,
  parseSize,
  plural,
  UsageError,
  type Logger,
  writeJsonLine,
} from '@netkit/shared'
import { runUdpBench } from './bench.js'
import { formatUdpBenchResult } from './report.js'

export interface BenchArgs {
  host: string
  port?: string
  window: string
  size: string
  duration: string
  datagrams?: string
  timeout: string
  json: boolean
  verbose: number
}

/** `udp-echo bench`: run the verifying tester; resolves with the exit code (1 on a mismatch or no echo). */
export async function bench(args: BenchArgs, logger: Logger): Promise<number> {
  const { host, port } = parseHostPort(args.host, args.port)
  const window = parseCount(args.window, 'window', 1, 65_536)
  const size = parseSize(args.size, 'size')
  if (size < 8 || size > 65_507) throw new UsageError(`size out of range: ${args.size} (use 8-65507 bytes)`)
  const durationMs = parseDuration(args.duration, 'duration')
  if (durationMs < 1) throw new UsageError(`duration must be above zero: ${args.duration}`)
  const datagrams = args.datagrams === undefined ? undefined : parseCount(args.datagrams, 'datagrams', 1)
  const lossTimeoutMs = Math.max(1, parseDuration(args.timeout, 'timeout'))

  const spinner = createSpinner(`udp bench ${formatHostPort(host, port)}`)
  const abort = new AbortController()
  const removeShutdown = onShutdown(() => abort.abort())
  let result
  try {
    result = await runUdpBench({
      host,
      port,
      window,
      size,
      durationMs,
      datagrams,
      lossTimeoutMs,
      signal: abort.signal,
      onProgress: spinner.active
        ? (p) =>
            spinner.update(
              `udp bench ${formatHostPort(host, port)}: ${formatDuration(p.elapsedMs)}, ${formatCount(p.verified)} verified, ${formatCount(p.lost)} lost, ` +
                `${plural(p.mismatches, 'mismatch', 'mismatches')}`,
            )
        : undefined,
    })
  } finally {
    spinner.stop()
    removeShutdown()
  }
  // As every tester of the family: the table is for a person (stderr), --json is data (stdout).
  if (args.json) {
    exitQuietlyOnBrokenPipe(process.stdout)
    writeJsonLine(result)
  } else {
    logger.line(formatUdpBenchResult(result))
  }
  if (result.mismatches > 0) {
    logger.error(`${result.mismatches} echoed datagrams did not match what was sent (${result.mismatchSamples[0] ?? 'no sample'})`)
    return 1
  }
  if (result.verified === 0) {
    logger.error(`no echo from ${formatHostPort(host, port)} (udp)${result.firstError ? `: ${result.firstError}` : ''}`)
    return 1
  }
  return 0
}
