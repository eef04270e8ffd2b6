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

export interface WebSocketHookOptions {
  /** connect: the ws:// or wss:// URL. */
  url?: string
  headers?: readonly string[]
  protocols?: readonly string[]
  binary?: boolean
  maxMessage?: number
  handshakeTimeoutMs?: number
  /** -q and -w, as for a byte session; stdin EOF always sends close 1000 (the transport's half-close). */
  quitAfterEofMs?: number
  idleTimeoutMs?: number
  /** stdin (null with -d) and stdout, read when a session starts. */
  local: () => { input: Readable | null; output: Writable }
}

/** Serve each session as WebSocket messages (`nc ws://…`, `nc -l --ws`): the handshake, then the WebSocket transport. */
export async function webSocketHook(options: WebSocketHookOptions, log: Logger): Promise<NonNullable<NcExtensions['runSession']>> {
  const { openWebSocket, acceptWebSocket } = await import('./websocket.js')
  const { createWsTransport } = await import('../session/ws-transport.js')
  const { driveSession } = await import('../session/driver.js')
  return async (stream, context, signal, sinks) => {
    const { maxMessage } = options
    // A peer that never answers the handshake must not keep nc alive through Ctrl-C or SIGTERM.
    const onAbort = () => stream.destroy()
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
    const open = await (context.role === 'connect'
      ? openWebSocket(stream, { url: options.url!, headers: options.headers, protocols: options.protocols, maxMessage, handshakeTimeoutMs: options.handshakeTimeoutMs }, log)
      : acceptWebSocket(stream, { protocols: options.protocols, maxMessage }, log)
    ).finally(() => signal?.removeEventListener('abort', onAbort))
    const peer = context.peer
    const label = context.role === 'connect' ? options.url : peer && peer.protocol !== 'unix' ? formatHostPort(peer.remoteAddress, peer.remotePort) : undefined
    const transport = createWsTransport(open.ws, open.early, options.local(), { binary: options.binary, maxMessage, sinks, label })
    const { quitAfterEofMs, idleTimeoutMs } = options
    return driveSession(transport, { shutdownOnEof: true, quitAfterEofMs, idleTimeoutMs }, signal)
  }
}

/** For the hubs (--keep-open, --broker, --chat) in WebSocket mode: TLS if asked, the server handshake, then a line stream. */
export async function webSocketWrapHook(options: { binary?: boolean; maxMessage?: number; protocols?: readonly string[] }, tls: WrapStream | undefined, log: Logger): Promise<WrapStream> {
  const { acceptWebSocket } = await import('./websocket.js')
  const { WebSocketLineStream } = await import('./ws-stream.js')
  const { DEFAULT_MAX_MESSAGE } = await import('../session/ws-transport.js')
  return async (stream, context) => {
    const secured = tls ? await tls(stream, context) : stream
    const open = await acceptWebSocket(secured, { protocols: options.protocols, maxMessage: options.maxMessage }, log)
    const peer = context.peer
    const label = peer && peer.protocol !== 'unix' ? formatHostPort(peer.remoteAddress, peer.remotePort) : undefined
    return new WebSocketLineStream(open.ws, { binary: options.binary, maxMessage: options.maxMessage ?? DEFAULT_MAX_MESSAGE, label }, open)
  }
}
