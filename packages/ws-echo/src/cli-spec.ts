import { serverAddressOptions, type CliSpec } from '@netkit/shared'
import { DEFAULT_GRACE_MS, DEFAULT_HOST, DEFAULT_MAX_MESSAGE, DEFAULT_PING_INTERVAL_MS, DEFAULT_PORT } from './server.js'

const MIB = 1024 * 1024

/**
 * The ws-echo command line, declared once: yargs builds --help, errors, completion and the man
 * page from it, and the yargs-free fast path parses the common command lines with it.
 */
export const WS_ECHO_CLI = {
  name: 'ws-echo',
  usage: '$0 [options]\n$0 bench URL [options]',
  commands: [
    {
      command: '$0',
      description: 'Run a WebSocket echo server',
      options: {
        ...serverAddressOptions({ host: DEFAULT_HOST, port: DEFAULT_PORT }),
        path: { type: 'string', description: 'Accept upgrades on this path only (e.g. /echo); other paths get 404' },
        prefix: { type: 'string', description: "Prepend this to every text message echoed (e.g. '收到: ')" },
        'max-message': { type: 'string', default: `${DEFAULT_MAX_MESSAGE / MIB}M`, description: 'Largest message, after decompression; larger ones close with 1009' },
        'max-conns': { type: 'string', description: 'Serve at most N connections at once; further upgrades get 503' },
        'idle-timeout': { type: 'string', description: 'Close connections that send no message for this long (e.g. 30s)' },
        'ping-interval': {
          type: 'string',
          default: `${DEFAULT_PING_INTERVAL_MS / 1000}s`,
          description: 'Ping every peer this often; terminate one that missed the last pong (0: never)',
        },
        compress: { type: 'boolean', default: false, description: 'Offer permessage-deflate (--max-message still caps inflated messages)' },
        'tls-cert': { type: 'string', description: 'Serve wss:// with this PEM certificate (needs --tls-key)' },
        'tls-key': { type: 'string', description: 'PEM private key for --tls-cert' },
        grace: { type: 'string', default: `${DEFAULT_GRACE_MS / 1000}s`, description: 'On SIGINT/SIGTERM, close with 1001 and wait this long before terminating' },
        json: { type: 'boolean', default: false, description: 'Print events as JSON lines on stdout' },
      },
      examples: [
        ["$0 --prefix '收到: '", 'echo text messages with a prefix on ws://127.0.0.1:8765/'],
        ['$0 --port 0 --path /echo --max-conns 1000', 'any free port, upgrades on /echo only'],
      ],
    },
    {
      command: 'bench <url>',
      description: 'Load-test a WebSocket echo server, verifying every echoed message',
      positionals: { url: { type: 'string', description: 'ws://host:port/path or wss://…' } },
      options: {
        mode: { alias: 'm', type: 'string', default: 'pingpong', description: 'pingpong (one message in flight per connection) or stream (1 MiB in flight)' },
        conns: { alias: 'c', type: 'string', default: '100', description: 'Concurrent connections' },
        size: { alias: 's', type: 'string', description: 'Message size (default 64; 64k for stream)' },
        duration: { alias: 'd', type: 'string', default: '10s', description: 'How long to run' },
        binary: { alias: 'b', type: 'boolean', default: false, description: 'Send binary messages (default: text)' },
        'expect-prefix': { type: 'string', description: 'Text echoes must start with this (ws-echo --prefix)' },
        insecure: { alias: 'k', type: 'boolean', default: false, description: 'wss: accept any server certificate' },
        json: { type: 'boolean', default: false, description: 'Print the result as JSON on stdout' },
      },
      examples: [['$0 bench ws://127.0.0.1:8765/ -c 100 -d 5s', '100 connections of 64 B text pingpong for 5 s']],
    },
  ],
} as const satisfies CliSpec
