import type { Readable, Writable } from 'node:stream'
import { Writable as WritableStream } from 'node:stream'
import { parseCount, parseDuration, parseSize, UsageError, type Logger } from '@netkit/shared'
import type { NcOptions } from '../options.js'
import type { NcExtensions } from '../run.js'
import type { HubHookOptions, WrapStream } from '../features/hooks.js'
import type { ExtrasArgs } from './extras-options.js'
import { checkExtras, concurrent, extrasWanted, type ExtrasWanted } from './extras-rules.js'

/**
 * Turns the extras' command-line arguments (extras-options.ts) into NcExtensions hooks for runNc
 * and the NcOptions they imply: the combination rules are a table (extras-rules.ts), each
 * feature a hook (features/hooks.ts), and nothing here changes what it is given.
 */

/** --max-conns default, as ncat. */
export const DEFAULT_MAX_CONNS = 100
export const MAX_MAX_CONNS = 10_000

export interface ExtrasEnvironment {
  stdin: Readable | null
  stdout: Writable
  log: Logger
  /** Aborted when nc is closing (SIGINT/SIGTERM): brokers close their clients. */
  signal?: AbortSignal
}

/** A sink for --send-only: reads and forgets, so the peer is never blocked by us. */
function discard(): Writable {
  return new WritableStream({
    write(_chunk, _enc, cb) {
      cb()
    },
  })
}

/** The core options the direction and concurrency extras imply: a new object, `options` untouched. */
export function optionsWithExtras(w: ExtrasWanted): NcOptions {
  const { a, options } = w
  const next: NcOptions = { ...options }
  if (a['idle-timeout'] !== undefined) next.idleTimeoutMs = parseDuration(a['idle-timeout'], '--idle-timeout')
  if (a.shutdown !== undefined) next.shutdownOnEof = a.shutdown
  if (a['recv-only']) next.noStdin = true
  if (a['send-only'] && next.quitAfterEofMs === undefined) next.quitAfterEofMs = 0
  if (a['keep-open'] || a.broker || a.chat) next.keepListening = true
  // An open proxy is a security hole: loopback unless the user names an address.
  if (w.proxyServer) {
    next.keepListening = true
    if (next.host === undefined) next.host = next.family === 6 ? '::1' : '127.0.0.1'
  }
  return next
}

/** The hooks for TLS and proxies (both roles' streams). */
async function streamHooks(w: ExtrasWanted, options: NcOptions, log: Logger): Promise<{ wrapStream?: WrapStream; openStream?: NcExtensions['openStream'] }> {
  const { a } = w
  const hooks: { wrapStream?: WrapStream; openStream?: NcExtensions['openStream'] } = {}
  if (w.tls || w.wss) {
    const { parseAlpn } = await import('../features/tls.js')
    const { tlsHook } = await import('../features/hooks.js')
    const tlsOptions = {
      cert: a['ssl-cert'],
      key: a['ssl-key'],
      trustFile: a['ssl-trustfile'],
      servername: a['ssl-servername'],
      alpn: parseAlpn(a['ssl-alpn']),
      insecure: a['ssl-insecure'],
      ciphers: a['ssl-ciphers'],
      handshakeTimeout: options.connectTimeoutMs,
    }
    hooks.wrapStream = await tlsHook(tlsOptions, w.listen, log)
  }
  if (w.proxy) {
    const { proxyOptionsFromArgs } = await import('../features/proxy.js')
    const { proxyHook } = await import('../features/hooks.js')
    // ncat's --proxy speaks HTTP unless told otherwise; OpenBSD's -x speaks SOCKS5.
    const proxyType = a.X ?? (a.proxy !== undefined ? 'http' : undefined)
    const proxy = proxyOptionsFromArgs({ proxy: a.x ?? a.proxy, proxyType, proxyUser: a.P, proxyAuth: a['proxy-auth'], proxyDns: a['proxy-dns'] })!
    hooks.openStream = await proxyHook(proxy, log)
  }
  return hooks
}

/** The hooks that decide who is served and how: access control, exec, hubs, --send-only. */
async function sessionHooks(w: ExtrasWanted, options: NcOptions, env: ExtrasEnvironment, wrapStream: WrapStream | undefined): Promise<NcExtensions> {
  const { a } = w
  const hooks: NcExtensions = {}
  const hooksModule = () => import('../features/hooks.js')
  if (w.acl) {
    const acl = { allow: a.allow, deny: a.deny, allowFiles: a.allowfile, denyFiles: a.denyfile, resolveNames: !options.numeric }
    hooks.acceptConnection = await (await hooksModule()).aclHook(acl, env.log)
  }
  if (w.exec) {
    const { parseExecCommand } = await import('../features/exec.js')
    hooks.runSession = await (await hooksModule()).execHook(parseExecCommand(a.exec, a['sh-exec'])!, options.idleTimeoutMs, env.log, options.crlf)
  }
  if (w.hub) {
    const local = w.hub === 'fanout' ? { input: options.noStdin ? null : env.stdin, output: a['send-only'] ? discard() : env.stdout } : undefined
    const onSessionEnd = options.json ? await jsonHubRecords(options, env.log) : undefined
    const wrap = w.ws ? await webSocketWrap(w, wrapStream, env) : wrapStream
    hooks.handleConnection = await (await hooksModule()).hubHook({ mode: w.hub, idleTimeoutMs: options.idleTimeoutMs, local, wrapStream: wrap, signal: env.signal, onSessionEnd }, env.log)
  }
  if (w.ws && !w.hub) hooks.runSession = await webSocketSession(w, options, env)
  if (w.proxyServer) {
    hooks.handleConnection = await proxyServerHook(a, options, env.log)
    hooks.logsConnections = true
  }
  if (a['send-only'] && !w.hub) hooks.sessionIO = (_context, defaults) => ({ input: defaults.input, output: discard() })
  return hooks
}

