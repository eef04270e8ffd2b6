import { checkRules, type NcOptions, type OptionRule } from '../options.js'
import type { ExtrasArgs } from './extras-options.js'

/** What the extras' arguments ask for, worked out once for the rules below and the builders. */
export interface ExtrasWanted {
  a: ExtrasArgs
  options: NcOptions
  listen: boolean
  tls: boolean
  exec: boolean
  /** broker, chat, or fanout (--keep-open without -e/-c). */
  hub: 'broker' | 'chat' | 'fanout' | undefined
  acl: boolean
  /** A proxy client (-x, --proxy). */
  proxy: boolean
  /** `-l --proxy-type http`: an HTTP proxy server. */
  proxyServer: boolean
  /** A WebSocket session: a ws:// or wss:// URL, or -l --ws. */
  ws: boolean
  /** A wss:// URL: TLS without --ssl. */
  wss: boolean
  any: boolean
}

export function extrasWanted(a: ExtrasArgs, options: NcOptions): ExtrasWanted {
  const tls = Boolean(a.ssl || a['ssl-verify'] || a['ssl-ciphers'] !== undefined || a['ssl-insecure'] || [a['ssl-cert'], a['ssl-key'], a['ssl-trustfile'], a['ssl-servername'], a['ssl-alpn']].some((v) => v !== undefined))
  const exec = a.exec !== undefined || a['sh-exec'] !== undefined
  const hub = a.chat ? 'chat' : a.broker ? 'broker' : a['keep-open'] && !exec ? 'fanout' : undefined
  const acl = [a.allow, a.deny, a.allowfile, a.denyfile].some((v) => v !== undefined)
  const listen = options.mode === 'listen'
  const proxyServer = listen && a.X !== undefined && ['http', 'connect'].includes(a.X.toLowerCase())
  const proxy = !proxyServer && [a.x, a.proxy, a.X, a.P, a['proxy-auth'], a['proxy-dns']].some((v) => v !== undefined)
  const direction = a['send-only'] || a['recv-only'] || a.shutdown !== undefined || a['idle-timeout'] !== undefined
  const ws = Boolean(a.ws) || options.webSocketUrl !== undefined
  const wss = /^wss:/i.test(options.webSocketUrl ?? '')
  const any = Boolean(tls || exec || hub || acl || proxy || proxyServer || a.m !== undefined || a['keep-open'] || a['max-conns'] !== undefined || direction || ws || wsOptions(a))
  return { a, options, listen, tls, exec, hub, acl, proxy, proxyServer, ws, wss, any }
}

/** An option of WebSocket mode is given. */
function wsOptions(a: ExtrasArgs): boolean {
  return [a.binary, a.header, a['ws-protocol'], a['max-message']].some((v) => v !== undefined)
}

