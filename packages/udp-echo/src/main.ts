import {
  createLogger,
  exitQuietlyOnBrokenPipe,
  fastParse,
  formatHostPort,
  onShutdown,
  parseCount,
  parseServerAddress,
  parseSize,
  reportError,
  UsageError,
  type ParsedArgs,
  writeJsonLine,
} from '@netkit/shared'
import type { BenchArgs } from './bench-cli.js'
import { UDP_ECHO_CLI } from './cli-spec.js'
import { hexPreview } from './hex.js'
import { formatUdpEchoStats } from './report.js'
import { createUdpEchoServer, MAX_DATAGRAM_SIZE, type Peer } from './server.js'
import { version } from './version.js'

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
        writeJsonLine({ event: 'summary', ...stats, logLinesSkipped: out.skipped })
      } else {
        log.line(`${NAME}: ${formatUdpEchoStats(stats)}${out.skipped > 0 ? `, ${out.skipped} log lines skipped` : ''}`)
      }
      resolve()
    })
  })
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
    // The tester (and node:crypto for its payloads) loads only for `bench`.
    const { bench } = await import('./bench-cli.js')
    return await bench(action.args, createLogger({ name: NAME, verbosity: action.args.verbose }))
  } catch (err) {
    return reportError(NAME, err)
  }
}

/**
 * What to do, from the yargs-free fast path when it understands the command line, else from
 * yargs (loaded only then); undefined when --help, --version or --completion was answered.
 */
async function parse(argv: readonly string[], exitProcess: boolean): Promise<Action | undefined> {
  let args: ParsedArgs | undefined = fastParse(argv, UDP_ECHO_CLI)
  if (!args) {
    const { createCliFromSpec } = await import('@netkit/shared/cli')
    args = (await createCliFromSpec(UDP_ECHO_CLI, { version, argv, exitProcess }).parseAsync()) as ParsedArgs
    // Only without exitProcess (in-process tests) does yargs return after answering these.
    if (args.help || args.version || args.completion !== undefined) return undefined
  }
  return args._[0] === 'bench' ? { kind: 'bench', args: args as unknown as BenchArgs } : { kind: 'serve', args: args as unknown as ServeArgs }
}

/** The bin: run main on the process's arguments. */
export async function runBin(): Promise<void> {
  const code = await main()
  if (code !== 0) process.exitCode = code
}
