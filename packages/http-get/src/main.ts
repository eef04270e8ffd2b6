import fs from 'node:fs'
import { createCli } from '@netkit/shared/cli'
import { createLogger, createSpinner, ErrorCode, formatBytes, NetkitError, parseCount, parseDuration, spinnerAllowed, UsageError } from '@netkit/shared'
import { fetchToOutputs, planOutputs } from './batch.js'
import { TransferError } from './errors.js'
import { parseHeaderArgument } from './protocol/request.js'
import { FdSink, StreamSink, type Sink } from './transfer/output.js'
import type { Progress } from './types.js'
import { writeOutJson } from './write-out.js'
import pkg from '../package.json' with { type: 'json' }

/** stdout as a sink: blocking writes when it is a file or /dev/null (fast, no copy), else the stream. */
function stdoutSink(): Sink {
  try {
    const stat = fs.fstatSync(1)
    if (stat.isFile() || (stat.isCharacterDevice() && !process.stdout.isTTY)) return new FdSink(1, 'stdout')
  } catch {
    // fd 1 closed or odd: fall back to the stream, whose errors end the program quietly
  }
  return new StreamSink(process.stdout, 'stdout')
}

function asArray(value: unknown): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).map(String)
}

/** A -m/--connect-timeout value in ms; 0 means no limit, as in curl. */
function timeLimit(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined
  const ms = parseDuration(value, what)
  return ms === 0 ? undefined : ms
}

function readCaFile(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined
  try {
    return fs.readFileSync(file)
  } catch (err) {
    throw new TransferError(ErrorCode.HTTP_CACERT, `error setting certificate file: ${file}: ${(err as Error).message}`)
  }
}

