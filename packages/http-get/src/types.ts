/** The library's option and result shapes; types only, so every module can name them. */
import type { HeaderList } from './protocol/types.js'
import type { RequestOptions } from './protocol/request.js'
import type { ConnectionPool, ConnectOptions } from './transfer/connection.js'
import type { Sink, WritableLike } from './transfer/output.js'
import type { ConnectionInfo, Progress, Timings } from './transfer/types.js'

export type { ConnectionInfo, Progress, Timings }

/** Where a body goes: a Sink, a Node writable (stdout), `{ file }` (-o), `{ remoteName: true }` (-O). */
export type OutputSpec = Sink | WritableLike | { file: string } | { remoteName: true }

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

/**
 * What -w and --json report about one transfer: a result has all of it, a failed transfer what it
 * got to (the error keeps it, see transferReport).
 */
export interface TransferInfo {
  /** The URL as given. */
  url: string
  /** The last URL requested (after redirects). */
  effectiveUrl: string
  /** GET or HEAD. */
  method: string
  /** 0 when no response arrived. */
  status: number
  /** Undefined when no response arrived. */
  httpVersion?: '1.0' | '1.1'
  /** The last response's header fields. */
  headers: HeaderList
  /** Body bytes downloaded (after chunked decoding, before content decoding), like curl's size_download. */
  sizeDownload: number
  /** Bytes of every response head of the transfer (redirects and 1xx included), curl's size_header. */
  sizeHeader: number
  /** Bytes of every request head sent, curl's size_request. */
  sizeRequest: number
  numRedirects: number
  /** New connections opened for this transfer (0 when a kept-alive one was reused). */
  numConnects: number
  /** Where a 3xx that was not followed points (absolute), curl's redirect_url. */
  redirectUrl?: string
  /** The last connection used; undefined when none was made. */
  connection?: ConnectionInfo
  timings: Timings
  /** The file -o or -O wrote the body to (%{filename_effective}). */
  fileName?: string
}

export interface HttpGetResult extends TransferInfo {
  httpVersion: '1.0' | '1.1'
  reason: string
  trailers: HeaderList
  contentType: string | undefined
  /** The body, when no output was given. */
  body?: Buffer
}
