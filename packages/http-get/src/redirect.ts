import { ErrorCode } from '@netkit/shared'
import { TransferError } from './errors.js'
import { getHeader, type HeaderList } from './protocol/headers.js'
import { targetFromUrl, type RequestTarget } from './url.js'

/** Statuses -L follows (RFC 9110 §15.4); 300 and 304/305 are not redirects to follow. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

export const DEFAULT_MAX_REDIRECTS = 20

/** -H headers sent only to the origin of the URL given: a redirect elsewhere must not get them. */
export const ORIGIN_BOUND_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'host'])

/**
 * The -H headers for a request to `target` in a chain that started at `first`: all of them on
 * the first origin; without credentials (Authorization, Cookie) and a custom Host elsewhere, as
 * curl does without --location-trusted.
 */
export function headersForTarget<T extends readonly [string, unknown]>(headers: readonly T[] | undefined, target: RequestTarget, first: RequestTarget): readonly T[] | undefined {
  if (!headers || target.origin === first.origin) return headers
  return headers.filter(([name]) => !ORIGIN_BOUND_HEADERS.has(name.toLowerCase()))
}

export function isRedirect(status: number, headers: HeaderList): boolean {
  return REDIRECT_STATUSES.has(status) && getHeader(headers, 'location') !== undefined
}

/**
 * The next target of a redirect: `Location` resolved against the current URL (RFC 9110 §10.2.2,
 * RFC 3986 §5), keeping the current fragment when the Location has none (RFC 9110 §10.2.2 end).
 * Only GET and HEAD are sent, so every redirect keeps the method (303 would turn a POST into GET).
 */
export function redirectTarget(current: RequestTarget, headers: HeaderList): RequestTarget {
  const location = getHeader(headers, 'location')!.trim()
  let next: URL
  try {
    next = new URL(location, current.url)
  } catch {
    throw new TransferError(ErrorCode.HTTP_BAD_REDIRECT, `Redirect to a malformed Location: ${JSON.stringify(location)}`)
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new TransferError(ErrorCode.HTTP_UNSUPPORTED_PROTOCOL, `Redirect to an unsupported protocol: ${JSON.stringify(location)}`)
  }
  if (next.hash === '' && current.url.hash !== '') next.hash = current.url.hash
  return targetFromUrl(next)
}

/**
 * Follows the redirect chain of one URL: counts redirects against `max` (curl exit 47 beyond it)
 * and stops a loop (the same URL requested twice in one chain) with the same exit code before
 * the limit is spent on it.
 */
export class RedirectChain {
  readonly visited: string[] = []
  count = 0

  constructor(readonly max: number) {}

  /** Record that `target` is about to be requested. */
  visit(target: RequestTarget): void {
    if (this.visited.includes(target.href)) {
      const loop = [...this.visited.slice(this.visited.indexOf(target.href)), target.href]
      throw new TransferError(ErrorCode.HTTP_REDIRECT_LOOP, `Redirect loop detected: ${loop.join(' -> ')}`)
    }
    this.visited.push(target.href)
  }

  /** Record one redirect followed; throws when it is one more than allowed. */
  follow(): void {
    if (this.count >= this.max) {
      throw new TransferError(ErrorCode.HTTP_TOO_MANY_REDIRECTS, `Maximum (${this.max}) redirects followed`)
    }
    this.count++
  }
}
