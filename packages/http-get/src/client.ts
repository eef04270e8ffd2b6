import { ErrorCode } from '@netkit/shared'
import { TransferError } from './errors.js'
import { getHeader, headerTokens, headerValues } from './protocol/headers.js'
import { buildRequestHead } from './protocol/request.js'
import type { ResponseHead } from './protocol/types.js'
import { DEFAULT_MAX_REDIRECTS, headersForTarget, isRedirect, RedirectChain, redirectTarget } from './redirect.js'
import { recordFailure } from './report.js'
import { recordConnectTimings, requestOnce, type AttemptContext, type AttemptOutcome } from './transfer/attempt.js'
import { ConnectionPool } from './transfer/connection.js'
import { Deadline } from './transfer/deadline.js'
import { decodingSink, loadDecoders, parseContentEncoding } from './transfer/decode.js'
import { formatHead, type Exchange, type ExchangeHooks } from './transfer/exchange.js'
import { borrow, BufferSink, fileSink, nullSink, StreamSink, type Sink } from './transfer/output.js'
import type { ConnectionInfo, HttpGetOptions, HttpGetResult, OutputSpec, Timings, TransferInfo } from './types.js'
import { parseTarget, remoteFileName, type RequestTarget } from './url.js'
import { version } from './version.js'

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024

/** Where one transfer writes: the sink, the collecting buffer (no output given), the file name. */
interface Output {
  sink: Sink
  buffer?: BufferSink
  fileName?: string
}

function isSink(value: OutputSpec): value is Sink {
  return typeof (value as Sink).onDrain === 'function' && typeof (value as Sink).close === 'function'
}

/** The output choice: a buffer by default, a sink or stream as given, -o's file, -O's remote name. */
function openOutput(spec: OutputSpec | undefined, first: RequestTarget, maxBuffer = DEFAULT_MAX_BUFFER): Output {
  if (spec === undefined) {
    const buffer = new BufferSink(maxBuffer)
    return { sink: buffer, buffer }
  }
  if (isSink(spec)) return { sink: spec }
  // -O names the file after the URL given, not a redirect's (curl 7.88 does the same).
  if ('file' in spec || 'remoteName' in spec) {
    const fileName = 'file' in spec ? spec.file : remoteFileName(first)
    return { sink: fileSink(fileName), fileName }
  }
  return { sink: new StreamSink(spec) }
}

/** Write `text` to a sink as Latin-1 bytes (header values are octets). */
function writeText(sink: Sink, text: string): void {
  sink.write(Buffer.from(text, 'latin1'), false)
}

/** What one transfer has reached: the state -w reports, for a result or a failure. */
class TransferState {
  target: RequestTarget
  numConnects = 0
  sizeHeader = 0
  sizeRequest = 0
  lastHead: ResponseHead | undefined
  lastBodyBytes = 0
  redirectUrl: string | undefined
  connection: ConnectionInfo | undefined
  current: Exchange | undefined
  readonly timings: Timings = { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, redirect: 0, starttransfer: 0, total: 0 }

  constructor(
    readonly url: string,
    readonly method: string,
    readonly first: RequestTarget,
    readonly startedAt: number,
    readonly chain: RedirectChain,
  ) {
    this.target = first
  }

  /** Body bytes so far for a timeout message: `3`, or `3 out of 100` when the length is known. */
  receivedText(): string {
    const bytes = this.current?.bodyBytes ?? this.lastBodyBytes
    const total = this.current?.expectedBodyBytes
    return total === undefined ? String(bytes) : `${bytes} out of ${total}`
  }

  seconds(at: number): number {
    return Math.max(0, (at - this.startedAt) / 1000)
  }

  /** An exchange ended (answered, failed or retried): sizes add up, times are the last one's. */
  ended(exchange: Exchange): void {
    this.lastBodyBytes = exchange.bodyBytes
    this.sizeHeader += exchange.headerBytes
    this.sizeRequest += exchange.requestBytes
    this.connection = exchange.connection.info
    this.timings.pretransfer = this.seconds(exchange.sentAt)
    this.timings.starttransfer = exchange.firstByteAt === 0 ? 0 : this.seconds(exchange.firstByteAt)
  }

  /** What -w reports, as far as the transfer got; `total` is stamped now. */
  report(fileName: string | undefined): TransferInfo {
    this.timings.total = this.seconds(performance.now())
    const head = this.lastHead
    return {
      url: this.url,
      effectiveUrl: this.target.href,
      method: this.method,
      status: head?.status ?? 0,
      httpVersion: head?.httpVersion,
      headers: head?.headers ?? [],
      sizeDownload: this.lastBodyBytes,
      sizeHeader: this.sizeHeader,
      sizeRequest: this.sizeRequest,
      numRedirects: this.chain.count,
      numConnects: this.numConnects,
      redirectUrl: this.redirectUrl,
      connection: this.connection,
      timings: this.timings,
      fileName,
    }
  }
}

/** Where a 3xx response points, resolved, when it is not followed (curl's redirect_url). */
function wouldRedirectTo(target: RequestTarget, head: ResponseHead): string | undefined {
  const location = head.status >= 300 && head.status < 400 ? getHeader(head.headers, 'location') : undefined
  if (location === undefined) return undefined
  try {
    return new URL(location.trim(), target.url).href
  } catch {
    return undefined
  }
}

