import { serverAddressOptions, type CliSpec } from '@netkit/shared'
import { DEFAULT_GRACE_MS, DEFAULT_HOST, DEFAULT_PORT } from './server.js'

/**
 * The tcp-echo command line, declared once: yargs builds --help, errors, completion and the man
 * page from it, and the yargs-free fast path parses the common command lines with it.
 */
export const TCP_ECHO_CLI = {
  name: 'tcp-echo',
  usage: '$0 [options]\n$0 bench HOST PORT [options]',
  commands: [
    {
      command: '$0',
      description: 'Run a TCP echo server',
      options: {
        ...serverAddressOptions({ host: DEFAULT_HOST, port: DEFAULT_PORT }),
        'max-conns': { type: 'string', description: 'Serve at most N connections at once; extra ones are closed at once' },
        'idle-timeout': { type: 'string', description: 'Close connections silent for this long (e.g. 30s)' },
        frame: { type: 'string', description: 'Echo whole frames only: lines, lp32 (4-byte big-endian length prefix) or varint' },
        'max-frame-size': { type: 'string', description: 'Largest frame in --frame mode (default 16M; 64k for lines)' },
        delay: { type: 'string', description: 'Wait this long before echoing each chunk or frame (e.g. 100ms)' },
        grace: { type: 'string', default: `${DEFAULT_GRACE_MS / 1000}s`, description: 'On SIGINT/SIGTERM, let connections finish for this long' },
        cluster: { type: 'string', description: 'Run N worker processes sharing the port (default: one per core)' },
        json: { type: 'boolean', default: false, description: 'Print events as JSON lines on stdout' },
      },
      examples: [
        ['$0 --port 0', 'Listen on any free port (printed on stderr)'],
        ['$0 --host :: --port 7007 -v', 'All interfaces, logging every connection'],
        ['$0 --frame lines --max-frame-size 4k', 'Echo whole lines only'],
        ['$0 --json', 'Events as JSON lines on stdout'],
      ],
    },
    {
      command: 'bench <host> <port>',
      description: 'Load-test an echo server, verifying every echoed byte',
      positionals: {
        host: { type: 'string', description: 'Echo server address' },
        port: { type: 'string', description: 'Echo server port' },
      },
      options: {
        mode: {
          alias: 'm',
          type: 'string',
          default: 'pingpong',
          description: 'churn, pingpong or stream. churn: connect/send/receive/close; pingpong: one message in flight per connection; stream: continuous writes',
        },
        connections: { alias: 'c', type: 'string', default: '100', description: 'Concurrent connections' },
        duration: { alias: 'd', type: 'string', description: 'How long to run (default 10s unless --requests)' },
        requests: { alias: 'n', type: 'string', description: 'Stop after N connections (churn), messages (pingpong) or writes (stream)' },
        size: { alias: 's', type: 'string', description: 'Message size (default 64) or stream write size (default 16k)' },
        threads: { alias: 't', type: 'string', default: '1', description: 'Worker threads generating the load' },
        json: { type: 'boolean', default: false, description: 'Print the result as JSON on stdout' },
      },
      examples: [
        ['$0 bench 127.0.0.1 7007', '10 s of pingpong with 100 connections'],
        ['$0 bench 127.0.0.1 7007 -m stream -s 64k -d 5s', 'Throughput with 64 KiB writes'],
        ['$0 bench 127.0.0.1 7007 -m churn -c 50 -n 10000 --json', 'Connection churn, result as JSON'],
      ],
    },
  ],
} as const satisfies CliSpec
