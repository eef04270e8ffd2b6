import { UsageError } from '@netkit/shared'

/**
 * Command-line options of the nc extras (TLS, exec, concurrent listen, access control, proxies,
 * direction), in ncat's long names; short letters keep OpenBSD's meanings (-x, -X, -P) or are
 * free in OpenBSD nc (-e, -c). Plain data, so the CLI can load it without loading the features.
 */
export const extraOptions = {
  ssl: { type: 'boolean', description: 'Use TLS (connect: verify the server; listen: see --ssl-cert)', group: 'TLS:' },
  'ssl-cert': { type: 'string', requiresArg: true, description: 'PEM certificate (listen: served; connect: client certificate)', group: 'TLS:' },
  'ssl-key': { type: 'string', requiresArg: true, description: 'PEM private key for --ssl-cert', group: 'TLS:' },
  'ssl-trustfile': { type: 'string', requiresArg: true, description: 'PEM CA certificates to trust (listen: require client certificates signed by them)', group: 'TLS:' },
  'ssl-servername': { type: 'string', requiresArg: true, description: 'Name for SNI and certificate checks (default: the host)', group: 'TLS:' },
  'ssl-alpn': { type: 'string', requiresArg: true, description: 'ALPN protocols, comma-separated (h2,http/1.1)', group: 'TLS:' },
  'ssl-insecure': { type: 'boolean', description: 'Do not verify the server certificate (warns)', group: 'TLS:' },
  'ssl-verify': { type: 'boolean', description: "ncat's spelling: --ssl with the server certificate verified (connect mode always verifies)", group: 'TLS:' },
  'ssl-ciphers': { type: 'string', requiresArg: true, description: 'OpenSSL cipher list for TLS 1.2 and below', group: 'TLS:' },
  exec: { alias: 'e', type: 'string', requiresArg: true, description: 'Run PROG [ARGS] (no shell) with its stdin/stdout on the connection', group: 'Exec:' },
  'sh-exec': { alias: 'c', type: 'string', requiresArg: true, description: 'Run CMD through /bin/sh with its stdin/stdout on the connection', group: 'Exec:' },
  'keep-open': { type: 'boolean', description: 'Listen: serve clients concurrently (stdin goes to all, all go to stdout)', group: 'Concurrent listen:' },
  m: { type: 'string', requiresArg: true, description: "OpenBSD's minimum TTL: not supported in Node (ncat's -m is --max-conns)", group: 'Concurrent listen:' },
  'max-conns': { type: 'string', requiresArg: true, description: 'Clients served at once with --keep-open, --broker, --chat, -k -e/-c (default 100)', group: 'Concurrent listen:' },
  broker: { type: 'boolean', description: "Listen: relay every client's data to all other clients", group: 'Concurrent listen:' },
  chat: { type: 'boolean', description: 'Listen: a broker for people, lines prefixed <userN>, controls escaped', group: 'Concurrent listen:' },
  allow: { type: 'string', array: true, requiresArg: true, description: 'Listen: accept only these addresses/CIDRs (repeatable, comma-separated)', group: 'Access control:' },
  deny: { type: 'string', array: true, requiresArg: true, description: 'Listen: refuse these addresses/CIDRs (repeatable, comma-separated)', group: 'Access control:' },
  allowfile: { type: 'string', array: true, requiresArg: true, description: 'Listen: file of addresses/CIDRs to accept, one per line', group: 'Access control:' },
  denyfile: { type: 'string', array: true, requiresArg: true, description: 'Listen: file of addresses/CIDRs to refuse, one per line', group: 'Access control:' },
  x: { type: 'string', requiresArg: true, description: 'Connect through the proxy at addr[:port] (SOCKS5 unless -X says otherwise)', group: 'Proxy:' },
  proxy: { type: 'string', requiresArg: true, description: "ncat's spelling of -x, HTTP unless --proxy-type says otherwise", group: 'Proxy:' },
  X: {
    alias: 'proxy-type',
    type: 'string',
    requiresArg: true,
    description: 'Proxy protocol: 5 (SOCKS5, default), 4 (SOCKS4a) or connect (HTTP); ncat: socks5, socks4, http. With -l, http runs an HTTP proxy server: an open proxy relays anyone\'s traffic, so it listens on 127.0.0.1 unless a host is given; use --proxy-auth and --allow',
    group: 'Proxy:',
  },
  P: { type: 'string', requiresArg: true, description: 'Proxy user name (password from NETKIT_PROXY_PASSWORD)', group: 'Proxy:' },
  'proxy-auth': { type: 'string', requiresArg: true, description: 'Proxy credentials user:pass (Basic up front, Digest when challenged; with -l: what clients must send)', group: 'Proxy:' },
  'proxy-head-timeout': { type: 'string', requiresArg: true, description: 'HTTP proxy server: time a client has to send its request head (default 10s)', group: 'Proxy:' },
  'proxy-dns': { type: 'string', requiresArg: true, description: 'Resolve the target name: remote (by the proxy, default) or local', group: 'Proxy:' },
  'send-only': { type: 'boolean', description: 'Only send: discard received data, close after stdin EOF', group: 'Direction:' },
  'recv-only': { type: 'boolean', description: 'Only receive: never read stdin', group: 'Direction:' },
  // yargs reads `--no-shutdown` as `shutdown: false`.
  shutdown: { type: 'boolean', description: 'Half-close the socket on stdin EOF, as -N; --no-shutdown: never half-close (overrides -N)', group: 'Direction:' },
  'idle-timeout': { type: 'string', requiresArg: true, description: 'Close a connection idle this long (e.g. 30s, 500ms)', group: 'Direction:' },
  ws: { type: 'boolean', description: 'Listen: accept WebSocket clients (connect: give a ws:// or wss:// URL instead of host port)', group: 'WebSocket:' },
  binary: { type: 'boolean', description: 'WebSocket: each stdin read is one binary message; messages are written raw (default: lines as text messages)', group: 'WebSocket:' },
  header: { type: 'string', array: true, requiresArg: true, description: "WebSocket: add a handshake header 'Name: value' (repeatable)", group: 'WebSocket:' },
  'ws-protocol': { type: 'string', requiresArg: true, description: 'WebSocket subprotocols, comma-separated: offered (connect) or accepted (listen)', group: 'WebSocket:' },
  'max-message': { type: 'string', requiresArg: true, description: 'WebSocket: largest message received or stdin line sent (default 16M; larger: close 1009, exit 1)', group: 'WebSocket:' },
} as const

