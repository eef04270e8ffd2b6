import { NetkitError } from '@netkit/shared'

/**
 * curl's exit codes for the failures http-get can meet, so scripts written for curl keep working
 * (`curl --manual`, EXIT CODES). The parser's HttpParseError carries 8, 18 and 52 itself.
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
} as const

/**
 * A failed transfer: a NetkitError whose exitCode is curl's. Codes are stable strings
 * (`NETKIT_HTTP_TIMEOUT`, …); compare `.code`, not the class, across package copies.
 */
export class TransferError extends NetkitError {
  constructor(code: string, message: string, exitCode: number, cause?: unknown) {
    super(code, message, { exitCode, cause })
    this.name = 'TransferError'
  }
}

export function badUrl(message: string): TransferError {
  return new TransferError('NETKIT_HTTP_BAD_URL', message, CurlExit.BadUrl)
}

export function writeError(message: string, cause?: unknown): TransferError {
  return new TransferError('NETKIT_HTTP_WRITE_ERROR', message, CurlExit.WriteError, cause)
}
