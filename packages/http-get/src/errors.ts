import { NetkitError, brandError } from '@netkit/shared'
import type { ParserEvent } from './parser.js'

/**
 * Why a response could not be parsed. Exit codes follow curl's for the same failure, so scripts
 * written for curl keep working: 8 "weird server reply", 18 partial file, 52 empty reply.
 */
export type HttpParseErrorCode =
  | 'NETKIT_HTTP_MALFORMED'
  | 'NETKIT_HTTP_HEADERS_TOO_LARGE'
  | 'NETKIT_HTTP_PARTIAL_BODY'
  | 'NETKIT_HTTP_EMPTY_REPLY'

export const HTTP_PARSE_EXIT_CODES: Readonly<Record<HttpParseErrorCode, number>> = {
  NETKIT_HTTP_MALFORMED: 8,
  NETKIT_HTTP_HEADERS_TOO_LARGE: 8,
  NETKIT_HTTP_PARTIAL_BODY: 18,
  NETKIT_HTTP_EMPTY_REPLY: 52,
}

/** A response that breaks HTTP/1.1 framing, is too large to hold, or ended too early. */
export class HttpParseError extends NetkitError {
  declare readonly code: HttpParseErrorCode
  /**
   * Events the failing push() completed before it hit the error (body pieces, a head): a client
   * should still deliver them, so data received before a malformed chunk is not lost.
   */
  events: ParserEvent[] = []

  constructor(code: HttpParseErrorCode, message: string) {
    super(code, message, { exitCode: HTTP_PARSE_EXIT_CODES[code] })
    this.name = 'HttpParseError'
  }
}

// `instanceof` answers from the brand, so it holds across two installed copies of this package.
brandError(HttpParseError, 'HttpParseError')

/** Shorthand for the most common failure: a response that is not valid HTTP/1.x. */
export function malformed(message: string): HttpParseError {
  return new HttpParseError('NETKIT_HTTP_MALFORMED', message)
}

/** A short, printable excerpt of peer-controlled text for an error message. */
export function excerpt(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text
  return JSON.stringify(cut)
}