/** -w @file reads the format from a file (@- from stdin), as in curl. */
function readWriteOut(value: string | undefined): string | undefined {
  if (!value?.startsWith('@')) return value
  const source = value.slice(1)
  try {
    return fs.readFileSync(source === '-' ? 0 : source, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read the --write-out file ${source}: ${(err as Error).message}`)
  }
}

function parseArgs(argv: readonly string[]) {
  return createCli({ name: 'http-get', version: pkg.version, usage: '$0 [options] URL [URL...]', argv })
    // Optional here, checked below: a required positional is checked before strict mode, so
    // `--bogus URL` (the unknown option takes the URL as its value) would say "Not enough
    // non-option arguments" instead of naming the unknown option.
    .command('$0 [urls..]', 'Fetch URLs with HTTP/1.1 GET over raw TCP/TLS sockets', (y) =>
      y.positional('urls', { type: 'string', array: true, description: 'http:// or https:// URLs (http:// assumed)' }),
    )
    .option('header', { alias: 'H', type: 'string', array: true, description: "Add or replace a header ('Name: value'); 'Name:' removes a default one" })
    .option('head', { alias: 'I', type: 'boolean', description: 'Send HEAD and print the response head' })
    .option('user-agent', { alias: 'A', type: 'string', description: 'User-Agent to send' })
    .option('http1.0', { type: 'boolean', description: 'Send HTTP/1.0 requests' })
    .option('compressed', { type: 'boolean', description: 'Ask for gzip, deflate or br and decode the body' })
    .option('location', { alias: 'L', type: 'boolean', description: 'Follow redirects (301, 302, 303, 307, 308)' })
    .option('max-redirs', { type: 'string', description: 'Most redirects to follow with -L (default 20)' })
    .option('insecure', { alias: 'k', type: 'boolean', description: 'Do not verify TLS certificates' })
    .option('cacert', { type: 'string', description: 'PEM file of CA certificates to trust instead of the bundled ones' })
    .option('connect-timeout', { type: 'string', description: 'Limit for connecting, TLS handshake included (10s, 500ms; plain number = seconds)' })
    .option('max-time', { alias: 'm', type: 'string', description: 'Limit for each whole transfer' })
    .option('output', { alias: 'o', type: 'string', array: true, description: 'Write the body to FILE (once per URL, in order; - is stdout)' })
    .option('remote-name', { alias: 'O', type: 'count', description: "Write the body to a file named like the URL's last path segment (once per URL)" })
    .option('include', { alias: 'i', type: 'boolean', description: 'Include the status line and headers (and trailers) in the output' })
    .option('silent', { alias: 's', type: 'boolean', description: 'No progress line and no error messages' })
    .option('show-error', { alias: 'S', type: 'boolean', description: 'With -s, still print error messages' })
    .option('fail', { alias: 'f', type: 'boolean', description: 'Exit 22 on HTTP status >= 400, printing no body' })
    .option('write-out', { alias: 'w', type: 'string', description: 'Print this after each transfer: %{http_code}, %{json}, %header{name}, … (@file reads it from a file)' })
    .option('json', { type: 'boolean', description: "Print one JSON line per transfer to stderr: the %{json} fields (not curl's --json, which posts a JSON body)" })
    .option('parallel', { type: 'string', description: 'Transfers at once (default 1: in order, keep-alive reuse)' })
    .example('$0 -L -o page.html http://example.com/', 'Save a page, following redirects')
    .example("$0 -s -o /dev/null -w '%{http_code} %{time_total}\\n' http://[::1]:8080/", 'Status and time only')
    .epilog('Exit codes follow curl: 3 bad URL, 6 resolve, 7 connect, 8 bad reply, 18 partial body, 22 -f, 23 write, 28 timeout, 35 TLS, 47 redirects, 52 empty reply, 56 receive, 60 certificate.')
    .parseAsync()
}

/** A throttled progress line on the spinner: bytes, rate and percentage. */
function progressLine(spinner: { update(text: string): void }): (p: Progress) => void {
  // Not 0: performance.now() counts from process start, so the first bytes can come within 100 ms of it.
  let lastUpdate = -Infinity
  return (p) => {
    const now = performance.now()
    if (now - lastUpdate < 100) return
    lastUpdate = now
    const rate = p.received / Math.max(0.001, (now - p.startedAt) / 1000)
    const percent = p.total ? `  ${Math.floor((p.received / p.total) * 100)}%` : ''
    spinner.update(`${p.url}  ${formatBytes(p.received)}${p.total ? ` of ${formatBytes(p.total)}` : ''}  ${formatBytes(rate)}/s${percent}`)
  }
}

/** Where main writes: stdout as a sink and stderr (tests pass their own). */
export interface MainIo {
  stdout?: Sink
  stderr?: NodeJS.WritableStream & { isTTY?: boolean }
}

/**
 * The http-get command: parse `argv` (without `node` and the script) and run the transfers.
 * Resolves with the exit code; a usage error rejects with a UsageError (runMain prints it).
 */
export async function main(argv: readonly string[], io: MainIo = {}): Promise<number> {
  const args = await parseArgs(argv)
  const stderr = io.stderr ?? process.stderr
  const silent = Boolean(args.silent)
  const showErrors = !silent || Boolean(args['show-error'])
  const log = createLogger({ name: 'http-get', verbosity: args.verbose, stream: stderr })
  const urls = asArray(args.urls)
  if (urls.length === 0) throw new UsageError('no URL specified')
  const headers = asArray(args.header).map(parseHeaderArgument)
  const targets = planOutputs(urls.length, asArray(args.output), Number(args['remote-name'] ?? 0))
  const connectTimeout = timeLimit(args['connect-timeout'], 'connect timeout')
  const maxTime = timeLimit(args['max-time'], 'max time')
  const maxRedirects = args['max-redirs'] !== undefined ? parseCount(args['max-redirs'], 'max redirects', 0, 1000) : undefined
  const parallel = args.parallel !== undefined ? parseCount(args.parallel, 'parallel transfers', 1, 1000) : 1
  const ca = readCaFile(args.cacert)
  const writeOut = readWriteOut(args['write-out'])

  // No progress line under -v: it would be torn by the diagnostic lines on the same terminal.
  const toFile = targets.some((target) => target !== 'stdout')
  const json = Boolean(args.json)
  const spinner = !silent && !json && args.verbose === 0 && toFile && spinnerAllowed(stderr as NodeJS.WriteStream) ? createSpinner('connecting') : undefined
  const exitCode = await fetchToOutputs(urls, {
    targets,
    stdout: io.stdout ?? stdoutSink(),
    writeOut,
    // Through the logger: a stderr whose reader is gone drops the line instead of failing the run.
    onReport: json ? (data) => log.line(writeOutJson(data)) : undefined,
    warn: (message) => log.warn(message),
    onFailure: (err) => {
      spinner?.stop()
      if (!showErrors) return
      if (err instanceof NetkitError) log.error(err.message)
      else throw err
    },
    method: args.head ? 'HEAD' : 'GET',
    headers,
    userAgent: args['user-agent'],
    http10: Boolean(args['http1.0']),
    compressed: Boolean(args.compressed),
    followRedirects: Boolean(args.location),
    maxRedirects,
    insecure: Boolean(args.insecure),
    ca,
    connectTimeout,
    maxTime,
    fail: Boolean(args.fail),
    // -I prints the head, as curl does: HEAD implies -i.
    include: Boolean(args.include) || Boolean(args.head),
    parallel,
    onProgress: spinner ? progressLine(spinner) : undefined,
    log: args.verbose > 0 ? (line) => log.line(line) : undefined,
  })
  spinner?.stop()
  return exitCode
}
