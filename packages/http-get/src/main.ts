import fs from 'node:fs'
import { createLogger, createSpinner, ErrorCode, fastParse, formatBytes, NetkitError, parseCount, parseDuration, runMain, spinnerAllowed, UsageError } from '@netkit/shared'
import { HTTP_GET_CLI, type HttpGetArgs } from './cli-spec.js'
import { fetchToOutputs, planOutputs } from './batch.js'
import { TransferError } from './errors.js'
import { parseHeaderArgument } from './protocol/request.js'
import { FdSink, StreamSink, type Sink } from './transfer/output.js'
import type { Progress } from './types.js'
import { version } from './version.js'
import { writeOutJson } from './write-out.js'

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

/**
 * The arguments, from the yargs-free fast path when it understands the command line (a plain
 * `http-get -s -o file URL` never loads yargs), else from yargs, loaded only then.
 */
async function parseArgs(argv: readonly string[]): Promise<HttpGetArgs> {
  const fast = fastParse(argv, HTTP_GET_CLI)
  if (fast) return fast as unknown as HttpGetArgs
  const { createCliFromSpec } = await import('@netkit/shared/cli')
  return (await createCliFromSpec(HTTP_GET_CLI, { version, argv }).parseAsync()) as unknown as HttpGetArgs
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

/** The bin: main on the process's arguments, behind the one top-level catch. */
export async function runBin(): Promise<void> {
  await runMain('http-get', () => main(process.argv.slice(2)))
}
