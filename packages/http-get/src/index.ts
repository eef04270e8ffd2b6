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