/** Examples for --help. */
export const extraExamples: readonly (readonly [string, string])[] = [
  ['$0 --ssl example.com 443', 'TLS client, certificate verified'],
  ['$0 -l --ssl 8443', 'TLS listener with a throwaway certificate'],
  ['$0 -lk -c "cat" 7000', 'One child per client, concurrently'],
  ['$0 -l --chat --allow 10.0.0.0/8 9000', 'Chat server for one network'],
  ['$0 -x proxy:1080 -X 5 example.com 22', 'Connect through a SOCKS5 proxy'],
  ['$0 ws://127.0.0.1:8765/', 'WebSocket client: stdin lines out as messages, messages in as lines'],
  ['$0 -l --ws 8765', 'Accept one WebSocket client'],
]

type ExtraOptions = typeof extraOptions
type ValueOf<S> = S extends { array: true } ? string[] : S extends { type: 'boolean' } ? boolean : string

/** The extras' parsed values, keyed as `extraOptions` declares them (`--no-shutdown` is `shutdown: false`). */
export type ExtrasArgs = { -readonly [K in keyof ExtraOptions]?: ValueOf<ExtraOptions[K]> }

/** How a user spells an option: its short alias when it has one (`-e`), else `--name` or `-x`. */
function spelling(key: string): string {
  const spec = extraOptions[key as keyof ExtraOptions] as { alias?: string }
  if (spec.alias !== undefined && spec.alias.length === 1) return `-${spec.alias}`
  return key.length === 1 ? `-${key}` : `--${key}`
}

/** Pick the extras out of yargs' parsed arguments, checked against their declared types. */
export function extrasArgsFrom(args: Record<string, unknown>): ExtrasArgs {
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(extraOptions) as [string, { type: string; array?: boolean }][]) {
    const value = args[key]
    if (value === undefined) continue
    if (spec.array) out[key] = (Array.isArray(value) ? value : [value]).map(String)
    else if (spec.type === 'boolean') {
      if (typeof value === 'boolean') out[key] = value
    } else if (Array.isArray(value)) throw new UsageError(`option ${spelling(key)} given more than once`)
    else if (typeof value === 'string') out[key] = value
  }
  return out as ExtrasArgs
}
