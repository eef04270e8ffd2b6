/**
 * The one gate for bytes a user or caller supplies that a tool writes into a protocol: request
 * lines, header fields, handshakes, proxy negotiation, a child's environment. Call these where
 * the bytes are WRITTEN (the serializer), not where an option is parsed, so that no option, old
 * or new, can go around them.
 *
 * Every check returns its input unchanged when it is acceptable and otherwise throws a
 * UsageError (exit 2 from a CLI) with one line naming `what` was refused and why:
 *
 * ```ts
 * head += `${checkHeaderName(name)}: ${checkHeaderValue(value, `${name} header`)}\r\n`
 * const line = `CONNECT ${checkRequestTarget(authority)} HTTP/1.1\r\n`
 * const token = basicCredentials(checkCredentials(user, password, 'proxy credentials'))
 * for (const p of protocols) checkToken(p, 'WebSocket subprotocol')
 * env[checkEnvName(name)] = checkEnvValue(value, name)
 * ```
 *
 * What the checks refuse, and why: CR and LF end a line (header and request splitting, request
 * smuggling); NUL truncates in C peers and cannot be in an environment; other C0 controls and DEL
 * are not allowed in an HTTP field value (RFC 9110 §5.5) and servers treat them differently;
 * a name must be an RFC 9110 token; every value has a length cap (WIRE_LIMITS) so a caller
 * cannot make a peer (or us) buffer without bound.
 */

import { UsageError } from './errors.js'

/** Longest value each check accepts, in UTF-16 code units (the string's length). */
export const WIRE_LIMITS = {
  /** A header field name (-H, --header). */
  headerName: 1024,
  /** A header field value (-H, -A, Referer, a handshake header). */
  headerValue: 64 * 1024,
  /** A request-target (path and query, or host:port for CONNECT). */
  requestTarget: 64 * 1024,
  /** Each of user and password (URL credentials, --proxy-auth, -P). */
  credential: 4 * 1024,
  /** A token: a subprotocol, an auth scheme, a method. */
  token: 256,
  /** An environment variable name (-e/-c children). */
  envName: 1024,
  /** An environment variable value: Linux's MAX_ARG_STRLEN. */
  envValue: 128 * 1024,
} as const

/** RFC 9110 §5.6.2 token (field names, methods, subprotocols). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const LINE_BREAK = /[\r\n]/
// Field values: any C0 control but HTAB, and DEL (RFC 9110 §5.5); obs-text (>= 0x80) passes.
const FIELD_VALUE_CONTROL = /[\0-\x08\x0a-\x1f\x7f]/
// A request-target goes on the wire as written: visible ASCII only (no space, which ends it).
const NOT_TARGET = /[^\x21-\x7e]/
const ENV_NAME = /^[^=\0]+$/
// A lead surrogate not followed by a trail one, or a trail surrogate without a lead.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Strips optional whitespace (SP, HTAB) from both ends. A loop, not /^[ \t]+|[ \t]+$/g: that regex
 * retries the tail match at every position, quadratic on a 64 KiB line of spaces (~2 s).
 */
export function trimOws(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++
  while (end > start && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--
  return start === 0 && end === text.length ? text : text.slice(start, end)
}

/** A short, printable excerpt of the refused text for the one-line message. */
function shown(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text)
}

function refuse(what: string, why: string, text: string): never {
  throw new UsageError(`${what} ${why}: ${shown(text)}`)
}

function checkLength(text: string, max: number, what: string): void {
  if (text.length > max) throw new UsageError(`${what} is too long: ${text.length} characters (at most ${max})`)
}

/** Refuses CR, LF and NUL (the bytes that split lines or truncate), with `what` in the message. */
export function checkNoLineBreaks(text: string, what: string): string {
  if (LINE_BREAK.test(text)) refuse(what, 'contains a line break', text)
  if (text.includes('\0')) refuse(what, 'contains NUL', text)
  return text
}

