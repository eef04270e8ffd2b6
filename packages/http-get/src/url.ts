import { isIP } from 'node:net'
import { ErrorCode } from '@netkit/shared'
import { TransferError, badUrl } from './errors.js'

/** Where a request goes and what its request line and Host header say. */
export interface RequestTarget {
  /** The WHATWG-parsed URL (normalised: lower-case host, default port dropped, no fragment). */
  url: URL
  /** The URL as printed by %{url_effective} and -v. */
  href: string
  protocol: 'http' | 'https'
  /** Host to connect to, without IPv6 brackets. */
  host: string
  port: number
  /** `Host` header value: brackets for IPv6, the port only when it is not the default. */
  authority: string
  /** The request-target of the request line (origin-form: path and query). */
  path: string
  /** `http://host:port`: connections are reused only within one origin. */
  origin: string
  /** user:password from the URL, percent-decoded, for Basic authentication. */
  credentials?: { user: string; password: string }
}

const DEFAULT_PORTS = { http: 80, https: 443 } as const

/**
 * A request-target sent as written: printable ASCII, as curl sends it (`{}|^\`"<>` included).
 * Not a backslash, which WHATWG (and so the authority split) reads as a `/` in http(s) URLs.
 */
const SAFE_TARGET = /^[\x21-\x5b\x5d-\x7e]*$/
/** A path with `.` or `..` segments, which curl (and WHATWG) remove before sending. */
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/

/**
 * Parse a URL the way curl takes it on the command line: `http://` is assumed when no scheme is
 * given; http and https only; IPv6 literals in brackets.
 *
 * The request-target is taken from the text as given, not from WHATWG URL, which re-encodes some
 * characters (`'` in queries, `{}|^` …) and would change what the server sees; percent-escapes
 * are kept byte for byte. Exceptions, where the raw text cannot go on the wire as is: a path with
 * dot segments uses WHATWG's resolved path (as curl does without --path-as-is), and a target with
 * spaces, controls or non-ASCII uses WHATWG's percent-encoded form.
 */
export function parseTarget(input: string): RequestTarget {
  const text = input.trim()
  if (text === '') throw badUrl('URL rejected: No host part in the URL')
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)
  const withScheme = schemeMatch ? text : `http://${text}`
  const scheme = (schemeMatch?.[1] ?? 'http').toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') {
    throw new TransferError(ErrorCode.HTTP_UNSUPPORTED_PROTOCOL, `Protocol "${scheme}" not supported (http and https only)`)
  }
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw badUrl(`URL rejected: Malformed input to a URL function: ${JSON.stringify(input)}`)
  }
  if (url.hostname === '') throw badUrl(`URL rejected: No host part in the URL: ${JSON.stringify(input)}`)
  return targetFromUrl(url, rawPathAndQuery(withScheme))
}

/** Path and query exactly as written after the authority, without the fragment. */
function rawPathAndQuery(text: string): string {
  const afterScheme = text.indexOf('//') + 2
  let start = afterScheme
  while (start < text.length && !'/?#'.includes(text[start]!)) start++
  const hash = text.indexOf('#', start)
  return text.slice(start, hash < 0 ? text.length : hash)
}

/**
 * The target for a WHATWG URL; `raw` (path and query as the user wrote them) wins when it can be
 * sent as is. Redirect targets come without `raw` and are sent in WHATWG's form.
 */
export function targetFromUrl(url: URL, raw?: string): RequestTarget {
  const protocol = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined
  if (!protocol) {
    throw new TransferError(ErrorCode.HTTP_UNSUPPORTED_PROTOCOL, `Protocol "${url.protocol.replace(/:$/, '')}" not supported (http and https only)`)
  }
  const port = url.port === '' ? DEFAULT_PORTS[protocol] : Number(url.port)
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  let path = url.pathname + url.search
  if (raw !== undefined) {
    const normalisedPath = raw === '' ? '/' : raw.startsWith('?') ? `/${raw}` : raw
    const rawPath = normalisedPath.split('?')[0]!
    if (SAFE_TARGET.test(normalisedPath) && !DOT_SEGMENT.test(rawPath)) path = normalisedPath
    else if (SAFE_TARGET.test(normalisedPath)) path = url.pathname + normalisedPath.slice(rawPath.length)
  }
  if (path === '') path = '/'
  const user = url.username
  const credentials = user !== '' || url.password !== '' ? { user: safeDecode(user), password: safeDecode(url.password) } : undefined
  const clean = new URL(url.href)
  clean.hash = ''
  clean.username = ''
  clean.password = ''
  return {
    url,
    href: clean.href,
    protocol,
    host,
    port,
    authority: url.host,
    path,
    origin: `${protocol}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
    credentials,
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * The file name `-O` saves to: the last segment of the URL's path, percent-escapes kept as curl
 * keeps them. Empty (a URL ending in `/`) is an error, as in curl.
 */
export function remoteFileName(target: RequestTarget): string {
  const path = target.path.split('?')[0]!
  const name = path.slice(path.lastIndexOf('/') + 1)
  if (name === '' || name === '.' || name === '..') {
    throw new TransferError(ErrorCode.HTTP_NO_REMOTE_NAME, `Remote file name has no length: ${target.href} (use -o FILE)`)
  }
  return name
}
