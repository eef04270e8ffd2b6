import { ErrorCode } from '@netkit/shared'
import { HttpParseError, excerpt, malformed } from '../errors.js'
import { headerTokens, headerValues, isToken } from './headers.js'
import type { LineReader } from './lines.js'
import { MessageParser, parseContentLength } from './parser.js'
import type { HeaderList, RequestHead, RequestLine } from './types.js'

export interface RequestParserOptions {
  /** Cap on the header section (request line + fields); over it: HTTP_HEADERS_TOO_LARGE (answer 431). */
  maxHeaderSize?: number
  /** Cap on the request line alone; over it: HTTP_URI_TOO_LONG (answer 414). Default 8 KiB. */
  maxRequestLine?: number
}

export const DEFAULT_MAX_REQUEST_LINE = 8 * 1024

// method SP request-target SP HTTP-version (RFC 9112 section 3); a higher 1.x minor reads as 1.1.
const REQUEST_LINE = /^([^ ]+) ([^ ]+) HTTP\/1\.([0-9])$/
/** The longest method we sniff for before the request line is whole ("OPTIONS", "CONNECT"). */
const SNIFF_LENGTH = 8

/**
 * How the body of a request is delimited (RFC 9112 section 6.3): chunked when it is the last
 * transfer coding, Content-Length otherwise, else no body. What a server or proxy must refuse
 * (400) because two parties could frame it differently — request smuggling — is refused here:
 * Transfer-Encoding without chunked last, chunked twice, Transfer-Encoding beside
 * Content-Length, conflicting lengths, and a repeated or (in HTTP/1.1) missing Host.
 */
export function decideRequestBody(line: RequestLine, headers: HeaderList): Pick<RequestHead, 'bodyKind' | 'contentLength'> {
  const hosts = headerValues(headers, 'host')
  if (hosts.length > 1) throw malformed('more than one Host field')
  if (hosts.length === 0 && line.httpVersion === '1.1') throw malformed('HTTP/1.1 request without a Host field')
  const contentLengths = headerValues(headers, 'content-length')
  if (headerValues(headers, 'transfer-encoding').length > 0) {
    const codings = headerTokens(headers, 'transfer-encoding')
    if (contentLengths.length > 0) throw malformed('both Transfer-Encoding and Content-Length')
    if (codings[codings.length - 1] !== 'chunked' || codings.filter((c) => c === 'chunked').length > 1) {
      throw malformed(`request body framing not understood: Transfer-Encoding ${excerpt(codings.join(', '))}`)
    }
    return { bodyKind: 'chunked' }
  }
  if (contentLengths.length > 0) {
    const contentLength = parseContentLength(contentLengths)
    return contentLength === 0 ? { bodyKind: 'none', contentLength } : { bodyKind: 'length', contentLength }
  }
  return { bodyKind: 'none' }
}

/**
 * The request side of the one HTTP/1.x message parser: feed it what a client sends, in any
 * chunking; it returns 'head' (request line, fields, body framing), body pieces (views, chunked
 * coding removed), 'trailers', 'end'. Bytes after the message (a CONNECT tunnel's first bytes, a
 * pipelined request) are kept in `leftover`, never interpreted.
 */
export class RequestParser extends MessageParser<RequestHead, RequestLine> {
  readonly maxRequestLine: number

  constructor(options: RequestParserOptions = {}) {
    super(options.maxHeaderSize)
    this.maxRequestLine = options.maxRequestLine ?? DEFAULT_MAX_REQUEST_LINE
  }

  protected sniff(chunk: Uint8Array, pos: number, lines: LineReader): void {
    // A method is a token: binary garbage (a TLS ClientHello) fails from its first bytes.
    const start = lines.lineStart(chunk, pos, SNIFF_LENGTH)
    if (start === undefined) return
    const method = start.split(' ')[0]!
    if (start.startsWith('\r') || start.startsWith('\n')) return // stray empty lines before a request
    if (method.length > 0 && !isToken(method)) throw malformed(`malformed request line: not an HTTP/1.x request (starts with ${excerpt(start)})`)
  }

  protected parseStartLine(line: string): RequestLine {
    const match = REQUEST_LINE.exec(line)
    if (!match || !isToken(match[1]!)) throw malformed(`malformed request line: ${excerpt(line)}`)
    return { method: match[1]!, target: match[2]!, httpVersion: match[3] === '0' ? '1.0' : '1.1' }
  }

  protected makeHead(line: RequestLine, headers: HeaderList): RequestHead {
    return { ...line, headers, ...decideRequestBody(line, headers) }
  }

  protected override startLineBudget(): number {
    return this.maxRequestLine
  }

  protected override startLineTooLong(): HttpParseError {
    return new HttpParseError(ErrorCode.HTTP_URI_TOO_LONG, `request line longer than ${this.maxRequestLine} bytes`)
  }

  protected tooLarge(): HttpParseError {
    return new HttpParseError(ErrorCode.HTTP_HEADERS_TOO_LARGE, `request header section larger than ${this.maxHeaderSize} bytes`)
  }

  protected closedInHead(received: number): HttpParseError {
    return new HttpParseError(received === 0 ? ErrorCode.HTTP_EMPTY_REPLY : ErrorCode.HTTP_PARTIAL_BODY, 'connection closed in the middle of the request head')
  }
}
