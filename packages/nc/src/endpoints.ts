import { missingArguments, parseHost, parsePort, parsePortList, servicePort, UsageError } from '@netkit/shared'
import type { NcOptions } from './options.js'
import { isWebSocketUrl } from './ws-url.js'

/** ncat's port for `-l` without one. */
export const DEFAULT_LISTEN_PORT = 31337

/** Where a session goes, as nc's positionals and -p/-U say it. */
export type Endpoints = Pick<NcOptions, 'host' | 'port' | 'ports' | 'unixPath' | 'sourcePort' | 'webSocketUrl'>

export interface EndpointArguments {
  mode: NcOptions['mode']
  /** -p: the source port to connect from, or the port to listen on. */
  sourcePort?: string
  /** -U: the one positional is a Unix socket path. */
  unixSocket?: boolean
}

/**
 * nc's positional rules, as a library function: `host port`, `-l [host] port`, `-l -p port`,
 * `-z host ports...`, `-U path`, `ws://host:port/path`. Throws a UsageError (exit 2) with
 * OpenBSD's or the kit's wording for anything else.
 */
export function endpointsFromArguments(positionals: readonly string[], args: EndpointArguments): Endpoints {
  if (args.unixSocket) return unixEndpoint(positionals, args)
  if (args.mode === 'listen') return listenEndpoint(positionals, args.sourcePort)
  if (args.mode === 'connect' && isWebSocketUrl(positionals[0])) return webSocketEndpoint(positionals, args.sourcePort)
  if (positionals.length === 0) throw missingArguments(['host', 'port'], args.mode === 'scan' ? 'nc -z HOST PORT...' : 'nc HOST PORT')
  const endpoints: Endpoints = { host: parseHost(positionals[0]!) }
  if (args.sourcePort !== undefined) endpoints.sourcePort = parsePort(args.sourcePort)
  if (args.mode === 'scan') {
    if (positionals.length < 2) throw missingArguments(['port'], 'nc -z HOST PORT...')
    // A hyphenated service name (`http-alt`) is one port, not the range `http`..`alt`.
    const portSpecs = positionals.slice(1).map((arg) => arg.split(',').map((part) => String(servicePort(part) ?? part)).join(','))
    return { ...endpoints, ports: parsePortList(portSpecs) }
  }
  if (positionals.length < 2) throw missingArguments(['port'], 'nc HOST PORT')
  if (positionals.length > 2) throw new UsageError(`too many arguments: ${positionals.slice(2).join(' ')} (use -z to scan several ports)`)
  return { ...endpoints, port: parsePort(positionals[1]!) }
}

function unixEndpoint(positionals: readonly string[], args: EndpointArguments): Endpoints {
  if (positionals.length === 0) throw missingArguments(['path'], args.mode === 'listen' ? 'nc -lU PATH' : 'nc -U PATH')
  if (positionals.length !== 1) throw new UsageError('-U takes exactly one socket path')
  if (args.sourcePort !== undefined) throw new UsageError('cannot use -p with -U')
  return { unixPath: positionals[0]! }
}

/** `nc -l port`, `nc -l host port`, `nc -l -p port`, `nc -l host -p port`, and ncat's bare `nc -l`. */
function listenEndpoint(positionals: readonly string[], sourcePort: string | undefined): Endpoints {
  if (positionals.length > (sourcePort === undefined ? 2 : 1)) throw new UsageError(`too many arguments: ${positionals.join(' ')}`)
  if (sourcePort !== undefined) {
    // `nc -l -p 80 81`: a second port, not a host named 81 (OpenBSD prints its usage here).
    if (positionals[0] !== undefined && /^\d+$/.test(positionals[0])) {
      throw new UsageError(`port given twice: -p ${sourcePort} and ${positionals[0]} (use \`nc -l -p port\` or \`nc -l [host] port\`)`)
    }
    const port = parsePort(sourcePort, { allowZero: true })
    return positionals[0] === undefined ? { port } : { host: parseHost(positionals[0]), port }
  }
  if (positionals.length === 2) return { host: parseHost(positionals[0]!), port: parsePort(positionals[1]!, { allowZero: true }) }
  if (positionals.length === 1) return { port: parsePort(positionals[0]!, { allowZero: true }) }
  // `nc -l` alone: ncat's default port (OpenBSD nc refuses it, so no OpenBSD script relies on it).
  return { port: DEFAULT_LISTEN_PORT }
}

/** `nc ws://host:port/path`: the host and port to connect to come from the URL. */
function webSocketEndpoint(positionals: readonly string[], sourcePort: string | undefined): Endpoints {
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
  return {
    host: parseHost(url.hostname.replace(/^\[(.*)\]$/, '$1')),
    port: url.port === '' ? (url.protocol === 'wss:' ? 443 : 80) : parsePort(url.port),
    ...(sourcePort === undefined ? {} : { sourcePort: parsePort(sourcePort) }),
    webSocketUrl: url.href,
  }
}