/** WebSocket mode (`nc ws://…`, `nc -l --ws`): the handshake, then messages as lines (or raw with --binary). */
async function webSocketSession(w: ExtrasWanted, options: NcOptions, env: ExtrasEnvironment): Promise<NonNullable<NcExtensions['runSession']>> {
  const { a } = w
  const { parseProtocols, parseHeaderLines } = await import('../features/websocket.js')
  // Checked now, before any connection: a bad header is a usage error (exit 2), not a failed session.
  parseHeaderLines(a.header ?? [])
  const maxMessage = maxMessageOf(a)
  const { webSocketHook } = await import('../features/hooks.js')
  const local = () => ({ input: options.noStdin ? null : env.stdin, output: env.stdout })
  const { quitAfterEofMs, idleTimeoutMs, connectTimeoutMs } = options
  const hook = { url: options.webSocketUrl, headers: a.header, protocols: parseProtocols(a['ws-protocol']), binary: a.binary, maxMessage, handshakeTimeoutMs: connectTimeoutMs, quitAfterEofMs, idleTimeoutMs, local }
  return webSocketHook(hook, env.log)
}

/** The hubs' streams in WebSocket mode: each client's messages as lines (or raw with --binary). */
async function webSocketWrap(w: ExtrasWanted, tls: WrapStream | undefined, env: ExtrasEnvironment): Promise<WrapStream> {
  const { parseProtocols } = await import('../features/websocket.js')
  const { webSocketWrapHook } = await import('../features/hooks.js')
  return webSocketWrapHook({ binary: w.a.binary, maxMessage: maxMessageOf(w.a), protocols: parseProtocols(w.a['ws-protocol']) }, tls, env.log)
}

/** --max-message in bytes (undefined: the default). */
function maxMessageOf(a: ExtrasArgs): number | undefined {
  const maxMessage = a['max-message'] === undefined ? undefined : parseSize(a['max-message'], '--max-message')
  if (maxMessage !== undefined && (maxMessage < 1 || maxMessage > MAX_WS_MESSAGE)) throw new UsageError(`--max-message must be between 1 and ${MAX_WS_MESSAGE} bytes (1G)`)
  return maxMessage
}

/** The largest --max-message: 1 GiB. */
export const MAX_WS_MESSAGE = 1024 ** 3

/** --json with a hub: one line per client as it leaves, as run.ts prints for other sessions. */
async function jsonHubRecords(options: NcOptions, log: Logger): Promise<NonNullable<HubHookOptions['onSessionEnd']>> {
  const { endpointsOfPeer, formatSessionRecord } = await import('../session/record.js')
  return (session, peer) => log.line(formatSessionRecord({ role: 'listen', protocol: peer.protocol, ...session, ...endpointsOfPeer(peer, options.unixPath) }))
}

/** `-l --proxy-type http`: every client is served by the HTTP proxy server. */
async function proxyServerHook(a: ExtrasArgs, options: NcOptions, log: Logger): Promise<NonNullable<NcExtensions['handleConnection']>> {
  const { createHttpProxyHandler } = await import('../features/http-proxy-server.js')
  const { parseProxyCredentials } = await import('../features/proxy.js')
  const credentials = parseProxyCredentials(a['proxy-auth'], undefined)
  const headTimeout = a['proxy-head-timeout']
  return createHttpProxyHandler({
    credentials: credentials && { username: credentials.username, password: credentials.password ?? '' },
    connectTimeoutMs: options.connectTimeoutMs,
    headTimeoutMs: headTimeout === undefined ? undefined : parseDuration(headTimeout, '--proxy-head-timeout'),
    log: (line) => log.info(line),
  })
}

/**
 * Check the extras against the core options and build their hooks. Resolves with the options to
 * run with (`options` itself when no extra is in use) and the hooks (undefined then).
 */
export async function buildExtensions(a: ExtrasArgs, options: NcOptions, env: ExtrasEnvironment): Promise<{ options: NcOptions; extensions: NcExtensions | undefined }> {
  const wanted = extrasWanted(a, options)
  if (!wanted.any) return { options, extensions: undefined }
  checkExtras(wanted)
  const next = optionsWithExtras(wanted)
  const maxConns = a['max-conns'] === undefined ? DEFAULT_MAX_CONNS : parseCount(a['max-conns'], '--max-conns', 1, MAX_MAX_CONNS)
  const streams = await streamHooks(wanted, next, env.log)
  const extensions: NcExtensions = { ...streams, ...(await sessionHooks(wanted, next, env, streams.wrapStream)) }
  if (concurrent(wanted)) extensions.maxConcurrent = maxConns
  return { options: next, extensions }
}
