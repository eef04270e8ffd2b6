import { brandError, ErrorCode, NetkitError } from '@netkit/shared'
import type { ParserEvent } from './protocol/types.js'

/**
 * curl's exit codes for the failures http-get can meet, so scripts written for curl keep working
 * (`curl --manual`, EXIT CODES).
 */
export const CurlExit = {
  Ok: 0,
  UnsupportedProtocol: 1,
  Usage: 2,
  BadUrl: 3,
  CouldNotResolveHost: 6,
  CouldNotConnect: 7,
  WeirdServerReply: 8,
  PartialFile: 18,
  HttpError: 22,
  WriteError: 23,
  Timeout: 28,
  TlsConnect: 35,
  TooManyRedirects: 47,
  EmptyReply: 52,
  SendError: 55,
  RecvError: 56,
  CertificateProblem: 60,
  BadContentEncoding: 61,
  CaCertificate: 77,
} as const

/** The one table from an error code to curl's exit code for the same failure. */
export const CURL_EXIT_CODES: Readonly<Partial<Record<ErrorCode, number>>> = {
  [ErrorCode.USAGE]: CurlExit.Usage,
  [ErrorCode.INVALID_ARGUMENT]: CurlExit.Usage,
  [ErrorCode.HTTP_UNSUPPORTED_PROTOCOL]: CurlExit.UnsupportedProtocol,
  [ErrorCode.HTTP_BAD_URL]: CurlExit.BadUrl,
  [ErrorCode.HTTP_BAD_REDIRECT]: CurlExit.BadUrl,
  [ErrorCode.HOST_NOT_FOUND]: CurlExit.CouldNotResolveHost,
  [ErrorCode.HTTP_CONNECT_FAILED]: CurlExit.CouldNotConnect,
  [ErrorCode.HTTP_MALFORMED]: CurlExit.WeirdServerReply,
  [ErrorCode.HTTP_HEADERS_TOO_LARGE]: CurlExit.WeirdServerReply,
  [ErrorCode.HTTP_URI_TOO_LONG]: CurlExit.WeirdServerReply,
  [ErrorCode.HTTP_PARTIAL_BODY]: CurlExit.PartialFile,
  [ErrorCode.HTTP_ERROR_STATUS]: CurlExit.HttpError,
  [ErrorCode.HTTP_WRITE_ERROR]: CurlExit.WriteError,
  [ErrorCode.HTTP_NO_REMOTE_NAME]: CurlExit.WriteError,
  [ErrorCode.HTTP_TIMEOUT]: CurlExit.Timeout,
  [ErrorCode.HTTP_CONNECT_TIMEOUT]: CurlExit.Timeout,
  [ErrorCode.TLS_HANDSHAKE]: CurlExit.TlsConnect,
  [ErrorCode.HTTP_TOO_MANY_REDIRECTS]: CurlExit.TooManyRedirects,
  [ErrorCode.HTTP_REDIRECT_LOOP]: CurlExit.TooManyRedirects,
  [ErrorCode.HTTP_EMPTY_REPLY]: CurlExit.EmptyReply,
  [ErrorCode.HTTP_RECV_FAILED]: CurlExit.RecvError,
  [ErrorCode.TLS_CERTIFICATE]: CurlExit.CertificateProblem,
  [ErrorCode.HTTP_BAD_CONTENT_ENCODING]: CurlExit.BadContentEncoding,
  [ErrorCode.HTTP_CACERT]: CurlExit.CaCertificate,
}

/** curl's exit code for `code` (1, curl's catch-all, for a code the table does not know). */
export function curlExitCode(code: ErrorCode): number {
  return CURL_EXIT_CODES[code] ?? CurlExit.UnsupportedProtocol
}

/**
 * A failed transfer: a NetkitError whose exitCode is curl's, from CURL_EXIT_CODES. Compare
 * `.code` (stable strings from ErrorCode); `instanceof` answers from a brand, so it holds across
 * two installed copies of this package.
 */
export class TransferError extends NetkitError {
  declare readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, cause?: unknown) {
    super(code, message, { exitCode: curlExitCode(code), cause })
    this.name = 'TransferError'
  }
}
brandError(TransferError, 'TransferError')

/** Why a response could not be parsed (curl: 8 weird server reply, 18 partial file, 52 empty reply). */
export type HttpParseErrorCode =
  | typeof ErrorCode.HTTP_MALFORMED
  | typeof ErrorCode.HTTP_HEADERS_TOO_LARGE
  | typeof ErrorCode.HTTP_PARTIAL_BODY
  | typeof ErrorCode.HTTP_EMPTY_REPLY
  | typeof ErrorCode.HTTP_URI_TOO_LONG

/** The parser's codes and their exit codes (a view of CURL_EXIT_CODES). */
export const HTTP_PARSE_EXIT_CODES: Readonly<Record<HttpParseErrorCode, number>> = {
  [ErrorCode.HTTP_MALFORMED]: curlExitCode(ErrorCode.HTTP_MALFORMED),
  [ErrorCode.HTTP_HEADERS_TOO_LARGE]: curlExitCode(ErrorCode.HTTP_HEADERS_TOO_LARGE),
  [ErrorCode.HTTP_PARTIAL_BODY]: curlExitCode(ErrorCode.HTTP_PARTIAL_BODY),
  [ErrorCode.HTTP_EMPTY_REPLY]: curlExitCode(ErrorCode.HTTP_EMPTY_REPLY),
  [ErrorCode.HTTP_URI_TOO_LONG]: curlExitCode(ErrorCode.HTTP_URI_TOO_LONG),
}

/** A response that breaks HTTP/1.1 framing, is too large to hold, or ended too early. */
export class HttpParseError extends TransferError {
  declare readonly code: HttpParseErrorCode
  /**
   * Events the failing push() completed before it hit the error (body pieces, a head): a client
   * should still deliver them, so data received before a malformed chunk is not lost.
   */
  events: ParserEvent[] = []

  constructor(code: HttpParseErrorCode, message: string) {
    super(code, message)
    this.name = 'HttpParseError'
  }
}
brandError(HttpParseError, 'HttpParseError')

/** Shorthand for the most common failure: a response that is not valid HTTP/1.x. */
export function malformed(message: string): HttpParseError {
  return new HttpParseError(ErrorCode.HTTP_MALFORMED, message)
}

/** A short, printable excerpt of peer-controlled text for an error message. */
export function excerpt(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text
  return JSON.stringify(cut)
}

export function badUrl(message: string): TransferError {
  return new TransferError(ErrorCode.HTTP_BAD_URL, message)
}

export function writeError(message: string, cause?: unknown): TransferError {
  return new TransferError(ErrorCode.HTTP_WRITE_ERROR, message, cause)
}
