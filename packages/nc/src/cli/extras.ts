import type { Duplex, Readable, Writable } from 'node:stream'
import { Writable as WritableStream } from 'node:stream'
import { UsageError, formatHostPort, parseCount, parseDuration, type Logger } from '@netkit/shared'
import type { NcOptions } from '../options.js'
import type { NcExtensions, StreamContext } from '../run.js'
import type { RelayResult } from '../session/driver.js'
import type { PeerInfo } from '../net/listen.js'

/**
 * Turns the extras' command-line arguments (see extras-options.ts) into NcExtensions hooks for
 * runNc, and adjusts NcOptions for the direction options. Each feature's module is imported
 * only when its option is given, so plain `nc host port` loads none of them.
 */

/** --max-conns default, as ncat. */
export const DEFAULT_MAX_CONNS = 100
export const MAX_MAX_CONNS = 10_000

export interface ExtrasArgs {
  ssl?: boolean
  sslCert?: string
  sslKey?: string
  sslTrustfile?: string
  sslServername?: string
  sslAlpn?: string
  sslInsecure?: boolean
  exec?: string
  shExec?: string
  keepOpen?: boolean
  maxConns?: string
  broker?: boolean
  chat?: boolean
  allow?: string[]
  deny?: string[]
  allowfile?: string[]
  denyfile?: string[]
  proxy?: string
  proxyType?: string
  proxyUser?: string
  proxyAuth?: string
  proxyDns?: string
  sendOnly?: boolean
  recvOnly?: boolean
  /** false for --no-shutdown. */
  shutdown?: boolean
  idleTimeout?: string
}

/** NcExtensions plus the session hook the extras need (exec serves a session itself). */
export interface ExtrasExtensions extends NcExtensions {
  runSession?: (stream: Duplex, context: StreamContext, signal?: AbortSignal) => Promise<RelayResult>
}

/** Read the extras from yargs' parsed arguments (keys as declared in extraOptions). */
export function extrasArgsFrom(args: Record<string, unknown>): ExtrasArgs {
  const str = (key: string, flag: string): string | undefined => {
    const value = args[key]
    if (Array.isArray(value)) throw new UsageError(`option ${flag} given more than once`)
    return typeof value === 'string' ? value : undefined
  }
  const list = (key: string): string[] | undefined => {
    const value = args[key]
    if (value === undefined) return undefined
    return (Array.isArray(value) ? value : [value]).map(String)
  }
  const bool = (key: string): boolean | undefined => (typeof args[key] === 'boolean' ? (args[key] as boolean) : undefined)
  return {
    ssl: bool('ssl'),
    sslCert: str('ssl-cert', '--ssl-cert'),
    sslKey: str('ssl-key', '--ssl-key'),
    sslTrustfile: str('ssl-trustfile', '--ssl-trustfile'),
    sslServername: str('ssl-servername', '--ssl-servername'),
    sslAlpn: str('ssl-alpn', '--ssl-alpn'),
    sslInsecure: bool('ssl-insecure'),
    exec: str('exec', '-e'),
    shExec: str('sh-exec', '-c'),
    keepOpen: bool('keep-open'),
    maxConns: str('max-conns', '--max-conns'),
    broker: bool('broker'),
    chat: bool('chat'),
    allow: list('allow'),
    deny: list('deny'),
    allowfile: list('allowfile'),
    denyfile: list('denyfile'),
    proxy: str('x', '-x'),
    proxyType: str('X', '-X'),
    proxyUser: str('P', '-P'),
    proxyAuth: str('proxy-auth', '--proxy-auth'),
    proxyDns: str('proxy-dns', '--proxy-dns'),
    sendOnly: bool('send-only'),
    recvOnly: bool('recv-only'),
    shutdown: bool('shutdown'),
    idleTimeout: str('idle-timeout', '--idle-timeout'),
  }
}

export interface ExtrasEnvironment {
  stdin: Readable | null
  stdout: Writable
  log: Logger
}

/** A sink for --send-only: reads and forgets, so the peer is never blocked by us. */
function discard(): Writable {
  return new WritableStream({
    write(_chunk, _enc, cb) {
      cb()
    },
  })
}

function peerAddress(peer: PeerInfo | undefined): { host?: string; port?: number } {
  if (!peer || peer.protocol === 'unix') return {}
  return { host: peer.remoteAddress, port: peer.remotePort }
}

/**
 * Validate the extras against the core options, adjust `options` (direction, idle timeout,
 * concurrency), and build the hooks. Returns undefined when no extra is in use.
 */
