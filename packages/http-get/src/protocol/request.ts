import { basicCredentials, checkHeaderName, checkHeaderValue, checkNoLineBreaks, checkRequestTarget, UsageError } from '@netkit/shared'
import { isToken, trimOws } from './headers.js'
import type { RequestTarget } from '../url.js'

/** What the user asked to change in the request. */
export interface RequestOptions {
  /** 'GET' (default) or 'HEAD' (-I). */
  method?: 'GET' | 'HEAD'
  /**
   * Extra headers in order (-H). A value of `null` removes a default header of that name
   * (`-H 'Name:'`); an empty string sends the header empty (`-H 'Name;'`). A header with the name
   * of a default one replaces it.
   */
  headers?: ReadonlyArray<readonly [name: string, value: string | null]>
  /** User-Agent (-A); default `netkit-http-get/<version>`. */
  userAgent?: string
  /** Send HTTP/1.0 (--http1.0). */
  http10?: boolean
  /** Ask for gzip, deflate or br (--compressed). */
  compressed?: boolean
}

export const ACCEPT_ENCODING = 'gzip, deflate, br'

/**
 * Parse one `-H` argument as curl does: `Name: value` adds or replaces, `Name:` removes a default
 * header, `Name;` sends it with an empty value. CR, LF and NUL are refused (header injection).
 */
/** What curl skips to decide a -H value is empty: its ISSPACE, less the line breaks refused first. */
const CURL_SPACE = /^[ \t\v\f]+|[ \t\v\f]+$/g
const curlTrim = (text: string) => text.replace(CURL_SPACE, '')

export function parseHeaderArgument(argument: string): [string, string | null] {
  checkNoLineBreaks(argument, 'header')
  const colon = argument.indexOf(':')
  const semicolon = argument.indexOf(';')
  if (colon < 0 && semicolon > 0 && curlTrim(argument.slice(semicolon + 1)) === '') {
    const name = trimOws(argument.slice(0, semicolon))
    if (isToken(name)) return [name, '']
  }
  if (colon <= 0) throw new UsageError(`invalid header: ${JSON.stringify(argument)} (expected 'Name: value')`)
  // A name loses only spaces and tabs, so `a\v` is refused rather than sent as another name; a value
  // is empty (the header removed) when curl would find it empty. JS trim() would also eat NBSP.
  const name = trimOws(argument.slice(0, colon))
  if (!isToken(name)) throw new UsageError(`invalid header name: ${JSON.stringify(name)}`)
  const value = curlTrim(argument.slice(colon + 1))
  return [name, value === '' ? null : value]
}

/**
 * The request head as curl orders it: request line, Host, Authorization (from the URL),
 * User-Agent, Accept, Accept-Encoding, then the -H headers in the order given. A -H header
 * drops the default of the same name (so it appears once, at its -H position), as in curl;
 * a -H Host stays first.
 */
export function buildRequestHead(target: RequestTarget, options: RequestOptions, version: string): string {
  const method = options.method ?? 'GET'
  const extra = options.headers ?? []
  const overridden = new Set(extra.map(([name]) => name.toLowerCase()))
  const isHost = ([name]: readonly [string, unknown]) => name.toLowerCase() === 'host'
  const defaults: Array<[string, string]> = []
  if (target.credentials) defaults.push(['Authorization', basicCredentials(target.credentials, 'URL credentials')])
  defaults.push(['User-Agent', options.userAgent ?? `netkit-http-get/${version}`])
  defaults.push(['Accept', '*/*'])
  if (options.compressed) defaults.push(['Accept-Encoding', ACCEPT_ENCODING])
  let head = `${method} ${checkRequestTarget(target.path)} HTTP/${options.http10 ? '1.0' : '1.1'}\r\n`
  // Host stays the first field even when -H replaces it (RFC 9112 §3.2; curl does the same).
  const [hostName, hostValue] = extra.findLast(isHost) ?? ['Host', target.authority]
  head += field(hostName, hostValue)
  for (const [name, value] of defaults) if (!overridden.has(name.toLowerCase())) head += field(name, value)
  for (const header of extra) if (!isHost(header)) head += field(...header)
  return `${head}\r\n`
}

/**
 * One header line, through the wire gate: whatever option or caller supplied the name and value,
 * a CR, LF, NUL or non-token name is refused here, where the bytes are written.
 */
function field(name: string, value: string | null): string {
  if (value === null) return ''
  checkHeaderName(name)
  if (value === '') return `${name}:\r\n`
  return `${name}: ${checkHeaderValue(value, `${name} header`)}\r\n`
}
