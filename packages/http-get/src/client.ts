import { NetkitError } from '@netkit/shared'
import { connect, ConnectionPool, type ConnectOptions, type Connection } from './connection.js'
import { CurlExit, TransferError } from './curl-errors.js'
import { decodingSink, loadDecoders, parseContentEncoding } from './decode.js'
import { Exchange, formatHead, type ExchangeResult } from './exchange.js'
import { getHeader, headerTokens, headerValues, type HeaderList } from './headers.js'
import { BufferSink, fileSink, nullSink, StreamSink, type Sink, type WritableLike } from './output.js'
import type { ResponseHead } from './parser.js'
import { DEFAULT_MAX_REDIRECTS, headersForTarget, isRedirect, RedirectChain, redirectTarget } from './redirect.js'
import { buildRequestHead, type RequestOptions } from './request.js'
import { parseTarget, remoteFileName, type RequestTarget } from './url.js'
import type { WriteOutData } from './write-out.js'
import pkg from '../package.json' with { type: 'json' }

/** Where a body goes: a Sink, a Node writable (stdout), `{ file }` (-o), `{ remoteName: true }` (-O). */
export type OutputSpec = Sink | WritableLike | { file: string } | { remoteName: true }

/** Bytes received so far, for progress lines. */
export interface Progress {
  url: string
  /** Body bytes received (before content decoding). */
  received: number
  /** Content-Length of the response, when known. */
  total?: number
  /** performance.now() when the transfer started. */
  startedAt: number
}

export interface HttpGetOptions extends RequestOptions, Omit<ConnectOptions, 'signal'> {
  /** Follow redirects (-L). */
  followRedirects?: boolean
  /** Most redirects to follow (--max-redirs, default 20); one more is exit 47. */
  maxRedirects?: number
  /** Give up on the whole transfer after this many ms (-m/--max-time): exit 28. */
  maxTime?: number
  /** Fail with exit 22 on a status >= 400, writing no body (-f). */
  fail?: boolean
  /** Write the status line and headers (and trailers) to the output too (-i). */
  include?: boolean
  /** Where the body goes; default: collected in `result.body`, at most `maxBuffer` bytes. */
  output?: OutputSpec
  /** Limit for the collected body when no output is given (default 16 MiB). */
  maxBuffer?: number
  /** Limit for the response header section (default the parser's 64 KiB). */
  maxHeaderSize?: number
  /** Called as body bytes arrive. */
  onProgress?: (progress: Progress) => void
  /** Share keep-alive connections between calls (fetchUrls does this). */
  pool?: ConnectionPool
  /** Cancel the transfer (rejects with the signal's reason). */
  signal?: AbortSignal
}

/** The numbers curl's -w prints, in seconds since the transfer started. */
export interface Timings {
  namelookup: number
  connect: number
  appconnect: number
  starttransfer: number
  total: number
}

export interface HttpGetResult {
  /** The URL as given. */
  url: string
  /** The last URL requested (after redirects). */
  effectiveUrl: string
  status: number
  httpVersion: '1.0' | '1.1'
  reason: string
  headers: HeaderList
  trailers: HeaderList
  /** Body bytes downloaded (after chunked decoding, before content decoding), like curl's size_download. */
  sizeDownload: number
  numRedirects: number
  /** New connections opened for this transfer (0 when a kept-alive one was reused). */
  numConnects: number
  contentType: string | undefined
  timings: Timings
  /** The file -o or -O wrote the body to (%{filename_effective}). */
  fileName?: string
  /** The body, when no output was given. */
  body?: Buffer
}

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024

function isSink(value: OutputSpec): value is Sink {
  return typeof (value as Sink).onDrain === 'function' && typeof (value as Sink).close === 'function'
}

/** Write `text` to a sink as Latin-1 bytes (header values are octets). */
function writeText(sink: Sink, text: string): void {
  sink.write(Buffer.from(text, 'latin1'), false)
}

function headText(head: ResponseHead): string {
  return `${formatHead(head).join('\r\n')}\r\n\r\n`
}

/**
 * Fetch one URL with GET (or HEAD) over a raw TCP or TLS socket, following redirects when asked,
 * streaming the body to `output`. Errors are NetkitErrors whose exitCode is curl's for the same
 * failure; bytes received before an error stay written.
 */
