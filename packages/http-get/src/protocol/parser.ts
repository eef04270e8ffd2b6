import { ChunkedDecoder, type ChunkedOutput } from './chunked.js'
import { ErrorCode, InvalidArgumentError } from '@netkit/shared'
import { HttpParseError, excerpt, malformed } from '../errors.js'
import {
  DEFAULT_MAX_HEADER_SIZE,
  FieldSection,
  headerTokens,
  headerValues,
  parseStatusLine,
  trimOws,
} from './headers.js'
import { LineReader } from './lines.js'
import type { HeaderList, MessageEvent, ParserEvent, ResponseHead, StatusLine } from './types.js'

export type { ParserEvent, ResponseHead } from './types.js'

export interface ResponseParserOptions {
  /** The request method: HEAD (and a 2xx answer to CONNECT) means no body. Default GET. */
  method?: string
  /** Cap on the header section (status line + fields) and, separately, on the trailer section. */
  maxHeaderSize?: number
}

type State = 'head' | 'length' | 'chunked' | 'close' | 'done'

const EMPTY = new Uint8Array(0)
const DIGITS = /^[0-9]+$/
const STATUS_LINE_START = 'HTTP/1.'

function notHttp(start: string): void {
  if (start !== STATUS_LINE_START) {
    throw malformed(`malformed status line: not an HTTP/1.x response (starts with ${excerpt(start)})`)
  }
}

/**
 * How the body of a response is delimited, in RFC 9112 §6.3 order: no body for HEAD, 1xx, 204 and
 * 304; chunked when it is the last transfer coding (it wins over Content-Length); read to close for
 * other transfer codings; Content-Length; else read to close.
 */
export function decideBody(
  statusLine: StatusLine,
  headers: HeaderList,
  method: string,
): Pick<ResponseHead, 'bodyKind' | 'contentLength' | 'keepAlive' | 'warnings'> {
  const { status, httpVersion } = statusLine
  const warnings: string[] = []
  const connection = headerTokens(headers, 'connection')
  let keepAlive = httpVersion === '1.1' ? !connection.includes('close') : connection.includes('keep-alive')
  const contentLengths = headerValues(headers, 'content-length')
  const codings = headerTokens(headers, 'transfer-encoding')
  const hasTransferEncoding = headerValues(headers, 'transfer-encoding').length > 0

  if (
    method === 'HEAD' ||
    status < 200 ||
    status === 204 ||
    status === 304 ||
    (method === 'CONNECT' && status < 300)
  ) {
    // Content-Length here describes the body a GET would get; report it when it is valid.
    let contentLength: number | undefined
    if (contentLengths.length > 0) {
      try {
        contentLength = parseContentLength(contentLengths)
      } catch {
        warnings.push('invalid Content-Length ignored (no body expected)')
      }
    }
    if (status === 101) keepAlive = false // the connection now speaks another protocol
    const none = { bodyKind: 'none', keepAlive, warnings } as const
    return contentLength === undefined ? none : { ...none, contentLength }
  }

  if (hasTransferEncoding) {
    if (httpVersion === '1.0') {
      warnings.push('Transfer-Encoding in an HTTP/1.0 response')
      keepAlive = false
    }
    const last = codings[codings.length - 1]
    // RFC 9112 §6.1: chunked must not be applied twice; the framing would be ambiguous.
    if (codings.filter((coding) => coding === 'chunked').length > 1) {
      throw malformed(`chunked applied more than once: ${excerpt(headerValues(headers, 'transfer-encoding').join(', '))}`)
    }
    if (last === 'chunked') {
      if (contentLengths.length > 0) {
        warnings.push('both Transfer-Encoding and Content-Length (chunked wins)')
        keepAlive = false
      }
      return { bodyKind: 'chunked', keepAlive, warnings }
    }
    warnings.push(`Transfer-Encoding without chunked last (${codings.join(', ') || 'empty'}): reading to close`)
    return { bodyKind: 'close', keepAlive: false, warnings }
  }

  if (contentLengths.length > 0) {
    return { bodyKind: 'length', contentLength: parseContentLength(contentLengths), keepAlive, warnings }
  }
  return { bodyKind: 'close', keepAlive: false, warnings }
}

/**
 * The value of one or more Content-Length fields. Repeated identical values (also as a list,
 * "5, 5") are accepted; different, empty, signed, non-digit or unsafe-integer values are not.
 */
export function parseContentLength(values: readonly string[]): number {
  let length: number | undefined
  for (const value of values) {
    for (const part of value.split(',')) {
      const text = trimOws(part)
      if (!DIGITS.test(text)) throw malformed(`invalid Content-Length: ${excerpt(value)}`)
      const n = Number(text)
      if (!Number.isSafeInteger(n)) throw malformed(`invalid Content-Length: ${excerpt(value)}`)
      if (length !== undefined && n !== length) {
        throw malformed(`conflicting Content-Length values: ${excerpt(values.join(', '))}`)
      }
      length = n
    }
  }
  if (length === undefined) throw malformed('empty Content-Length')
  return length
}

