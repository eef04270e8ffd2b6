#!/usr/bin/env node
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { createCli } from '@netkit/shared/cli'
import {
  createLogger,
  createSpinner,
  exitQuietlyOnBrokenPipe,
  formatHostPort,
  onShutdown,
  parseCount,
  parseDuration,
  parseHostPort,
  parseServerAddress,
  parseSize,
  reportError,
  serverAddressOptions,
  UsageError,
  type Logger,
} from '@netkit/shared'
import { DEFAULT_BENCH_DURATION_MS, DEFAULT_BENCH_SIZE, DEFAULT_LOSS_TIMEOUT_MS, DEFAULT_WINDOW, runUdpBench } from './bench.js'
import { hexPreview } from './hex.js'
import { formatUdpBenchResult, formatUdpEchoStats } from './report.js'
import { createUdpEchoServer, DEFAULT_HOST, DEFAULT_PORT, MAX_DATAGRAM_SIZE, type Peer } from './server.js'
import { DEFAULT_RATE_LIMIT } from './source-limiter.js'
import { version } from './index.js'

const NAME = 'udp-echo'
/** Log output queued beyond this is skipped (and counted): a flood must not grow our memory. */
const MAX_QUEUED_OUTPUT = 1024 * 1024

interface ServeArgs {
  host: string
  port: string
  maxSize?: string
  rateLimit?: string
  rateBurst?: string
  json: boolean
  verbose: number
}

