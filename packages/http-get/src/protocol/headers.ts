import { trimOws } from '@netkit/shared'
import { excerpt, malformed } from '../errors.js'

// trimOws lives with the wire gate in @netkit/shared: one definition of HTTP's optional whitespace.
export { trimOws }
import type { HeaderList, StatusLine } from './types.js'

/** Cap on a whole header section (status line + fields), and separately on a trailer section. */
export const DEFAULT_MAX_HEADER_SIZE = 64 * 1024

export type { HeaderList, StatusLine } from './types.js'

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// RFC 9110 §5.5: CR, LF and NUL in a field value must be rejected (LF cannot occur: it ends the line).
const FORBIDDEN_IN_VALUE = /[\0\r]/


/** RFC 9110 token: what a field name (or a chunk extension name) must be. */
export function isToken(text: string): boolean {
  return TOKEN.test(text)
}

// HTTP-version SP 3DIGIT [SP reason]: the reason may be empty or absent ("HTTP/1.1 200").
const STATUS_LINE = /^HTTP\/1\.([0-9]) ([1-9][0-9]{2})(?: ([^\0\r]*))?$/

/** Parses a status line; a higher HTTP/1.x minor version is treated as 1.1 (RFC 9110 §6.2). */
export function parseStatusLine(line: string): StatusLine {
  const match = STATUS_LINE.exec(line)
  if (!match) throw malformed(`malformed status line: ${excerpt(line)}`)
  return {
    httpVersion: match[1] === '0' ? '1.0' : '1.1',
    status: Number(match[2]),
    reason: match[3] ?? '',
  }
}

/**
 * Builds a field section (headers or trailers) one line at a time. A line starting with SP or
 * HTAB continues the previous field (obs-fold): it is joined with a single space.
 */
export class FieldSection {
  readonly fields: HeaderList = []
  private pending: [string, string] | undefined

  constructor(private readonly what: 'header' | 'trailer') {}

  /** Feeds one line without its terminator; returns true at the empty line that ends the section. */
  line(text: string): boolean {
    if (text === '') {
      this.flush()
      return true
    }
    const first = text.charCodeAt(0)
    if (first === 0x20 || first === 0x09) {
      if (!this.pending) throw malformed(`${this.what} continuation line without a field: ${excerpt(text)}`)
      const more = trimOws(text)
      if (FORBIDDEN_IN_VALUE.test(more)) throw malformed(`invalid character in ${this.what} value: ${excerpt(text)}`)
      if (more !== '') this.pending[1] = this.pending[1] === '' ? more : `${this.pending[1]} ${more}`
      return false
    }
    this.flush()
    const colon = text.indexOf(':')
    const name = colon === -1 ? '' : text.slice(0, colon)
    if (!isToken(name)) throw malformed(`malformed ${this.what} field: ${excerpt(text)}`)
    const value = trimOws(text.slice(colon + 1))
    if (FORBIDDEN_IN_VALUE.test(value)) throw malformed(`invalid character in ${this.what} value: ${excerpt(text)}`)
    this.pending = [name, value]
    return false
  }

  private flush(): void {
    if (this.pending) this.fields.push(this.pending)
    this.pending = undefined
  }
}

/** Values of every field called `name` (case-insensitive), in order. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase()
  const values: string[] = []
  for (const [key, value] of headers) if (key.toLowerCase() === lower) values.push(value)
  return values
}

/** The value of the first field called `name` (case-insensitive), or undefined. */
export function getHeader(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const [key, value] of headers) if (key.toLowerCase() === lower) return value
  return undefined
}

/** The elements of a comma-separated list field over all its occurrences, trimmed and lower-cased. */
export function headerTokens(headers: HeaderList, name: string): string[] {
  const tokens: string[] = []
  for (const value of headerValues(headers, name)) {
    for (const part of value.split(',')) {
      const token = trimOws(part).toLowerCase()
      if (token !== '') tokens.push(token)
    }
  }
  return tokens
}
