import { isIP } from 'node:net'
import { UsageError } from './errors.js'
import { servicePort } from './services.js'

export const MAX_PORT = 65_535

export interface PortOptions {
  /** Accept port 0 (a listener asking the kernel for a free port). */
  allowZero?: boolean
  /** Accept service names such as `http` (default true). */
  allowService?: boolean
}

/** Parse one port: `1`-`65535` (or `0` with allowZero), or a service name such as `https`. */
export function parsePort(input: string | number, options: PortOptions = {}): number {
  const text = String(input).trim()
  if (/^\d+$/.test(text)) {
    const port = Number(text)
    if (port === 0 && options.allowZero) return 0
    if (port >= 1 && port <= MAX_PORT) return port
    throw new UsageError(`port number out of range: ${text} (use 1-${MAX_PORT}${options.allowZero ? ', or 0 for any free port' : ''})`)
  }
  if (options.allowService !== false && /^[a-z][a-z0-9-]*$/i.test(text)) {
    const port = servicePort(text)
    if (port !== undefined) return port
    throw new UsageError(`unknown service name: ${text}`)
  }
  throw new UsageError(`invalid port: ${JSON.stringify(text)}`)
}

/** The most ports one list may name: all of them. */
const MAX_LIST = MAX_PORT

/**
 * Parse port lists and ranges as nc and nmap users write them: `22`, `20-25`, `22,80,8000-8100`,
 * several arguments at once. Returns unique ports in ascending order.
 */
export function parsePortList(inputs: string | readonly string[]): number[] {
  const parts = (typeof inputs === 'string' ? [inputs] : inputs).flatMap((s) => String(s).split(','))
  const ports = new Set<number>()
  for (const raw of parts) {
    const part = raw.trim()
    if (part === '') throw new UsageError(`empty port in list: ${JSON.stringify(String(inputs))}`)
    const range = /^([^-]+)-([^-]+)$/.exec(part)
    if (range) {
      const lo = parsePort(range[1]!)
      const hi = parsePort(range[2]!)
      if (lo > hi) throw new UsageError(`invalid port range: ${part} (start is above end)`)
      for (let p = lo; p <= hi; p++) ports.add(p)
    } else {
      ports.add(parsePort(part))
    }
    if (ports.size > MAX_LIST) break
  }
  return [...ports].sort((a, b) => a - b)
}

export interface HostPort {
  host: string
  port: number
}

/** Strip the brackets of `[::1]`; reject a bracketed name that is not an IPv6 address. */
export function parseHost(input: string): string {
  const text = input.trim()
  if (text.startsWith('[') || text.endsWith(']')) {
    const inner = text.slice(1, -1)
    if (!text.startsWith('[') || !text.endsWith(']') || isIP(inner.split('%')[0]!) !== 6) {
      throw new UsageError(`invalid host: ${JSON.stringify(text)} (brackets are for IPv6 addresses)`)
    }
    return inner
  }
  if (text === '') throw new UsageError('missing host')
  return text
}

/**
 * Parse an address: `host:port`, `[v6]:port`, or a host with the port given separately
 * (`host`, `port`). A bare IPv6 address (`::1`) needs its port separately or brackets.
 */
export function parseHostPort(input: string, port?: string | number, options: PortOptions = {}): HostPort {
  const text = input.trim()
  if (port !== undefined) return { host: parseHost(text), port: parsePort(port, options) }
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end < 0) throw new UsageError(`invalid address: ${JSON.stringify(text)} (missing "]")`)
    const rest = text.slice(end + 1)
    if (!rest.startsWith(':') || rest.length === 1) throw new UsageError(`invalid address: ${JSON.stringify(text)} (expected [host]:port)`)
    return { host: parseHost(text.slice(0, end + 1)), port: parsePort(rest.slice(1), options) }
  }
  const colon = text.lastIndexOf(':')
  if (colon < 0) throw new UsageError(`invalid address: ${JSON.stringify(text)} (expected host:port)`)
  if (text.indexOf(':') !== colon) throw new UsageError(`invalid address: ${JSON.stringify(text)} (write IPv6 addresses as [addr]:port)`)
  if (colon === 0) throw new UsageError(`invalid address: ${JSON.stringify(text)} (missing host)`)
  return { host: parseHost(text.slice(0, colon)), port: parsePort(text.slice(colon + 1), options) }
}

/** `127.0.0.1:80`, `[::1]:80`: the form people paste back into a command. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}

/** True for addresses that only this machine can reach (127/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase()
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '::ffff:127.0.0.1' || h.startsWith('::ffff:127.')
}

/**
 * `host` as an address and its family: a literal as given, a name through the resolver, which
 * loads only then (a literal, the usual case, costs no start-up). Errors are the resolver's; the
 * caller words them for its operation.
 */
export async function resolveHost(host: string, family?: 4 | 6): Promise<{ address: string; family: 4 | 6 }> {
  const literal = isIP(host)
  if (literal === 4 || literal === 6) return { address: host, family: literal }
  const { lookup } = await import('node:dns/promises')
  const found = await lookup(host, { family: family ?? 0 })
  return { address: found.address, family: found.family === 6 ? 6 : 4 }
}
