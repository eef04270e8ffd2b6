/**
 * The core options of nc (OpenBSD nc's letters and a few long options), declared once: yargs
 * builds --help, errors and completion from this table, and the quick path (parse.ts) reads the
 * one-letter ones from it. Plain data, so loading it costs nothing at start-up.
 */
export const coreOptions = {
  '4': { type: 'boolean', description: 'Use IPv4 only' },
  '6': { type: 'boolean', description: 'Use IPv6 only' },
  C: { alias: 'crlf', type: 'boolean', description: 'Send CRLF as line ending' },
  d: { type: 'boolean', description: 'Do not read stdin' },
  i: { alias: 'delay', type: 'string', description: 'Delay between lines sent (secs, or 500ms); ncat: --delay', requiresArg: true },
  k: { type: 'boolean', description: 'Keep listening after a client leaves (one at a time)' },
  l: { alias: 'listen', type: 'boolean', description: 'Listen for an incoming connection' },
  N: { type: 'boolean', description: 'Shut down the socket write side after EOF on stdin' },
  n: { alias: 'nodns', type: 'boolean', description: 'Numeric addresses only: no DNS' },
  p: { alias: 'source-port', type: 'string', description: 'Local port: source port to connect from, or the port to listen on with -l', requiresArg: true },
  q: { type: 'string', description: 'Quit secs after EOF on stdin (0 = at once)', requiresArg: true },
  s: { alias: 'source', type: 'string', description: 'Local source address', requiresArg: true },
  U: { alias: 'unixsock', type: 'boolean', description: 'Unix-domain stream socket (host is a path)' },
  u: { alias: 'udp', type: 'boolean', description: 'UDP' },
  w: { alias: 'wait', type: 'string', description: 'Timeout for connects and idle sessions (secs)', requiresArg: true },
  z: { type: 'boolean', description: 'Scan: report open ports without sending data' },
  o: { alias: 'output', type: 'string', description: 'Write the raw bytes of both directions to a file', requiresArg: true },
  'append-output': { type: 'boolean', description: 'Append to the -o/--hex-dump file instead of truncating it' },
  concurrency: { type: 'string', description: 'Scan: connections in flight (default 256)', requiresArg: true },
  json: { type: 'boolean', description: 'Scan: one JSON object per port on stdout' },
  frame: { type: 'string', description: 'Send stdin lines as frames (lines, lp32, varint), print received frames as lines', requiresArg: true },
  'hex-dump': { type: 'string', description: 'Hex dump both directions to stderr (--hex-dump) or a file (--hex-dump=FILE)' },
  stats: { type: 'boolean', description: 'Print bytes each way and the duration to stderr at exit' },
} as const
