/**
 * The shapes the sans-I/O protocol modules exchange. Types only, importing nothing: errors.ts and
 * the parser both refer to them without referring to each other.
 */

/** Field names as received, repeated fields kept, in order. */
export type HeaderList = Array<[name: string, value: string]>

export interface StatusLine {
  httpVersion: '1.0' | '1.1'
  status: number
  reason: string
}

export interface ResponseHead {
  httpVersion: '1.0' | '1.1'
  status: number
  reason: string
  headers: HeaderList
  /** How the body is delimited, decided per RFC 9112 §6.3. */
  bodyKind: 'none' | 'length' | 'chunked' | 'close'
  contentLength?: number
  /** Connection can be reused after this response (keep-alive semantics for 1.0/1.1 + Connection header). */
  keepAlive: boolean
  /** Anomalies tolerated but worth showing with -v, e.g. 'both Transfer-Encoding and Content-Length (chunked wins)'. */
  warnings: string[]
}

/** What a parser's push() returns, for a message whose head is `Head`. */
export type MessageEvent<Head> =
  | { type: 'interim'; head: Head } // 1xx (except 101), skipped by clients
  | { type: 'head'; head: Head }
  | { type: 'body'; data: Uint8Array } // views into the input
  | { type: 'trailers'; trailers: HeaderList }
  | { type: 'end' } // message complete

export type ParserEvent = MessageEvent<ResponseHead>

export interface RequestLine {
  method: string
  /** As sent: origin-form (`/a?b`), absolute-form (`http://h/a`), authority-form (`h:443`) or `*`. */
  target: string
  httpVersion: '1.0' | '1.1'
}

export interface RequestHead extends RequestLine {
  headers: HeaderList
  /** Requests have no read-to-close body (RFC 9112 section 6.3). */
  bodyKind: 'none' | 'length' | 'chunked'
  contentLength?: number
}

export type RequestEvent = MessageEvent<RequestHead>
