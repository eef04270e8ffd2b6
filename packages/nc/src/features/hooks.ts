import type { Duplex, Readable, Writable } from 'node:stream'
import { formatHostPort, type Logger } from '@netkit/shared'
import type { NcOptions } from '../options.js'
import type { NcExtensions, StreamContext } from '../run.js'
import type { PeerInfo } from '../net/listen.js'
import type { TlsOptions } from './tls.js'
import type { ProxyOptions } from './proxy.js'
import type { AccessControlOptions } from './acl.js'
import type { ExecCommand } from './exec.js'
import type { HubSession } from './broker.js'

/**
 * Each feature as a hook for runNc (NcExtensions): built from typed options, its module loaded
 * only when the feature is used, so plain `nc host port` loads none of them.
 */

export type WrapStream = (stream: Duplex, context: StreamContext) => Promise<Duplex>

function peerAddress(peer: PeerInfo | undefined): { host?: string; port?: number } {
  if (!peer || peer.protocol === 'unix') return {}
  return { host: peer.remoteAddress, port: peer.remotePort }
}

/** TLS around every stream: a server certificate in listen mode, a verifying client otherwise. */
export async function tlsHook(tlsOptions: TlsOptions, listen: boolean, log: Logger): Promise<WrapStream> {
  const { createTlsClient, createTlsServer } = await import('./tls.js')
  if (listen) {
    const server = await createTlsServer({ ...tlsOptions, handshakeTimeout: undefined }, log)
    return (stream, context) => server.accept(stream, peerAddress(context.peer))
  }
  const client = await createTlsClient(tlsOptions, log)
  // Over a Unix socket there is no host name: check `localhost` unless --ssl-servername says otherwise.
  return (stream, context) => client.connect(stream, context.protocol === 'unix' ? 'localhost' : (context.host ?? 'localhost'), context.port)
}

/** Open every connection through a proxy (SOCKS5, SOCKS4a or HTTP CONNECT). */
export async function proxyHook(proxy: ProxyOptions, log: Logger): Promise<NonNullable<NcExtensions['openStream']>> {
  const { createProxyHandshake, negotiateProxy, describeProxy } = await import('./proxy.js')
  const { openStream, successMessage } = await import('../net/connect.js')
  return async (o: NcOptions, signal?: AbortSignal) => {
    const target = { host: o.host!, port: o.port! }
    const { family, sourceAddress, sourcePort, connectTimeoutMs } = o
    // A second round only when the proxy closed after its Digest 407: the answer goes on a new connection.
    let authorization: string | undefined
    let socket: Duplex
    for (;;) {
      const handshake = await createProxyHandshake(proxy, target, authorization)
      socket = await openStream({ host: proxy.host, port: proxy.port, family, sourceAddress, sourcePort, connectTimeoutMs, signal })
      log.debug(`connected to proxy ${describeProxy(proxy)}`)
      // A proxy that never answers must not keep nc alive through Ctrl-C or SIGTERM.
      const onAbort = () => socket.destroy()
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        const { reconnect } = await negotiateProxy(socket, handshake, { timeout: o.connectTimeoutMs, proxy: describeProxy(proxy) })
        if (reconnect === undefined || authorization !== undefined) break
        authorization = reconnect
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
    }
    log.info(`${successMessage(target.host, undefined, target.port, 'tcp', o.numeric)} (via ${describeProxy(proxy)})`)
    return socket
  }
}

/** Admit or refuse each client by its address (--allow/--deny). */
export async function aclHook(options: AccessControlOptions, log: Logger): Promise<NonNullable<NcExtensions['acceptConnection']>> {
  const { createAccessControl } = await import('./acl.js')
  const acl = await createAccessControl(options)
  return (peer) => {
    const address = peer.protocol === 'unix' ? undefined : peer.remoteAddress
    if (acl.admits(address)) return true
    log.info(`Connection from ${peer.protocol === 'unix' ? 'a Unix socket peer' : formatHostPort(peer.remoteAddress, peer.remotePort)} denied by --allow/--deny`)
    return false
  }
}

/** Serve each session with a child process (-e/-c). */
export async function execHook(command: ExecCommand, idleTimeoutMs: number | undefined, log: Logger, crlf = false): Promise<NonNullable<NcExtensions['runSession']>> {
  const { execSession } = await import('./exec.js')
  return async (stream, context, signal) => {
    const peer = context.peer
    const endpoints =
      context.role === 'listen'
        ? { remoteAddress: peer?.remoteAddress, remotePort: peer?.remotePort, localAddress: peer?.localAddress, localPort: peer?.localPort, protocol: context.protocol }
        : {
            remoteAddress: (stream as { remoteAddress?: string }).remoteAddress ?? context.host,
            remotePort: (stream as { remotePort?: number }).remotePort ?? context.port,
            localAddress: (stream as { localAddress?: string }).localAddress,
            localPort: (stream as { localPort?: number }).localPort,
            protocol: context.protocol,
          }
    const result = await execSession(stream, command, endpoints, { idleTimeoutMs, signal, log, crlf })
    return { sent: result.sent, received: result.received, durationMs: result.durationMs, reason: result.reason }
  }
}

export interface HubHookOptions {
  mode: 'broker' | 'chat' | 'fanout'
  idleTimeoutMs?: number
  /** fanout: the local side every client shares. */
  local?: { input: Readable | null; output: Writable }
  /** TLS for each client, when --ssl is on. */
  wrapStream?: WrapStream
  /** Closing nc (SIGINT/SIGTERM) closes the hub and its clients. */
  signal?: AbortSignal
  /** Called as each client leaves, with its counters and its two ends (--json). */
  onSessionEnd?: (session: HubSession, peer: PeerInfo) => void
}

/** Serve every listen-mode client through one hub (--broker, --chat, --keep-open fanout). */
export async function hubHook(options: HubHookOptions, log: Logger): Promise<NonNullable<NcExtensions['handleConnection']>> {
  const { Hub } = await import('./broker.js')
  const hub = new Hub({ mode: options.mode, log, idleTimeoutMs: options.idleTimeoutMs, local: options.local })
  options.signal?.addEventListener('abort', () => hub.close(), { once: true })
  return async (socket, peer) => {
    let stream: Duplex = socket
    if (options.wrapStream) stream = await options.wrapStream(socket, { role: 'listen', protocol: peer.protocol, peer })
    const session = await hub.add(stream, peer.protocol === 'unix' ? 'unix' : peer.remoteAddress)
    options.onSessionEnd?.(session, peer)
  }
}