export async function buildExtensions(a: ExtrasArgs, options: NcOptions, env: ExtrasEnvironment): Promise<ExtrasExtensions | undefined> {
  const listenMode = options.mode === 'listen'
  const tlsWanted = a.ssl || [a.sslCert, a.sslKey, a.sslTrustfile, a.sslServername, a.sslAlpn].some((v) => v !== undefined) || a.sslInsecure
  const execWanted = a.exec !== undefined || a.shExec !== undefined
  const hubMode = a.chat ? 'chat' : a.broker ? 'broker' : a.keepOpen && !execWanted ? 'fanout' : undefined
  const aclWanted = [a.allow, a.deny, a.allowfile, a.denyfile].some((v) => v !== undefined)
  const proxyWanted = [a.proxy, a.proxyType, a.proxyUser, a.proxyAuth, a.proxyDns].some((v) => v !== undefined)
  const anything =
    tlsWanted || execWanted || hubMode || aclWanted || proxyWanted || a.keepOpen || a.maxConns !== undefined || a.sendOnly || a.recvOnly || a.shutdown !== undefined || a.idleTimeout !== undefined
  if (!anything) return undefined

  // --- combinations ---
  if (options.mode === 'scan') throw new UsageError('the TLS, exec, proxy, broker and direction options do not apply to -z')
  if (tlsWanted && !a.ssl) throw new UsageError('--ssl-* options need --ssl')
  if (a.ssl && options.udp) throw new UsageError('--ssl works over TCP and Unix stream sockets, not -u (no DTLS)')
  if (a.broker && a.chat) throw new UsageError('use --broker or --chat, not both')
  if (hubMode && hubMode !== 'fanout' && !listenMode) throw new UsageError(`--${hubMode} needs -l`)
  if (a.keepOpen && !listenMode) throw new UsageError('--keep-open needs -l')
  if ((a.broker || a.chat) && execWanted) throw new UsageError(`cannot use -e/-c with --${a.chat ? 'chat' : 'broker'}`)
  if (hubMode && options.udp) throw new UsageError(`--${a.keepOpen && hubMode === 'fanout' ? 'keep-open' : hubMode} works over TCP and Unix stream sockets, not -u`)
  if (aclWanted && !listenMode) throw new UsageError('--allow/--deny need -l')
  if (aclWanted && options.udp) throw new UsageError('--allow/--deny work with TCP and Unix listeners, not -u')
  if (proxyWanted && listenMode) throw new UsageError('cannot use -x with -l')
  if (proxyWanted && (options.udp || options.unixPath !== undefined)) throw new UsageError('-x works with TCP connections only, not -u or -U')
  if (a.sendOnly && a.recvOnly) throw new UsageError('cannot use --send-only and --recv-only together')
  if ((a.sendOnly || a.recvOnly) && (execWanted || hubMode === 'broker' || hubMode === 'chat')) {
    throw new UsageError('--send-only/--recv-only apply to the stdin/stdout relay, not to -e/-c, --broker or --chat')
  }
  if (a.maxConns !== undefined && !(a.keepOpen || a.broker || a.chat || (execWanted && options.keepListening))) {
    // Plain -k serves one client at a time (OpenBSD): there is nothing to bound.
    throw new UsageError('--max-conns needs --keep-open, --broker, --chat, or -k with -e/-c')
  }
  if (execWanted && options.frame) throw new UsageError('--frame cannot be combined with -e/-c')

  // --- options the core understands ---
  if (a.idleTimeout !== undefined) options.idleTimeoutMs = parseDuration(a.idleTimeout, '--idle-timeout')
  if (a.shutdown === false) options.shutdownOnEof = false
  if (a.recvOnly) options.noStdin = true
  if (a.sendOnly && options.quitAfterEofMs === undefined) options.quitAfterEofMs = 0
  const maxConns = a.maxConns === undefined ? DEFAULT_MAX_CONNS : parseCount(a.maxConns, '--max-conns', 1, MAX_MAX_CONNS)
  const concurrent = listenMode && (a.keepOpen || a.broker || a.chat || (execWanted && options.keepListening))
  if (a.keepOpen || a.broker || a.chat) options.keepListening = true

  const log = env.log
  const extensions: ExtrasExtensions = {}
  if (concurrent) extensions.maxConcurrent = maxConns

  // --- TLS ---
  let wrapTls: ((stream: Duplex, context: StreamContext) => Promise<Duplex>) | undefined
  if (a.ssl) {
    const { createTlsClient, createTlsServer, parseAlpn } = await import('../features/tls.js')
    const tlsOptions = {
      cert: a.sslCert,
      key: a.sslKey,
      trustFile: a.sslTrustfile,
      servername: a.sslServername,
      alpn: parseAlpn(a.sslAlpn),
      insecure: a.sslInsecure,
      handshakeTimeout: options.connectTimeoutMs,
    }
    if (listenMode) {
      if (a.sslInsecure) throw new UsageError('--ssl-insecure applies to connect mode')
      if (a.sslServername !== undefined) throw new UsageError('--ssl-servername applies to connect mode')
      const server = await createTlsServer({ ...tlsOptions, handshakeTimeout: undefined }, log)
      wrapTls = (stream, context) => server.accept(stream, peerAddress(context.peer))
    } else {
      const client = await createTlsClient(tlsOptions, log)
      // Over a Unix socket there is no host name: check `localhost` unless --ssl-servername says otherwise.
      wrapTls = (stream, context) => client.connect(stream, context.protocol === 'unix' ? 'localhost' : (context.host ?? 'localhost'), context.port)
    }
    extensions.wrapStream = wrapTls
  }

  // --- proxy ---
  if (proxyWanted) {
    const { proxyOptionsFromArgs, createProxyHandshake, negotiateProxy, describeProxy } = await import('../features/proxy.js')
    const { openStream, successMessage } = await import('../net/connect.js')
    const proxy = proxyOptionsFromArgs({ proxy: a.proxy, proxyType: a.proxyType, proxyUser: a.proxyUser, proxyAuth: a.proxyAuth, proxyDns: a.proxyDns })!
    extensions.openStream = async (o, signal) => {
      const target = { host: o.host!, port: o.port! }
      const handshake = await createProxyHandshake(proxy, target)
      const socket = await openStream({
        host: proxy.host,
        port: proxy.port,
        family: o.family,
        sourceAddress: o.sourceAddress,
        sourcePort: o.sourcePort,
        connectTimeoutMs: o.connectTimeoutMs,
        signal,
      })
      log.debug(`connected to proxy ${describeProxy(proxy)}`)
      // A proxy that never answers must not keep nc alive through Ctrl-C or SIGTERM.
      const onAbort = () => socket.destroy()
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        await negotiateProxy(socket, handshake, { timeout: o.connectTimeoutMs, proxy: describeProxy(proxy) })
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
      log.info(`${successMessage(target.host, undefined, target.port, 'tcp', o.numeric)} (via ${describeProxy(proxy)})`)
      return socket
    }
  }

  // --- access control ---
  if (aclWanted) {
    const { createAccessControl } = await import('../features/acl.js')
    const acl = await createAccessControl({
      allow: a.allow,
      deny: a.deny,
      allowFiles: a.allowfile,
      denyFiles: a.denyfile,
      resolveNames: !options.numeric,
    })
    extensions.acceptConnection = (peer) => {
      const address = peer.protocol === 'unix' ? undefined : peer.remoteAddress
      if (acl.admits(address)) return true
      log.info(`Connection from ${peer.protocol === 'unix' ? 'a Unix socket peer' : formatHostPort(peer.remoteAddress, peer.remotePort)} denied by --allow/--deny`)
      return false
    }
  }

  // --- exec ---
  if (execWanted) {
    const { parseExecCommand, execSession } = await import('../features/exec.js')
    const command = parseExecCommand(a.exec, a.shExec)!
    extensions.runSession = async (stream, context, signal) => {
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
      const result = await execSession(stream, command, endpoints, { idleTimeoutMs: options.idleTimeoutMs, signal, log })
      return { sent: result.sent, received: result.received, durationMs: result.durationMs, reason: result.reason }
    }
  }

  // --- broker, chat, keep-open fanout ---
  if (hubMode) {
    const { Hub } = await import('../features/broker.js')
    const hub = new Hub({
      mode: hubMode,
      log,
      idleTimeoutMs: options.idleTimeoutMs,
      local: hubMode === 'fanout' ? { input: options.noStdin ? null : env.stdin, output: a.sendOnly ? discard() : env.stdout } : undefined,
    })
    const closeHub = () => hub.close()
    process.once('SIGINT', closeHub)
    process.once('SIGTERM', closeHub)
    extensions.handleConnection = async (socket, peer) => {
      let stream: Duplex = socket
      if (wrapTls) stream = await wrapTls(socket, { role: 'listen', protocol: peer.protocol, peer })
      await hub.add(stream, peer.protocol === 'unix' ? 'unix' : peer.remoteAddress)
    }
  }

  // --- direction: the stdin/stdout relay ---
  if (a.sendOnly && !hubMode) {
    extensions.sessionIO = (_context, defaults) => ({ input: defaults.input, output: discard() })
  }
  return extensions
}