interface BenchArgs {
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

type Action = { kind: 'serve'; args: ServeArgs } | { kind: 'bench'; args: BenchArgs }

/** Write lines to a stream unless too much is already queued; returns how many were skipped. */
function boundedWriter(stream: NodeJS.WritableStream & { writableLength?: number }) {
  let skipped = 0
  return {
    write(line: string) {
      if ((stream.writableLength ?? 0) > MAX_QUEUED_OUTPUT) skipped++
      else stream.write(`${line}\n`)
    },
    get skipped() {
      return skipped
    },
  }
}

const peerText = (peer: Peer) => formatHostPort(peer.address, peer.port)

async function serve(args: ServeArgs): Promise<void> {
  const log = createLogger({ name: NAME, verbosity: args.verbose })
  const server = await createUdpEchoServer({
    ...parseServerAddress(args, { allowService: true }),
    maxSize: args.maxSize === undefined ? undefined : parseCount(String(parseSize(args.maxSize, 'max size')), 'max size', 0, MAX_DATAGRAM_SIZE),
    rateLimit: args.rateLimit === undefined ? undefined : parseCount(args.rateLimit, 'rate limit', 0),
    rateBurst: args.rateBurst === undefined ? undefined : parseCount(args.rateBurst, 'rate burst', 1),
  })
  const { host, port, family } = server.address
  const out = boundedWriter(args.json ? process.stdout : process.stderr)
  if (args.json) exitQuietlyOnBrokenPipe(process.stdout, () => void server.close())
  const event = (name: string, fields: Record<string, unknown>) => out.write(JSON.stringify({ event: name, ...fields }))

  if (args.json) {
    event('listening', { host, port, family, rateLimit: server.rateLimit, maxSize: server.maxSize })
  } else {
    log.line(`listening on ${formatHostPort(host, port)}`)
    if (server.rateLimit > 0) log.info(`rate limit: ${server.rateLimit} datagrams/s per source address`)
  }

  if (args.json) {
    server.on('source', (peer) => event('source', { peer: peerText(peer) }))
    server.on('rate-limit', (peer) => event('rate-limit', { peer: peerText(peer), limit: server.rateLimit }))
    server.on('send-error', (peer, err) => event('send-error', { peer: peerText(peer), error: err.message }))
    server.on('drop', (peer, bytes, reason) => {
      // Rate-limited drops come in floods; the rate-limit event marks them unless -v asks for each.
      if (reason !== 'rate-limited' || args.verbose > 0) event('drop', { peer: peerText(peer), bytes, reason })
    })
    if (args.verbose > 0) server.on('datagram', (peer, data) => event('datagram', { peer: peerText(peer), bytes: data.byteLength, hex: hexPreview(data) }))
  } else if (args.verbose > 0) {
    const c = log.colors
    server.on('datagram', (peer, data) => out.write(`${peerText(peer)}: ${data.byteLength} bytes echoed ${c.dim(hexPreview(data))}`))
    server.on('drop', (peer, bytes, reason) => out.write(`${peerText(peer)}: ${bytes} bytes ${c.yellow(`dropped (${reason})`)}`))
    server.on('rate-limit', (peer) => out.write(`${peer.address}: ${c.yellow(`over the rate limit of ${server.rateLimit} datagrams/s, dropping`)}`))
    server.on('send-error', (peer, err) => out.write(`${peerText(peer)}: ${c.red(`send failed: ${err.message}`)}`))
  }

  await new Promise<void>((resolve) => {
    onShutdown(async () => {
      await server.close()
      const stats = server.stats()
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ event: 'summary', ...stats, logLinesSkipped: out.skipped })}\n`)
      } else {
        log.line(`${NAME}: ${formatUdpEchoStats(stats)}${out.skipped > 0 ? `, ${out.skipped} log lines skipped` : ''}`)
      }
      resolve()
    })
  })
}

async function bench(args: BenchArgs, logger: Logger): Promise<number> {
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
        ? (p) => spinner.update(`udp bench ${formatHostPort(host, port)}: ${(p.elapsedMs / 1000).toFixed(1)}s, ${p.verified} verified, ${p.lost} lost, ${p.mismatches} mismatches`)
        : undefined,
    })
  } finally {
    spinner.stop()
    removeShutdown()
  }
  exitQuietlyOnBrokenPipe(process.stdout)
  process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `${formatUdpBenchResult(result)}\n`)
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

/**
 * Run the CLI on `argv` (the arguments after the script) and resolve with its exit code: bad
 * input prints one line and gives 2. The server mode resolves when a signal has stopped it.
 */
export async function main(argv: readonly string[] = process.argv.slice(2), options: { exitProcess?: boolean } = {}): Promise<number> {
  try {
    const action = await parse(argv, options.exitProcess ?? true)
    if (action === undefined) return 0
    if (action.kind === 'serve') {
      await serve(action.args)
      return 0
    }
    return await bench(action.args, createLogger({ name: NAME, verbosity: action.args.verbose }))
  } catch (err) {
    return reportError(NAME, err)
  }
}

async function parse(argv: readonly string[], exitProcess: boolean): Promise<Action | undefined> {
  let action: Action | undefined
  await createCli({ name: NAME, version, usage: '$0 [options]        run the echo server\n$0 bench HOST PORT  load-test a UDP echo server', argv, exitProcess })
    .command(
      '$0',
      'Echo every UDP datagram back to its sender',
      (y) =>
        y
          .options(serverAddressOptions({ host: DEFAULT_HOST, port: DEFAULT_PORT }))
          .option('max-size', { type: 'string', description: 'Drop (and count) datagrams larger than this, e.g. 1400 or 8k' })
          .option('rate-limit', {
            type: 'string',
            description: `Datagrams/s accepted per source address, 0 for no limit (default: ${DEFAULT_RATE_LIMIT} unless bound to loopback)`,
          })
          .option('rate-burst', { type: 'string', description: 'Datagrams a quiet source may send at once (default: one second of --rate-limit)' })
          .option('json', { type: 'boolean', default: false, description: 'Print events as JSON lines on stdout' }),
      (argv) => {
        action = { kind: 'serve', args: argv as unknown as ServeArgs }
      },
    )
    .command(
      'bench <host> [port]',
      'Load-test a UDP echo server, verifying every echoed byte',
      (y) =>
        y
          .positional('host', { type: 'string', description: 'Server address (or host:port)' })
          .positional('port', { type: 'string', description: 'Server port' })
          .option('window', { alias: 'w', type: 'string', default: String(DEFAULT_WINDOW), description: 'Datagrams in flight' })
          .option('size', { alias: 's', type: 'string', default: String(DEFAULT_BENCH_SIZE), description: 'Bytes per datagram (8-65507)' })
          .option('duration', { alias: 'd', type: 'string', default: `${DEFAULT_BENCH_DURATION_MS / 1000}s`, description: 'How long to send' })
          .option('datagrams', { alias: 'n', type: 'string', description: 'Stop after sending this many' })
          .option('timeout', { type: 'string', default: `${DEFAULT_LOSS_TIMEOUT_MS}ms`, description: 'Count a datagram lost after this long' })
          .option('json', { type: 'boolean', default: false, description: 'Print the result as JSON on stdout' }),
      (argv) => {
        action = { kind: 'bench', args: argv as unknown as BenchArgs }
      },
    )
    .parseAsync()
  return action
}

/** True when this file is the program node runs (not when a test imports it). */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  const code = await main()
  if (code !== 0) process.exitCode = code
}
