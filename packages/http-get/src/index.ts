export { version } from './version.js'

// The sans-I/O response parser (usable on its own).
export { MessageParser, ResponseParser, decideBody, parseContentLength, type MessageHead, type ResponseParserOptions } from './protocol/parser.js'
export { RequestParser, decideRequestBody, DEFAULT_MAX_REQUEST_LINE, type RequestParserOptions } from './protocol/request-parser.js'
export type { ResponseHead, ParserEvent, HeaderList, StatusLine, MessageEvent, RequestHead, RequestLine, RequestEvent } from './protocol/types.js'
export { DEFAULT_MAX_HEADER_SIZE, getHeader, headerValues, headerTokens, isToken, parseStatusLine } from './protocol/headers.js'
export { ChunkedDecoder, parseChunkSize, MAX_CHUNK_SIZE_DIGITS } from './protocol/chunked.js'
export { buildRequestHead, parseHeaderArgument, ACCEPT_ENCODING, type RequestOptions } from './protocol/request.js'

// Errors: every failure is a TransferError whose exitCode is curl's (CURL_EXIT_CODES).
export {
  CurlExit,
  CURL_EXIT_CODES,
  curlExitCode,
  TransferError,
  HttpParseError,
  HTTP_PARSE_EXIT_CODES,
  type HttpParseErrorCode,
} from './errors.js'

// The client: URL handling, requests, connections, output.
export { httpGet } from './client.js'
export { fetchUrls, fetchToOutputs, planOutputs, type UrlJob, type FetchUrlsOptions, type FetchToOutputsOptions, type OutputTarget } from './batch.js'
export { transferReport, type TransferReport, type ReportContext } from './report.js'
export type { ConnectionInfo, HttpGetOptions, HttpGetResult, OutputSpec, Progress, Timings, TransferInfo } from './types.js'
export { parseTarget, targetFromUrl, remoteFileName, type RequestTarget } from './url.js'
export { connect, Connection, ConnectionPool, mapSocketError, READ_BUFFER_SIZE, type ConnectOptions, type ConnectionHandler } from './transfer/connection.js'
export { Exchange, formatHead, type ExchangeHooks, type ExchangeResult } from './transfer/exchange.js'
export { FdSink, StreamSink, BufferSink, SinkQueue, borrow, fileSink, nullSink, type Sink, type WritableLike } from './transfer/output.js'
export { decodingSink, loadDecoders, parseContentEncoding, SUPPORTED_CODINGS } from './transfer/decode.js'
export { REDIRECT_STATUSES, DEFAULT_MAX_REDIRECTS, ORIGIN_BOUND_HEADERS, headersForTarget, isRedirect, redirectTarget, RedirectChain } from './redirect.js'
export { formatWriteOut, headerJson, writeOutJson, JSON_VARIABLES, WRITE_OUT_VARIABLES, type WriteOutData } from './write-out.js'