/**
 * The sink for the body of `head`: nothing for a redirect that -L follows, an error for -f on a
 * status >= 400, else the output, through the content decoders with --compressed. -i writes
 * the head first; -f keeps it (curl prints it too).
 */
function bodySink(head: ResponseHead, options: HttpGetOptions, output: Sink, isFollowed: boolean): Sink {
  if (options.include) writeText(output, `${formatHead(head).join('\r\n')}\r\n\r\n`)
  if (isFollowed) return nullSink
  if (options.fail && head.status >= 400) {
    throw new TransferError(ErrorCode.HTTP_ERROR_STATUS, `The requested URL returned error: ${head.status}`)
  }
  const body = borrow(output)
  const codings = options.compressed ? parseContentEncoding(headerValues(head.headers, 'content-encoding')) : []
  return codings.length > 0 && head.bodyKind !== 'none' ? decodingSink(codings, body) : body
}

function attemptContext(state: TransferState, options: HttpGetOptions, pool: ConnectionPool, signal: AbortSignal): AttemptContext {
  return {
    pool,
    connectOptions: { ...options, signal },
    method: state.method,
    maxHeaderSize: options.maxHeaderSize,
    log: options.log,
    current: (exchange) => (state.current = exchange),
    opened: (conn) => {
      state.numConnects++
      recordConnectTimings(conn, state.timings, (at) => state.seconds(at))
    },
    ended: (exchange) => state.ended(exchange),
  }
}

/** One request of the chain; `redirectTo` is set when -L follows its answer. */
async function requestStep(state: TransferState, options: HttpGetOptions, context: AttemptContext, output: Sink) {
  const target = state.target
  const requestHead = buildRequestHead(target, { ...options, headers: headersForTarget(options.headers, target, state.first) }, version)
  let redirectTo: RequestTarget | undefined
  let total: number | undefined
  const hooks: ExchangeHooks = {
    log: options.log,
    head: (head) => {
      total = head.contentLength
      state.lastHead = head
      const followed = options.followRedirects === true && isRedirect(head.status, head.headers)
      if (followed) redirectTo = redirectTarget(target, head.headers)
      state.redirectUrl = followed ? undefined : wouldRedirectTo(target, head)
      return bodySink(head, options, output, followed)
    },
    progress: options.onProgress ? (bytes) => options.onProgress!({ url: state.url, received: bytes, total, startedAt: state.startedAt }) : undefined,
  }
  state.lastBodyBytes = 0
  const outcome: AttemptOutcome = await requestOnce(context, target, requestHead, hooks)
  const { result, connection } = outcome
  // An HTTP/1.0 request asked for no persistence: reuse only what the server explicitly kept.
  const kept = !options.http10 || headerTokens(result.head.headers, 'connection').includes('keep-alive')
  if (result.reusable && kept) context.pool.put(connection)
  else connection.destroy()
  return { result, redirectTo }
}

/**
 * Fetch one URL with GET (or HEAD) over a raw TCP or TLS socket, following redirects when asked,
 * streaming the body to `output`. Errors are NetkitErrors whose exitCode is curl's for the same
 * failure; bytes received before an error stay written.
 */
export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpGetResult> {
  const first = parseTarget(url)
  const state = new TransferState(url, options.method ?? 'GET', first, performance.now(), new RedirectChain(options.maxRedirects ?? DEFAULT_MAX_REDIRECTS))
  const output = openOutput(options.output, first, options.maxBuffer)
  const pool = options.pool ?? new ConnectionPool()
  const deadline = new Deadline(options.maxTime, options.signal, () => state.receivedText())
  deadline.onAbort = (reason) => state.current?.abort(reason)
  const context = attemptContext(state, options, pool, deadline.signal)
  try {
    if (deadline.signal.aborted) throw deadline.signal.reason
    if (options.compressed) await loadDecoders()
    for (;;) {
      state.chain.visit(state.target)
      const { result, redirectTo } = await requestStep(state, options, context, output.sink)
      if (redirectTo) {
        // Where it would have gone, for -w, if this is one redirect too many (curl does the same).
        state.redirectUrl = redirectTo.href
        state.chain.follow()
        state.redirectUrl = undefined
        state.timings.redirect = state.seconds(performance.now())
        options.log?.(`* Following redirect to ${redirectTo.href}`)
        state.target = redirectTo
        continue
      }
      if (options.include && result.trailers.length > 0) {
        writeText(output.sink, result.trailers.map(([name, value]) => `${name}: ${value}\r\n`).join(''))
      }
      await output.sink.close()
      return {
        ...state.report(output.fileName),
        httpVersion: result.head.httpVersion,
        reason: result.head.reason,
        trailers: result.trailers,
        contentType: getHeader(result.head.headers, 'content-type'),
        body: output.buffer?.body,
      }
    }
  } catch (err) {
    output.sink.abort()
    recordFailure(err, state.report(output.fileName))
    throw err
  } finally {
    deadline.close()
    if (options.pool === undefined) pool.closeAll()
  }
}