/** Every combination rule of the extras, in the order they are checked (the first match is reported). */
export const EXTRAS_RULES: readonly OptionRule<ExtrasWanted>[] = [
  { when: (w) => w.options.mode === 'scan', message: 'the TLS, exec, proxy, broker and direction options do not apply to -z' },
  { when: (w) => w.a.m !== undefined, message: "-m (OpenBSD's minimum TTL) is not supported; for ncat's -m use --max-conns" },
  { when: (w) => w.tls && !w.a.ssl && !w.a['ssl-verify'] && !w.wss, message: '--ssl-* options need --ssl' },
  { when: (w) => w.tls && w.options.udp, message: '--ssl works over TCP and Unix stream sockets, not -u (no DTLS)' },
  { when: (w) => w.a.broker && w.a.chat, message: 'use --broker or --chat, not both' },
  { when: (w) => w.hub && w.hub !== 'fanout' && !w.listen, message: (w) => `--${w.hub} needs -l` },
  { when: (w) => w.a['keep-open'] && !w.listen, message: '--keep-open needs -l' },
  { when: (w) => (w.a.broker || w.a.chat) && w.exec, message: (w) => `cannot use -e/-c with --${w.a.chat ? 'chat' : 'broker'}` },
  { when: (w) => w.hub && w.options.udp, message: (w) => `--${w.a['keep-open'] && w.hub === 'fanout' ? 'keep-open' : w.hub} works over TCP and Unix stream sockets, not -u` },
  { when: (w) => w.acl && !w.listen, message: '--allow/--deny need -l' },
  { when: (w) => w.proxyServer && (w.options.udp || w.options.unixPath !== undefined || w.exec || w.hub !== undefined || w.tls), message: '-l --proxy-type http serves TCP clients in the clear: not with -u, -U, -e/-c, --broker, --chat, --keep-open or --ssl' },
  { when: (w) => w.proxyServer && (w.a.x !== undefined || w.a.proxy !== undefined || w.a.P !== undefined), message: 'the HTTP proxy server (-l --proxy-type http) does not chain to another proxy (-x/--proxy/-P)' },
  { when: (w) => w.a['proxy-head-timeout'] !== undefined && !w.proxyServer, message: '--proxy-head-timeout applies to the HTTP proxy server (-l --proxy-type http)' },
  { when: (w) => w.a.x !== undefined && w.a.proxy !== undefined, message: 'use -x or --proxy, not both' },
  { when: (w) => w.acl && w.options.udp, message: '--allow/--deny work with TCP and Unix listeners, not -u' },
  { when: (w) => w.proxy && w.listen, message: (w) => `cannot use ${proxyOptionGiven(w.a)} with -l` },
  { when: (w) => w.proxy && (w.options.udp || w.options.unixPath !== undefined), message: '-x works with TCP connections only, not -u or -U' },
  { when: (w) => w.a['send-only'] && w.a['recv-only'], message: 'cannot use --send-only and --recv-only together' },
  {
    when: (w) => (w.a['send-only'] || w.a['recv-only']) && (w.exec || w.hub === 'broker' || w.hub === 'chat'),
    message: '--send-only/--recv-only apply to the stdin/stdout relay, not to -e/-c, --broker or --chat',
  },
  // Plain -k serves one client at a time (OpenBSD): there is nothing to bound.
  { when: (w) => w.a['max-conns'] !== undefined && !concurrent(w, true), message: '--max-conns needs --keep-open, --broker, --chat, or -k with -e/-c' },
  { when: (w) => w.exec && w.options.frame, message: '--frame cannot be combined with -e/-c' },
  { when: (w) => w.a.ssl && w.listen && w.a['ssl-insecure'], message: '--ssl-insecure applies to connect mode' },
  { when: (w) => w.a.ssl && w.listen && w.a['ssl-servername'] !== undefined, message: '--ssl-servername applies to connect mode' },
  // WebSocket mode
  { when: (w) => w.a.ws && !w.listen, message: '--ws needs -l (to connect, give a ws:// or wss:// URL: nc ws://host:port/path)' },
  { when: (w) => wsOptions(w.a) && !w.ws, message: '--binary, --header, --ws-protocol and --max-message need WebSocket mode (a ws:// URL, or -l --ws)' },
  { when: (w) => w.ws && w.a.header !== undefined && w.listen, message: '--header applies to connect mode (ws:// URLs)' },
  { when: (w) => w.ws && (w.options.udp || w.options.unixPath !== undefined), message: 'WebSocket mode works over TCP, not -u or -U' },
  { when: (w) => w.ws && w.exec, message: 'WebSocket mode cannot be combined with -e/-c' },
  { when: (w) => w.ws && (w.options.frame || w.options.crlf || w.options.intervalMs !== undefined), message: 'WebSocket mode cannot be combined with --frame, -C or -i (messages are lines already)' },
  { when: (w) => w.ws && (w.a['send-only'] || w.a.shutdown !== undefined), message: 'WebSocket mode cannot be combined with --send-only or --no-shutdown (stdin EOF always sends close 1000; -d or --recv-only to send nothing)' },
]

/** Clients are served at once: --keep-open, --broker, --chat, or -k with -e/-c (in listen mode unless `anyMode`). */
export function concurrent(w: ExtrasWanted, anyMode = false): boolean {
  return (anyMode || w.listen) && Boolean(w.proxyServer || w.a['keep-open'] || w.a.broker || w.a.chat || (w.exec && w.options.keepListening))
}

/** Throw the UsageError of the first rule the arguments break. */
export function checkExtras(w: ExtrasWanted): void {
  checkRules(EXTRAS_RULES, w)
}

/** The proxy option the command line used, named as it was typed (the first of them). */
function proxyOptionGiven(a: ExtrasArgs): string {
  const spellings: Array<[unknown, string]> = [[a.x, '-x'], [a.proxy, '--proxy'], [a.X, '-X'], [a.P, '-P'], [a['proxy-auth'], '--proxy-auth'], [a['proxy-dns'], '--proxy-dns']]
  return spellings.find(([value]) => value !== undefined)?.[1] ?? '-x'
}