/** What every message head carries, whichever start line it had. */
export interface MessageHead {
  httpVersion: '1.0' | '1.1'
  headers: HeaderList
  bodyKind: 'none' | 'length' | 'chunked' | 'close'
  contentLength?: number
}

/**
 * The incremental HTTP/1.x message parser, sans-I/O: head lines, header section, then the body as
 * its head delimits it (Content-Length, chunked, or to close), then leftover bytes. Responses and
 * requests differ only in the start line and in how a head decides its body, which the two
 * subclasses supply; the framing rules, size caps and copy-free body views are written once.
 */
export abstract class MessageParser<Head extends MessageHead, Start> {
  readonly maxHeaderSize: number
  private state: State = 'head'
  private readonly lines = new LineReader()
  private startLine: Start | undefined
  private section: FieldSection | undefined
  /** Bytes of the current head section so far (leading empty lines included). */
  private headBytes = 0
  private headerBytesTotal = 0
  private received = 0
  private remaining = 0
  private chunked: ChunkedDecoder | undefined
  private leftoverPieces: Uint8Array[] = []
  private failure: HttpParseError | undefined
  private lengthBodyBytes = 0
  private finalHead: Head | undefined

  constructor(maxHeaderSize: number | undefined) {
    const max = maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE
    if (!Number.isSafeInteger(max) || max < 1) throw new InvalidArgumentError(`maxHeaderSize must be a positive integer, got ${max}`)
    this.maxHeaderSize = max
  }

  /** Checks the first bytes of a start line (before any size check), so garbage fails the same under any chunking. */
  protected abstract sniff(chunk: Uint8Array, pos: number, lines: LineReader): void
  /** Parses a start line (status line or request line). */
  protected abstract parseStartLine(line: string): Start
  /** The head from its start line and fields, with its body decided. */
  protected abstract makeHead(start: Start, headers: HeaderList): Head
  /** A 1xx response that another head follows. */
  protected isInterim(_head: Head): boolean {
    return false
  }
  /** The error for a head section over maxHeaderSize. */
  protected abstract tooLarge(): HttpParseError
  /** The error for a peer that closed before the head was complete (`received`: bytes so far). */
  protected abstract closedInHead(received: number): HttpParseError
  /** Most a start line may take before the rest of the head section counts (default: all of it). */
  protected startLineBudget(): number {
    return this.maxHeaderSize
  }

  /** Bytes received after the message ended (a peer that sent more than the message). */
  get leftover(): Uint8Array {
    if (this.leftoverPieces.length === 0) return EMPTY
    if (this.leftoverPieces.length > 1) this.leftoverPieces = [Buffer.concat(this.leftoverPieces)]
    return this.leftoverPieces[0]!
  }

  /** True once 'end' was emitted. */
  get done(): boolean {
    return this.state === 'done'
  }

  /** Body bytes received so far (after any transfer coding is removed). */
  get bodyBytes(): number {
    return this.chunked ? this.chunked.bodyBytes : this.lengthBodyBytes
  }

  /** Bytes of every head so far (interim 1xx heads too, trailers not), as curl's size_header. */
  get headerBytes(): number {
    return this.headerBytesTotal
  }

  /** Every byte pushed so far, leftover included. */
  get bytesReceived(): number {
    return this.received
  }

  /** Bytes the parser holds for an unfinished line (never more than maxHeaderSize); leftover excluded. */
  get buffered(): number {
    return this.lines.buffered + (this.chunked?.buffered ?? 0)
  }

  /** The final (non-1xx) head, once parsed. */
  get head(): Head | undefined {
    return this.finalHead
  }

  push(chunk: Uint8Array): Array<MessageEvent<Head>> {
    if (this.failure) throw this.failure
    const events: Array<MessageEvent<Head>> = []
    this.received += chunk.length
    try {
      this.consume(chunk, events)
    } catch (err) {
      if (err instanceof HttpParseError) {
        // What the failing push completed is still delivered (a client's body bytes); typed for
        // responses, the only parser whose events a client replays.
        err.events = events as ParserEvent[]
        this.failure = err
      }
      throw err
    }
    return events
  }

  /** Peer closed: completes a read-to-close body, or throws (empty reply, truncated head or body). */
  finish(): Array<MessageEvent<Head>> {
    if (this.failure) throw this.failure
    switch (this.state) {
      case 'done':
        return []
      case 'close':
        this.state = 'done'
        return [{ type: 'end' }]
      case 'head':
        this.failure = this.closedInHead(this.received)
        break
      case 'length':
        this.failure = new HttpParseError(ErrorCode.HTTP_PARTIAL_BODY, `transfer closed with ${this.remaining} bytes remaining to read`)
        break
      case 'chunked':
        this.failure = new HttpParseError(ErrorCode.HTTP_PARTIAL_BODY, 'transfer closed with outstanding read data remaining')
        break
    }
    throw this.failure
  }

