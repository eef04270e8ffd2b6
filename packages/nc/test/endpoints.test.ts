import { describe, expect, it } from 'vitest'
import { UsageError } from '@netkit/shared'
import { DEFAULT_LISTEN_PORT, endpointsFromArguments } from '../src/index.js'

describe('endpointsFromArguments: nc positional rules as a library function', () => {
  it.each([
    [['example.test', '80'], { mode: 'connect' }, { host: 'example.test', port: 80 }],
    [['127.0.0.1', 'http'], { mode: 'connect', sourcePort: '4000' }, { host: '127.0.0.1', port: 80, sourcePort: 4000 }],
    [['1234'], { mode: 'listen' }, { port: 1234 }],
    [['::1', '0'], { mode: 'listen' }, { host: '::1', port: 0 }],
    [[], { mode: 'listen', sourcePort: '8080' }, { port: 8080 }],
    [['127.0.0.1'], { mode: 'listen', sourcePort: '8080' }, { host: '127.0.0.1', port: 8080 }],
    [[], { mode: 'listen' }, { port: DEFAULT_LISTEN_PORT }],
    [['h', '20-22', 'http-alt'], { mode: 'scan' }, { host: 'h', ports: [20, 21, 22, 8080] }],
    [['/tmp/sock'], { mode: 'connect', unixSocket: true }, { unixPath: '/tmp/sock' }],
    [['wss://[::1]/chat?x=1'], { mode: 'connect' }, { host: '::1', port: 443, webSocketUrl: 'wss://[::1]/chat?x=1' }],
  ] as const)('%j with %j', (positionals, args, expected) => {
    expect(endpointsFromArguments(positionals, args)).toEqual(expected)
  })

  it.each([
    [[], { mode: 'connect' }, /missing HOST and PORT/],
    [['h'], { mode: 'connect' }, /missing PORT/],
    [['h', '1', '2'], { mode: 'connect' }, /too many arguments: 2 \(use -z/],
    [['81'], { mode: 'listen', sourcePort: '80' }, /port given twice/],
    [['a', 'b'], { mode: 'connect', unixSocket: true }, /exactly one socket path/],
    [['/s'], { mode: 'connect', unixSocket: true, sourcePort: '1' }, /cannot use -p with -U/],
    [['ws://u:p@h/'], { mode: 'connect' }, /credentials in a WebSocket URL/],
  ] as const)('%j with %j is a usage error', (positionals, args, message) => {
    expect(() => endpointsFromArguments(positionals, args)).toThrow(UsageError)
    expect(() => endpointsFromArguments(positionals, args)).toThrow(message)
  })
})
