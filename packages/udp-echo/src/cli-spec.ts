import { serverAddressOptions, type CliSpec } from '@netkit/shared'
import { DEFAULT_BENCH_DURATION_MS, DEFAULT_BENCH_SIZE, DEFAULT_LOSS_TIMEOUT_MS, DEFAULT_WINDOW } from './bench-defaults.js'
import { DEFAULT_HOST, DEFAULT_PORT } from './server.js'
import { DEFAULT_RATE_LIMIT } from './source-limiter.js'

/**
 * The udp-echo command line, declared once: yargs builds --help, errors, completion and the man
 * page from it, and the yargs-free fast path parses the common command lines with it.
 */
export const UDP_ECHO_CLI = {
  name: 'udp-echo',
  usage: '$0 [options]        run the echo server\n$0 bench HOST PORT  load-test a UDP echo server',
  commands: [
    {
      command: '$0',
      description: 'Echo every UDP datagram back to its sender',
      options: {
        ...serverAddressOptions({ host: DEFAULT_HOST, port: DEFAULT_PORT }),
        'max-size': { type: 'string', description: 'Drop (and count) datagrams larger than this, e.g. 1400 or 8k' },
        'rate-limit': {
          type: 'string',
          description: `Datagrams/s accepted per source address, 0 for no limit (default: ${DEFAULT_RATE_LIMIT} unless bound to loopback)`,
        },
        'rate-burst': { type: 'string', description: 'Datagrams a quiet source may send at once (default: one second of --rate-limit)' },
        json: { type: 'boolean', default: false, description: 'Print events as JSON lines on stdout' },
      },
      examples: [
        ['$0 --port 0', 'Listen on any free port (printed on stderr)'],
        ['$0 --host 0.0.0.0 --rate-limit 500 --max-size 1400', 'All interfaces, at most 500 datagrams/s per source'],
        ['$0 --json -v', 'Every datagram as a JSON line on stdout'],
      ],
    },
    {
      command: 'bench <host> [port]',
      description: 'Load-test a UDP echo server, verifying every echoed byte',
      positionals: {
        host: { type: 'string', description: 'Server address (or host:port)' },
        port: { type: 'string', description: 'Server port' },
      },
      options: {
        window: { alias: 'w', type: 'string', default: String(DEFAULT_WINDOW), description: 'Datagrams in flight' },
        size: { alias: 's', type: 'string', default: String(DEFAULT_BENCH_SIZE), description: 'Bytes per datagram (8-65507)' },
        duration: { alias: 'd', type: 'string', default: `${DEFAULT_BENCH_DURATION_MS / 1000}s`, description: 'How long to send' },
        datagrams: { alias: 'n', type: 'string', description: 'Stop after sending this many' },
        timeout: { type: 'string', default: `${DEFAULT_LOSS_TIMEOUT_MS}ms`, description: 'Count a datagram lost after this long' },
        json: { type: 'boolean', default: false, description: 'Print the result as JSON on stdout' },
      },
      examples: [
        ['$0 bench 127.0.0.1 7007', '5 s with 32 datagrams in flight'],
        ['$0 bench 127.0.0.1:7007 -w 128 -s 1400 -d 10s', 'Bigger window and datagrams, longer'],
        ['$0 bench 127.0.0.1 7007 -n 100000 --json', 'A fixed number of datagrams, result as JSON'],
      ],
    },
  ],
} as const satisfies CliSpec
