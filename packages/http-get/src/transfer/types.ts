/** Shapes shared by the transfer, the client and -w; types only, importing nothing. */

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

/** The numbers curl's -w prints, in seconds since the transfer started. */
export interface Timings {
  namelookup: number
  connect: number
  appconnect: number
  starttransfer: number
  total: number
}