export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpGetResult> {
  const startedAt = performance.now()
  const first = parseTarget(url)
  const method = options.method ?? 'GET'
  const pool = options.pool ?? new ConnectionPool()
  const ownPool = options.pool === undefined
  let fileName: string | undefined
  let output: Sink
  let buffer: BufferSink | undefined
  const spec = options.output
  if (spec === undefined) output = buffer = new BufferSink(options.maxBuffer ?? DEFAULT_MAX_BUFFER)
  else if (isSink(spec)) output = spec
  else if ('file' in spec) output = fileSink((fileName = spec.file))
  else if ('remoteName' in spec) output = fileSink((fileName = remoteFileName(first)))
  else output = new StreamSink(spec)

  const controller = new AbortController()
  let current: Exchange | undefined
  const onAbort = (reason: unknown) => {
    controller.abort(reason)
    current?.abort(reason)
  }
  const timer =
    options.maxTime !== undefined
      ? setTimeout(() => {
          const bytes = current?.bodyBytes ?? lastBodyBytes
          onAbort(new TransferError('NETKIT_HTTP_TIMEOUT', `Operation timed out after ${options.maxTime} milliseconds with ${bytes} bytes received`, CurlExit.Timeout))
        }, options.maxTime)
      : undefined
  const outerAbort = () => onAbort(options.signal!.reason)
  options.signal?.addEventListener('abort', outerAbort, { once: true })

  const chain = new RedirectChain(options.maxRedirects ?? DEFAULT_MAX_REDIRECTS)
  let target: RequestTarget = first
  let numConnects = 0
  const timings: Timings = { namelookup: 0, connect: 0, appconnect: 0, starttransfer: 0, total: 0 }
  const seconds = (at: number) => Math.max(0, (at - startedAt) / 1000)
  let lastHead: ResponseHead | undefined
  let lastBodyBytes = 0
  try {
    if (controller.signal.aborted) throw controller.signal.reason
    if (options.compressed) await loadDecoders()
    for (;;) {
      chain.visit(target)
      const requestHead = buildRequestHead(target, { ...options, headers: headersForTarget(options.headers, target, first) }, pkg.version)
      let redirectTo: RequestTarget | undefined
      let outcome: ExchangeResult | undefined
      let used: Connection | undefined
      lastBodyBytes = 0
      let total: number | undefined
      // A kept-alive connection the server closed meanwhile fails before any byte: retry once fresh.
      for (let attempt = 0; attempt < 2 && outcome === undefined; attempt++) {
        let conn = attempt === 0 ? pool.take(target.origin) : undefined
        if (conn) {
          options.log?.(`* Re-using existing connection #${conn.id} with host ${target.host}`)
        } else {
          conn = await connect(target, { ...options, signal: controller.signal }, performance.now())
          numConnects++
          if (controller.signal.aborted) {
            conn.destroy()
            throw controller.signal.reason
          }
          recordConnectTimings(conn, timings, seconds)
        }
        conn.uses++
        used = conn
        if (options.log) for (const line of requestHead.split('\r\n').slice(0, -1)) options.log(`> ${line}`)
        const exchange = new Exchange(conn, requestHead, method, {
          log: options.log,
          head: (head) => {
            total = head.contentLength
            lastHead = head
            if (options.followRedirects && isRedirect(head.status, head.headers)) {
              redirectTo = redirectTarget(target, head.headers)
              if (options.include) writeText(output, headText(head))
              return nullSink
            }
            // -f drops the body, not the head that -i/-I asked for (curl prints it too).
            if (options.include) writeText(output, headText(head))
            if (options.fail && head.status >= 400) {
              throw new TransferError('NETKIT_HTTP_ERROR_STATUS', `The requested URL returned error: ${head.status}`, CurlExit.HttpError)
            }
            const body = borrow(output)
            const codings = options.compressed ? parseContentEncoding(headerValues(head.headers, 'content-encoding')) : []
            return codings.length > 0 && head.bodyKind !== 'none' ? decodingSink(codings, body) : body
          },
          progress: options.onProgress
            ? (bytes) => options.onProgress!({ url, received: bytes, total, startedAt })
            : undefined,
        }, options.maxHeaderSize)
        current = exchange
        try {
          outcome = await exchange.start()
        } catch (err) {
          const retry = attempt === 0 && conn.uses > 1 && exchange.received === 0 && isRetryable(err) && !controller.signal.aborted
          if (!retry) throw err
          redirectTo = undefined
          options.log?.('* Connection died, retrying on a new connection')
        } finally {
          lastBodyBytes = exchange.bodyBytes
          current = undefined
        }
      }
      const result = outcome!
      // An HTTP/1.0 request asked for no persistence: reuse only what the server explicitly kept.
      const kept = !options.http10 || headerTokens(result.head.headers, 'connection').includes('keep-alive')
      if (result.reusable && kept) pool.put(used!)
      else used!.destroy()
      timings.starttransfer = seconds(result.firstByteAt)
      if (redirectTo) {
        chain.follow()
        options.log?.(`* Following redirect to ${redirectTo.href}`)
        target = redirectTo
        continue
      }
      if (options.include && result.trailers.length > 0) {
        writeText(output, result.trailers.map(([name, value]) => `${name}: ${value}\r\n`).join(''))
      }
      await output.close()
      timings.total = seconds(performance.now())
      return {
        url,
        effectiveUrl: target.href,
        status: result.head.status,
        httpVersion: result.head.httpVersion,
        reason: result.head.reason,
        headers: result.head.headers,
        trailers: result.trailers,
        sizeDownload: result.bodyBytes,
        numRedirects: chain.count,
        numConnects,
        contentType: getHeader(result.head.headers, 'content-type'),
        timings,
        fileName,
        body: buffer?.body,
      }
    }
  } catch (err) {
    output.abort()
    if (typeof err === 'object' && err !== null) {
      timings.total = seconds(performance.now())
      failures.set(err, {
        url,
        effectiveUrl: target.href,
        status: lastHead?.status ?? 0,
        headers: lastHead?.headers ?? [],
        sizeDownload: lastBodyBytes,
        numRedirects: chain.count,
        numConnects,
        timings,
        fileName,
      })
    }
    throw err
  } finally {
    if (timer) clearTimeout(timer)
    options.signal?.removeEventListener('abort', outerAbort)
    if (ownPool) pool.closeAll()
  }
}

