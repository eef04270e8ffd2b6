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

/**
 * The times curl's -w prints, in seconds since the transfer started. The connect times are the
 * last new connection's; pretransfer and starttransfer are the last request's.
 */
export interface Timings {
  namelookup: number
  connect: number
  /** TLS handshake done (0 for http://). */
  appconnect: number
  /** The last request was about to be sent. */
  pretransfer: number
  /** When -L followed redirects: the final request started (0 without a redirect). */
  redirect: number
  /** The first byte of the last response arrived (0 when none did). */
  starttransfer: number
  total: number
}

/** The endpoints of a connection, for %{local_ip} and friends. */
export interface ConnectionInfo {
  scheme: 'http' | 'https'
  localAddress: string
  localPort: number
  remoteAddress: string
  remotePort: number
  /** OpenSSL's X509 verification result (0 = verified; 0 for http://), as curl's ssl_verify_result. */
  sslVerifyResult: number
}
