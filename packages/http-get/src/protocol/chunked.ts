import { ErrorCode } from '@netkit/shared'
import { HttpParseError, excerpt, malformed } from '../errors.js'
import { FieldSection, type HeaderList } from './headers.js'
import { LineReader } from './lines.js'

/** More hex digits than this is an overflow, whatever their value (curl's limit too). */
export const MAX_CHUNK_SIZE_DIGITS = 16

const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]+)(.*)$/s
const TOKEN_CHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]"
// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ); extensions are
// checked for syntax and then ignored. Each repetition must eat a ';', so matching stays linear.
const CHUNK_EXTENSIONS = new RegExp(
  `^(?:[ \\t]*;[ \\t]*${TOKEN_CHAR}+(?:[ \\t]*=[ \\t]*(?:${TOKEN_CHAR}+|"(?:[^"\\\\\\x00-\\x08\\x0a-\\x1f\\x7f]|\\\\[\\t\\x20-\\x7e\\x80-\\xff])*"))?)*[ \\t]*$`,
)

/**
 * Parses a chunk-size line (without its terminator): hex size, then extensions, which are ignored.
 * Sizes beyond Number.MAX_SAFE_INTEGER or written with more than 16 digits are rejected.
 */
export function parseChunkSize(line: string): number {
  const match = CHUNK_SIZE_LINE.exec(line)
  if (!match) throw malformed(`malformed chunk size line: ${excerpt(line)}`)
  const hex = match[1]!
  if (hex.length > MAX_CHUNK_SIZE_DIGITS) throw malformed(`chunk size overflow: ${excerpt(hex)}`)
  if (!CHUNK_EXTENSIONS.test(match[2]!)) throw malformed(`malformed chunk extension: ${excerpt(line)}`)
  const size = Number.parseInt(hex, 16)
  if (size > Number.MAX_SAFE_INTEGER) throw malformed(`chunk size overflow: ${excerpt(hex)}`)
  return size
}

type ChunkedState = 'size' | 'data' | 'data-end' | 'data-lf' | 'trailers' | 'done'

/** A body piece (a view into the pushed chunk) or the trailer section at the end. */
export type ChunkedOutput = { type: 'body'; data: Uint8Array } | { type: 'trailers'; trailers: HeaderList }

/**
 * Decodes a chunked body (RFC 9112 §7.1) fed in any chunking. Chunk data is handed out as views
 * of the input; only chunk-size and trailer lines are buffered, each capped by `maxLineSize`, and the
 * trailer section as a whole by the same cap.
 */
export class ChunkedDecoder {
  private state: ChunkedState = 'size'
  private remaining = 0
  private readonly lines = new LineReader()
  private trailers: FieldSection | undefined
  private trailerBytes = 0
  /** Chunk data bytes decoded so far. */
  bodyBytes = 0

  constructor(private readonly maxLineSize: number) {}

  /** True once the last chunk and the trailer section were read. */
  get done(): boolean {
    return this.state === 'done'
  }

  /** Bytes held for an unfinished chunk-size or trailer line. */
  get buffered(): number {
    return this.lines.buffered
  }

  /** Bytes of chunk data still expected for the current chunk (0 between chunks). */
  get chunkRemaining(): number {
    return this.remaining
  }

  /** Consumes chunk[pos...] up to the end of the body; appends output; returns where it stopped. */
  decode(chunk: Uint8Array, pos: number, out: Array<ChunkedOutput>): number {
    const length = chunk.length
    while (pos < length) {
      switch (this.state) {
        case 'size': {
          // Fast path for the common "hex CRLF" line whole in this chunk: no string, no regex.
          if (this.lines.buffered === 0) {
            const next = this.scanChunkSize(chunk, pos)
            if (next !== -1) {
              pos = next
              break
            }
          }
          const line = this.lines.read(chunk, pos, this.maxLineSize, () => this.tooLarge('chunk size line'))
          pos = this.lines.position
          if (line === undefined) break
          this.startChunk(parseChunkSize(line))
          break
        }
        case 'data': {
          const end = Math.min(length, pos + this.remaining)
          out.push({ type: 'body', data: chunk.subarray(pos, end) })
          this.remaining -= end - pos
          this.bodyBytes += end - pos
          pos = end
          if (this.remaining === 0) this.state = 'data-end'
          break
        }
        case 'data-end': {
          const byte = chunk[pos++]
          if (byte === 0x0d) this.state = 'data-lf'
          else if (byte === 0x0a) this.state = 'size'
          else throw malformed('chunk data not followed by CRLF')
          break
        }
        case 'data-lf': {
          if (chunk[pos++] !== 0x0a) throw malformed('chunk data not followed by CRLF')
          this.state = 'size'
          break
        }
        case 'trailers': {
          const budget = this.maxLineSize - this.trailerBytes
          const line = this.lines.read(chunk, pos, budget, () => this.tooLarge('trailer section'))
          pos = this.lines.position
          if (line === undefined) break
          this.trailerBytes += this.lines.lastLength
          if (this.trailers!.line(line)) {
            const trailers = this.trailers!.fields
            if (trailers.length > 0) out.push({ type: 'trailers', trailers })
            this.trailers = undefined
            this.state = 'done'
            return pos
          }
          break
        }
        case 'done':
          return pos
      }
    }
    return pos
  }

  /**
   * Reads "1*16HEXDIG CRLF" (or LF) at chunk[pos...] without allocating. Returns the position after
   * the line, or -1 for anything else (extensions, a line split across chunks, errors), which the
   * general path then handles.
   */
  private scanChunkSize(chunk: Uint8Array, pos: number): number {
    const length = chunk.length
    const limit = Math.min(length, pos + MAX_CHUNK_SIZE_DIGITS)
    let size = 0
    let i = pos
    for (; i < limit; i++) {
      const c = chunk[i]!
      let digit: number
      if (c >= 0x30 && c <= 0x39) digit = c - 0x30
      else if (c >= 0x61 && c <= 0x66) digit = c - 0x57
      else if (c >= 0x41 && c <= 0x46) digit = c - 0x37
      else break
      size = size * 16 + digit
    }
    if (i === pos || size > Number.MAX_SAFE_INTEGER) return -1
    if (i < length && chunk[i] === 0x0a) i += 1
    else if (i + 1 < length && chunk[i] === 0x0d && chunk[i + 1] === 0x0a) i += 2
    else return -1
    if (i - pos > this.maxLineSize) return -1
    this.startChunk(size)
    return i
  }

  private startChunk(size: number): void {
    if (size === 0) {
      this.state = 'trailers'
      this.trailers = new FieldSection('trailer')
    } else {
      this.remaining = size
      this.state = 'data'
    }
  }

  private tooLarge(what: string): HttpParseError {
    return new HttpParseError(ErrorCode.HTTP_HEADERS_TOO_LARGE, `Too large ${what}: more than ${this.maxLineSize} bytes`)
  }
}