/** What a failed transfer got to, for -w after an error (curl prints -w for failures too). */
export type TransferReport = Omit<WriteOutData, 'exitCode' | 'errorMessage'>
const failures = new WeakMap<object, TransferReport>()

/** The -w data of a finished or failed transfer. */
export function transferReport(url: string, outcome: HttpGetResult | unknown): WriteOutData {
  if (isResult(outcome)) return { ...outcome, exitCode: 0 }
  const known = typeof outcome === 'object' && outcome !== null ? failures.get(outcome) : undefined
  const zero: Timings = { namelookup: 0, connect: 0, appconnect: 0, starttransfer: 0, total: 0 }
  const base: TransferReport = known ?? { url, effectiveUrl: url, status: 0, headers: [], sizeDownload: 0, numRedirects: 0, numConnects: 0, timings: zero }
  return {
    ...base,
    exitCode: outcome instanceof NetkitError ? outcome.exitCode : CurlExit.UnsupportedProtocol,
    errorMessage: outcome instanceof Error ? outcome.message : String(outcome),
  }
}

function isResult(value: unknown): value is HttpGetResult {
  return typeof value === 'object' && value !== null && 'effectiveUrl' in value && 'sizeDownload' in value && !(value instanceof Error)
}

function recordConnectTimings(conn: Connection, timings: Timings, seconds: (at: number) => number): void {
  const at = (ms: number | undefined) => (ms === undefined ? 0 : seconds(conn.startedAt + ms))
  timings.namelookup = at(conn.timings.lookup)
  timings.connect = at(conn.timings.connect)
  timings.appconnect = at(conn.timings.secure)
}

function isRetryable(err: unknown): boolean {
  const code = err instanceof NetkitError ? err.code : undefined
  return code === 'NETKIT_HTTP_EMPTY_REPLY' || (err instanceof NetkitError && err.exitCode === CurlExit.RecvError)
}

/** A view of `sink` whose close only reports errors: the transfer, not the exchange, closes it. */
export function borrow(sink: Sink): Sink {
  return {
    get error() {
      return sink.error
    },
    write: (chunk, transient) => sink.write(chunk, transient),
    onDrain: (listener) => sink.onDrain(listener),
    close: async () => {
      if (sink.error) throw sink.error
    },
    abort: () => {},
  }
}

/** One URL of fetchUrls and where its body goes (default: the shared `output` option). */
export interface UrlJob {
  url: string
  output?: OutputSpec
}

export interface FetchUrlsOptions extends Omit<HttpGetOptions, 'pool' | 'output'> {
  /** Transfers at once (--parallel, default 1: in order, reusing kept-alive connections). */
  parallel?: number
  /** Called when each transfer ends (in completion order), before the next one of its worker starts. */
  onDone?: (index: number, outcome: HttpGetResult | Error) => void | Promise<void>
}

/**
 * Fetch several URLs, `parallel` at a time (in order when 1), sharing one pool of keep-alive
 * connections, so consecutive URLs on one origin use one connection. Never rejects for a failed
 * transfer: each outcome is a result or the error, in URL order.
 */
export async function fetchUrls(jobs: ReadonlyArray<UrlJob | string>, options: FetchUrlsOptions = {}): Promise<Array<HttpGetResult | Error>> {
  const pool = new ConnectionPool()
  const outcomes: Array<HttpGetResult | Error> = new Array(jobs.length)
  const parallel = Math.max(1, Math.min(options.parallel ?? 1, jobs.length))
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++
      const job = jobs[index]!
      const { url, output } = typeof job === 'string' ? { url: job, output: undefined } : job
      let outcome: HttpGetResult | Error
      try {
        outcome = await httpGet(url, { ...options, output, pool })
      } catch (err) {
        outcome = err instanceof Error ? err : new Error(String(err))
      }
      outcomes[index] = outcome
      await options.onDone?.(index, outcome)
    }
  }
  try {
    await Promise.all(Array.from({ length: parallel }, worker))
  } finally {
    pool.closeAll()
  }
  return outcomes
}
