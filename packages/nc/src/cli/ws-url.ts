import type { NcOptions } from '../options.js'

/** @netkit/shared, handed in by parse.ts (which loads it lazily). */
type Shared = typeof import('@netkit/shared')

/** A positional that asks for a WebSocket session: `ws://…` or `wss://…`. */
export function isWebSocketUrl(arg: string | undefined): boolean {
  return arg !== undefined && /^wss?:\/\//i.test(arg)
}

/** `nc ws://host:port/path`: the host and port to connect to come from the URL (mutates the options being built). */
export function placeWebSocketUrl(shared: Shared, options: NcOptions, positionals: string[], sourcePort: string | undefined): void {
  const { UsageError, parseHost, parsePort } = shared
  if (positionals.length > 1) throw new UsageError(`too many arguments: ${positionals.slice(1).join(' ')} (the port goes in the URL: ws://host:port/path)`)
  let url: URL
  try {
    url = new URL(positionals[0]!)
  } catch {
    throw new UsageError(`not a valid WebSocket URL: ${JSON.stringify(positionals[0])}`)
  }
  if (url.username || url.password) throw new UsageError("credentials in a WebSocket URL are not sent: use --header 'Authorization: …'")
  if (url.hash) throw new UsageError(`a WebSocket URL cannot have a #fragment: ${url.href}`)
  if (url.hostname === '') throw new UsageError(`missing host in ${JSON.stringify(positionals[0])}`)
  options.host = parseHost(url.hostname.replace(/^\[(.*)\]$/, '$1'))
  options.port = url.port === '' ? (url.protocol === 'wss:' ? 443 : 80) : parsePort(url.port)
  if (sourcePort !== undefined) options.sourcePort = parsePort(sourcePort)
  options.webSocketUrl = url.href
}