/** A header field name: a non-empty RFC 9110 token. */
export function checkHeaderName(name: string, what = 'header name'): string {
  checkNoLineBreaks(name, what)
  checkLength(name, WIRE_LIMITS.headerName, what)
  if (!TOKEN.test(name)) refuse(what, name === '' ? 'is empty' : 'is not a token (letters, digits and !#$%&\'*+-.^_`|~ only)', name)
  return name
}

/** A header field value: no CR, LF, NUL or other control but HTAB; at most WIRE_LIMITS.headerValue. */
export function checkHeaderValue(value: string, what = 'header value'): string {
  checkNoLineBreaks(value, what)
  checkLength(value, WIRE_LIMITS.headerValue, what)
  // An unpaired surrogate has no UTF-8 form: it would reach the peer as U+FFFD, not as given.
  if (UNPAIRED_SURROGATE.test(value)) refuse(what, 'is not valid Unicode (an unpaired surrogate)', value)
  const control = FIELD_VALUE_CONTROL.exec(value)
  if (control) refuse(what, `contains a control character (0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')})`, value)
  return value
}

/** Both halves of a `Name: value` field. */
export function checkHeaderField(name: string, value: string): void {
  checkHeaderName(name)
  checkHeaderValue(value, `${name} header`)
}

/** A request-target as written on the request line: visible ASCII, no space, not empty. */
export function checkRequestTarget(target: string, what = 'request target'): string {
  checkNoLineBreaks(target, what)
  checkLength(target, WIRE_LIMITS.requestTarget, what)
  if (target === '') refuse(what, 'is empty', target)
  const bad = NOT_TARGET.exec(target)
  if (bad) refuse(what, bad[0] === ' ' ? 'contains a space' : 'contains a character that must be percent-encoded', target)
  return target
}

/**
 * user and password for Basic authentication (RFC 7617): no control characters, no `:` in the
 * user (it would end the user at the server), each at most WIRE_LIMITS.credential.
 */
export function checkCredentials(user: string, password: string, what = 'credentials'): { user: string; password: string } {
  for (const [part, text] of [['user name', user], ['password', password]] as const) {
    const label = `${what}: ${part}`
    checkNoLineBreaks(text, label)
    checkLength(text, WIRE_LIMITS.credential, label)
    // Values are never echoed: they are secrets.
    if (FIELD_VALUE_CONTROL.test(text)) throw new UsageError(`${label} contains a control character`)
    if (UNPAIRED_SURROGATE.test(text)) throw new UsageError(`${label} is not valid Unicode (an unpaired surrogate)`)
  }
  if (user.includes(':')) throw new UsageError(`${what}: user name contains ':' (Basic authentication cannot carry it)`)
  return { user, password }
}

/** `Basic base64(user:password)`, after checkCredentials. */
export function basicCredentials(credentials: { user: string; password: string }, what?: string): string {
  const { user, password } = checkCredentials(credentials.user, credentials.password, what)
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`
}

/** A token (a WebSocket subprotocol, an auth scheme): RFC 9110 §5.6.2, at most WIRE_LIMITS.token. */
export function checkToken(text: string, what = 'token'): string {
  checkNoLineBreaks(text, what)
  checkLength(text, WIRE_LIMITS.token, what)
  if (!TOKEN.test(text)) refuse(what, text === '' ? 'is empty' : 'is not a token', text)
  return text
}

/** An environment variable name for a child: not empty, no `=` or NUL. */
export function checkEnvName(name: string, what = 'environment variable name'): string {
  checkLength(name, WIRE_LIMITS.envName, what)
  if (!ENV_NAME.test(name)) refuse(what, name === '' ? 'is empty' : 'contains = or NUL', name)
  return name
}

/** An environment variable value for a child: no NUL (it would cut the value), length capped. */
export function checkEnvValue(value: string, name = 'environment variable'): string {
  const what = `value of ${name}`
  checkLength(value, WIRE_LIMITS.envValue, what)
  if (value.includes('\0')) refuse(what, 'contains NUL', value)
  return value
}
