#!/usr/bin/env node
import fs from 'node:fs'
import { createCli } from '@netkit/shared/cli'
import { createLogger, createSpinner, formatBytes, isBrokenPipe, NetkitError, parseCount, parseDuration, runMain, spinnerAllowed, UsageError } from '@netkit/shared'
import { borrow, fetchUrls, transferReport, type OutputSpec, type Progress } from './client.js'
import { FdSink, SinkQueue, StreamSink, type Sink } from './output.js'
import { parseHeaderArgument } from './request.js'
import { formatWriteOut } from './write-out.js'
import { version } from './index.js'

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

await runMain('http-get', async () => {
  const argv = await createCli({ name: 'http-get', version, usage: '$0 [options] URL [URL...]' })
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
    .option('parallel', { type: 'string', description: 'Transfers at once (default 1: in order, keep-alive reuse)' })
    .example('$0 -L -o page.html http://example.com/', 'Save a page, following redirects')
    .example("$0 -s -o /dev/null -w '%{http_code} %{time_total}\\n' http://[::1]:8080/", 'Status and time only')
    .epilog('Exit codes follow curl: 3 bad URL, 6 resolve, 7 connect, 8 bad reply, 18 partial body, 22 -f, 23 write, 28 timeout, 35 TLS, 47 redirects, 52 empty reply, 56 receive, 60 certificate.')
    .parseAsync()

  const silent = Boolean(argv.silent)
  const showErrors = !silent || Boolean(argv['show-error'])
  const log = createLogger({ name: 'http-get', verbosity: argv.verbose })
  const urls = asArray(argv.urls)
  if (urls.length === 0) throw new UsageError('no URL specified')
  const headers = asArray(argv.header).map(parseHeaderArgument)
  const outputs = asArray(argv.output)
  const remoteNames = Number(argv['remote-name'] ?? 0)
  if (outputs.length + remoteNames > urls.length) throw new UsageError(`more -o/-O (${outputs.length + remoteNames}) than URLs (${urls.length})`)
  const connectTimeout = timeLimit(argv['connect-timeout'], 'connect timeout')
  const maxTime = timeLimit(argv['max-time'], 'max time')
  const maxRedirects = argv['max-redirs'] !== undefined ? parseCount(argv['max-redirs'], 'max redirects', 0, 1000) : undefined
  const parallel = argv.parallel !== undefined ? parseCount(argv.parallel, 'parallel transfers', 1, 1000) : 1
  let ca: Buffer | undefined
  if (argv.cacert !== undefined) {
    try {
      ca = fs.readFileSync(argv.cacert)
    } catch (err) {
      throw new NetkitError('NETKIT_HTTP_CACERT', `error setting certificate file: ${argv.cacert}: ${(err as Error).message}`, { exitCode: 77 })
    }
  }

  // stdout is shared by every transfer (bodies, -i heads, -w lines): in URL order, never interleaved.
  const stdout = new SinkQueue(stdoutSink())
  const slots = urls.map((_, index) => stdout.slot(index))
  const jobs = urls.map((url, index) => {
    // Borrowed: the slot is closed here after the -w line, not by the transfer, to keep stdout in order.
    let output: OutputSpec = borrow(slots[index]!)
    if (index < outputs.length && outputs[index] !== '-') output = { file: outputs[index]! }
    else if (index >= outputs.length && index < outputs.length + remoteNames) output = { remoteName: true }
    return { url, output, toFile: !('write' in output) }
  })

  // No progress line under -v: it would be torn by the diagnostic lines on the same terminal.
  const spinner = !silent && argv.verbose === 0 && jobs.some((job) => job.toFile) && spinnerAllowed(process.stderr) ? createSpinner('connecting') : undefined
  // Not 0: performance.now() counts from process start, so the first bytes can come within 100 ms of it.
  let lastUpdate = -Infinity
  const onProgress = spinner
    ? (p: Progress) => {
        const now = performance.now()
        if (now - lastUpdate < 100) return
        lastUpdate = now
        const rate = p.received / Math.max(0.001, (now - p.startedAt) / 1000)
        const percent = p.total ? `  ${Math.floor((p.received / p.total) * 100)}%` : ''
        spinner.update(`${p.url}  ${formatBytes(p.received)}${p.total ? ` of ${formatBytes(p.total)}` : ''}  ${formatBytes(rate)}/s${percent}`)
      }
    : undefined

  // -w @file reads the format from a file (@- from stdin), as in curl.
  let writeOut = argv['write-out']
  if (writeOut?.startsWith('@')) {
    const source = writeOut.slice(1)
    try {
      writeOut = fs.readFileSync(source === '-' ? 0 : source, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read the --write-out file ${source}: ${(err as Error).message}`)
    }
  }

  let exitCode = 0
  let brokenPipe = false
  const closingFiles: Array<Promise<void>> = []
  await fetchUrls(jobs, {
    method: argv.head ? 'HEAD' : 'GET',
    headers,
    userAgent: argv['user-agent'],
    http10: Boolean(argv['http1.0']),
    compressed: Boolean(argv.compressed),
    followRedirects: Boolean(argv.location),
    maxRedirects,
    insecure: Boolean(argv.insecure),
    ca,
    connectTimeout,
    maxTime,
    fail: Boolean(argv.fail),
    // -I prints the head, as curl does: HEAD implies -i.
    include: Boolean(argv.include) || Boolean(argv.head),
    parallel,
    onProgress,
    log: argv.verbose > 0 ? (line) => log.line(line) : undefined,
    onDone: async (index, outcome) => {
      const slot = slots[index]!
      const report = (err: Error) => {
        if (isBrokenPipe(err)) {
          brokenPipe = true
          return
        }
        spinner?.stop()
        exitCode = err instanceof NetkitError ? err.exitCode : 1
        if (showErrors) {
          if (err instanceof NetkitError) log.error(err.message)
          else throw err
        }
      }
      if (outcome instanceof Error) report(outcome)
      if (writeOut !== undefined && !brokenPipe) {
        const text = formatWriteOut(writeOut, transferReport(urls[index]!, outcome), (message) => log.warn(message))
        slot.write(Buffer.from(text, 'utf8'), false)
      }
      // Closing waits for this slot's turn on stdout. A transfer whose body went to stdout waits
      // before its worker starts the next URL (what waits in memory stays one held read per
      // transfer); one that wrote a file has only its -w line held, so its worker goes on.
      const closing = slot.close().catch((err: unknown) => {
        // stdout's write error: already reported when it is what failed this transfer.
        if (err !== outcome) report(err as Error)
      })
      if (jobs[index]!.toFile) closingFiles.push(closing)
      else await closing
    },
  })
  await Promise.all(closingFiles)
  spinner?.stop()
  // A closed stdout ends quietly (exit 0) but keeps the code of a failure before it.
  return exitCode
})
