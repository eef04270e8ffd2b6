import pkg from '../package.json' with { type: 'json' }

/** The version of @netkit/http-get. */
export const version: string = pkg.version

// The sans-I/O response parser (usable on its own).
export {
  ResponseParser,
  decideBody,
  parseContentLength,
  type ResponseHead,
  type ParserEvent,
  type ResponseParserOptions,
} from './parser.js'
export {
  DEFAULT_MAX_HEADER_SIZE,
  getHeader,
  headerValues,
  headerTokens,
  parseStatusLine,
  type HeaderList,
  type StatusLine,
} from './headers.js'
export { ChunkedDecoder, parseChunkSize, MAX_CHUNK_SIZE_DIGITS } from './chunked.js'
export { HttpParseError, HTTP_PARSE_EXIT_CODES, type HttpParseErrorCode } from './errors.js'

// The client: URL handling, requests, connections, output (owned by the client helper).
export {
  httpGet,
  fetchUrls,
  transferReport,
  borrow,
  type HttpGetOptions,
  type HttpGetResult,
  type FetchUrlsOptions,
  type UrlJob,
  type OutputSpec,
  type Progress,
  type Timings,
  type TransferReport,
} from './client.js'
export { CurlExit, TransferError } from './curl-errors.js'
export { parseTarget, targetFromUrl, remoteFileName, type RequestTarget } from './url.js'
export { buildRequestHead, parseHeaderArgument, ACCEPT_ENCODING, type RequestOptions } from './request.js'
export { connect, Connection, ConnectionPool, mapSocketError, READ_BUFFER_SIZE, type ConnectOptions, type ConnectionHandler } from './connection.js'
export { Exchange, formatHead, type ExchangeHooks, type ExchangeResult } from './exchange.js'
export { FdSink, StreamSink, BufferSink, SinkQueue, fileSink, nullSink, type Sink, type WritableLike } from './output.js'
export { decodingSink, loadDecoders, parseContentEncoding, SUPPORTED_CODINGS } from './decode.js'
export { REDIRECT_STATUSES, DEFAULT_MAX_REDIRECTS, ORIGIN_BOUND_HEADERS, headersForTarget, isRedirect, redirectTarget, RedirectChain } from './redirect.js'
export { formatWriteOut, WRITE_OUT_VARIABLES, type WriteOutData } from './write-out.js'