  private consume(chunk: Uint8Array, events: Array<MessageEvent<Head>>): void {
    const length = chunk.length
    let pos = 0
    while (pos < length) {
      switch (this.state) {
        case 'head':
          pos = this.consumeHead(chunk, pos, events)
          break
        case 'length': {
          const end = Math.min(length, pos + this.remaining)
          events.push({ type: 'body', data: chunk.subarray(pos, end) })
          this.remaining -= end - pos
          this.lengthBodyBytes += end - pos
          pos = end
          if (this.remaining === 0) this.end(events)
          break
        }
        case 'chunked': {
          pos = this.chunked!.decode(chunk, pos, events as ChunkedOutput[])
          if (this.chunked!.done) this.end(events)
          break
        }
        case 'close':
          events.push({ type: 'body', data: pos === 0 ? chunk : chunk.subarray(pos) })
          this.lengthBodyBytes += length - pos
          pos = length
          break
        case 'done':
          this.leftoverPieces.push(new Uint8Array(chunk.subarray(pos))) // a copy, like held line bytes
          pos = length
          break
      }
    }
  }

  /** Reads head lines until a head completes or the chunk ends; returns where it stopped. */
  private consumeHead(chunk: Uint8Array, pos: number, events: Array<MessageEvent<Head>>): number {
    while (pos < chunk.length) {
      const left = this.maxHeaderSize - this.headBytes
      let budget = left
      let onTooLarge = () => this.tooLarge()
      if (this.startLine === undefined) {
        this.sniff(chunk, pos, this.lines)
        if (this.startLineBudget() < left) {
          budget = this.startLineBudget()
          onTooLarge = () => this.startLineTooLong()
        }
      }
      const line = this.lines.read(chunk, pos, budget, onTooLarge)
      pos = this.lines.position
      if (line === undefined) return pos
      this.headBytes += this.lines.lastLength
      this.headerBytesTotal += this.lines.lastLength
      if (this.startLine === undefined) {
        // Stray empty lines before a start line (after a previous message) are skipped.
        if (line === '') continue
        this.startLine = this.parseStartLine(line)
        this.section = new FieldSection('header')
        continue
      }
      if (!this.section!.line(line)) continue
      const head = this.completeHead()
      if (this.isInterim(head)) {
        events.push({ type: 'interim', head })
        continue
      }
      this.finalHead = head
      events.push({ type: 'head', head })
      this.startBody(head, events)
      return pos
    }
    return pos
  }

  /** The error for a start line over startLineBudget() (a request line: 414). */
  protected startLineTooLong(): HttpParseError {
    return this.tooLarge()
  }

  private startBody(head: Head, events: Array<MessageEvent<Head>>): void {
    switch (head.bodyKind) {
      case 'none':
        this.end(events)
        break
      case 'length':
        this.remaining = head.contentLength!
        this.state = 'length'
        if (this.remaining === 0) this.end(events)
        break
      case 'chunked':
        this.chunked = new ChunkedDecoder(this.maxHeaderSize)
        this.state = 'chunked'
        break
      case 'close':
        this.state = 'close'
        break
    }
  }

  private completeHead(): Head {
    const start = this.startLine!
    const headers = this.section!.fields
    this.startLine = undefined
    this.section = undefined
    this.headBytes = 0
    return this.makeHead(start, headers)
  }

  private end(events: Array<MessageEvent<Head>>): void {
    this.state = 'done'
    events.push({ type: 'end' })
  }
}

/**
 * A sans-I/O, incremental HTTP/1.x response parser: feed it the bytes a server sends, in any
 * chunking, and it returns events. Interim (1xx) responses come first as 'interim'; then 'head',
 * body pieces (views into the pushed chunks, never copies), 'trailers' for a chunked body that has
 * some, and 'end'. Only the bytes of an unfinished head or chunk-size line are kept between pushes.
 */
export class ResponseParser extends MessageParser<ResponseHead, StatusLine> {
  readonly method: string

  constructor(options: ResponseParserOptions = {}) {
    super(options.maxHeaderSize)
    this.method = (options.method ?? 'GET').toUpperCase()
  }

  protected sniff(chunk: Uint8Array, pos: number, lines: LineReader): void {
    // A peer that does not speak HTTP is caught from its first 7 bytes, before any size check,
    // so the error is the same under any chunking (not "too large" after 64 KiB of garbage).
    const start = lines.lineStart(chunk, pos, STATUS_LINE_START.length)
    if (start !== undefined) notHttp(start)
  }

  protected parseStartLine(line: string): StatusLine {
    return parseStatusLine(line)
  }

  protected makeHead(statusLine: StatusLine, headers: HeaderList): ResponseHead {
    return { ...statusLine, headers, ...decideBody(statusLine, headers, this.method) }
  }

  protected override isInterim(head: ResponseHead): boolean {
    return head.status < 200 && head.status !== 101
  }

  protected tooLarge(): HttpParseError {
    return new HttpParseError(ErrorCode.HTTP_HEADERS_TOO_LARGE, `Too large response headers: more than ${this.maxHeaderSize} bytes`)
  }

  protected closedInHead(received: number): HttpParseError {
    return received === 0
      ? new HttpParseError(ErrorCode.HTTP_EMPTY_REPLY, 'Empty reply from server')
      : new HttpParseError(ErrorCode.HTTP_PARTIAL_BODY, 'connection closed in the middle of the response headers')
  }
}
