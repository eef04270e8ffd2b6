import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CliSpec } from '../src/cli-spec.js'
import { createCliFromSpec } from '../src/cli.js'
import { fastParse } from '../src/fast-args.js'

// Three tables in the shapes the tools use: a server with a bench command (tcp-echo), global
// options with a variadic positional (http-get), and one-letter OpenBSD options (nc).
const server: CliSpec = {
  name: 'srv',
  usage: '$0 [options]',
  commands: [
    {
      command: '$0',
      description: 'Serve',
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { alias: 'p', type: 'string', default: '7' },
        'max-conns': { type: 'string' },
        frame: { type: 'string', choices: ['lines', 'lp32'] },
        json: { type: 'boolean', default: false },
      },
    },
    {
      command: 'bench <host> [port]',
      description: 'Bench',
      positionals: { host: { type: 'string' }, port: { type: 'string' } },
      options: {
        connections: { alias: 'c', type: 'string', default: '100' },
        mode: { alias: 'm', type: 'string', default: 'pingpong' },
        json: { type: 'boolean', default: false },
      },
    },
  ],
}
const client: CliSpec = {
  name: 'get',
  usage: '$0 [options] URL',
  options: {
    header: { alias: 'H', type: 'string', array: true },
    output: { alias: 'o', type: 'string', array: true },
    'remote-name': { alias: 'O', type: 'count' },
    silent: { alias: 's', type: 'boolean' },
    'show-error': { alias: 'S', type: 'boolean' },
    location: { alias: 'L', type: 'boolean' },
    'write-out': { alias: 'w', type: 'string' },
    'http1.0': { type: 'boolean' },
    'max-time': { alias: 'm', type: 'string', requiresArg: true },
  },
  commands: [{ command: '$0 [urls..]', description: 'Fetch', positionals: { urls: { type: 'string', array: true } } }],
}
const letters: CliSpec = {
  name: 'nc',
  usage: '$0 [options] host port',
  options: {
    l: { type: 'boolean' },
    k: { type: 'boolean' },
    z: { type: 'boolean' },
    N: { type: 'boolean' },
    '4': { type: 'boolean' },
    p: { type: 'string', requiresArg: true },
    w: { type: 'string', requiresArg: true },
    'hex-dump': { type: 'string' },
  },
  commands: [{ command: '$0 [args..]', description: 'Connect', positionals: { args: { type: 'string', array: true } } }],
}

// nc's shape: no commands, positionals read by the tool itself from `_`, OpenBSD letters.
const loose: CliSpec = {
  name: 'ncl',
  usage: '$0 [options] [host] [port]',
  looseArguments: true,
  options: {
    '4': { type: 'boolean' },
    '6': { type: 'boolean' },
    d: { type: 'boolean' },
    k: { type: 'boolean' },
    l: { type: 'boolean' },
    N: { type: 'boolean' },
    u: { type: 'boolean' },
    z: { type: 'boolean' },
    p: { type: 'string', requiresArg: true },
    q: { type: 'string', requiresArg: true },
    w: { type: 'string', requiresArg: true },
    frame: { type: 'string', requiresArg: true },
    json: { type: 'boolean' },
  },
  commands: [],
}

async function viaYargs(spec: CliSpec, argv: readonly string[]): Promise<Record<string, unknown>> {
  const { $0: _, ...args } = (await createCliFromSpec(spec, { version: '1.0.0', argv, exitProcess: false }).parseAsync()) as Record<string, unknown>
  return args
}

async function expectSame(spec: CliSpec, argv: readonly string[]): Promise<boolean> {
  const fast = fastParse(argv, spec)
  if (fast === undefined) return false
  const { $0: _, ...args } = fast
  expect({ argv, args }).toEqual({ argv, args: await viaYargs(spec, argv) })
  return true
}

const accepted: Array<[CliSpec, string[]]> = [
  [server, []],
  [server, ['--port', '0']],
  [server, ['-p', '80', '--host', '::1', '--json']],
  [server, ['-p80', '-vv']],
  [server, ['--port=8080', '--max-conns', '10', '--frame', 'lines']],
  [server, ['--no-json', '-v', '--verbose']],
  [server, ['--host', 'a', '--host', 'b']],
  [server, ['bench', '127.0.0.1', '7']],
  [server, ['bench', '127.0.0.1:7', '-c', '10', '-m', 'stream', '--json']],
  [server, ['bench', 'h', '-c10', '--']],
  [client, ['-s', '-o', '/dev/null', 'http://127.0.0.1:1/small']],
  [client, ['-sS', '-L', 'http://a/', 'http://b/', '-o', 'x', '-o', 'y']],
  [client, ['-H', 'A: 1', '-H', 'B: 2', 'http://a/', '-w', '%{http_code}']],
  [client, ['-OO', 'http://a/x', 'http://a/y']],
  [client, ['--http1.0', '--max-time=5', 'u']],
  [client, ['u', '--', 'x']],
  [letters, ['-lvk', '-p', '80']],
  [letters, ['-zv', '127.0.0.1', '20-25', '80']],
  [letters, ['-N', '-w', '3', 'host', '80']],
  [letters, ['-4', 'host', '80']],
  [loose, ['-N', '127.0.0.1', '80']],
  [loose, ['-lvk', '-p', '1234']],
  [loose, ['-zv', '127.0.0.1', '20-25', '80', '443,8000-8100']],
  [loose, ['-u', '-q', '0', '::1', '53']],
  [loose, ['-4', '--json', '-w3', 'host', '0x50']],
  [loose, ['--frame', 'lp32', 'host', '7', '--', 'x']],
]

const declined: Array<[CliSpec, string[]]> = [
  [server, ['--help']],
  [server, ['-h']],
  [server, ['--version', '-p', '1']],
  [server, ['--completion', 'bash']],
  [server, ['--bogus']],
  [server, ['--port']],
  [server, ['--frame', 'bad']],
  [server, ['extra']],
  [server, ['--json', 'bench', 'h']],
  [server, ['bench']],
  [server, ['--json', 'false']],
  [client, ['-m', '', 'u']],
  [client, ['-o', '-', 'u']],
  [letters, ['-phost']],
  [letters, ['-p', '-1']],
]

describe('fastParse: the same arguments as yargs, from the same table', () => {
  it.each(accepted.map(([spec, argv]) => [spec.name, argv.join(' '), spec, argv] as const))('%s %s', async (_n, _l, spec, argv) => {
    expect(await expectSame(spec, argv)).toBe(true)
  })

  it.each(declined.map(([spec, argv]) => [spec.name, argv.join(' '), spec, argv] as const))('leaves %s %s to yargs', (_n, _l, spec, argv) => {
    expect(fastParse(argv, spec)).toBeUndefined()
  })

  it('agrees with yargs on every generated command line it accepts', async () => {
    const words = {
      srv: ['--port', '-p', '-p0', '-p80', '--host', '--json', '--no-json', '--json=true', '-v', '-vv', '--verbose', '--max-conns', '--maxConns', '--frame', 'lines', 'lp32',
        'bench', '-c', '-c5', '-m', '--mode=churn', '--', '-', '7', 'x', '', 'true', '-x', '--port=1', '--verbose=2'],
      get: ['-s', '-S', '-sS', '-sSL', '-o', '-O', '-OO', '-H', 'A: b', '-w', '%{json}', '--write-out=x', '--http1.0', '-m', '5', '-m5', '--max-time', '--', '-', 'http://a/', 'u',
        '--no-silent', '-v', '-sv', '--header=X:1', '--output', 'false'],
      ncl: ['-l', '-k', '-lk', '-lvk', '-z', '-zv', '-u', '-N', '-4', '-6', '-d', '-p', '-p80', '-q', '-q0', '-w3', '0', '80', '1.5', 'host', '::1', '0x10', '--json', '--no-json',
        '--frame', 'lines', '--frame=lp32', '--', '-', '-v', '-vv', '-4l', '20-25', 'true'],
      nc: ['-l', '-k', '-lk', '-lvk', '-z', '-zv', '-N', '-4', '-p', '-p80', '-w', '-w3', '3', '80', 'host', '--hex-dump', '--hex-dump=f', '--', '-', '-v', '-4l', '-l4'],
    }
    const specs = { srv: server, get: client, nc: letters, ncl: loose }
    let agreed = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('srv', 'get', 'nc', 'ncl'),
        fc.array(fc.nat(100), { maxLength: 7 }),
        async (name: keyof typeof specs, picks: number[]) => {
          const vocabulary = words[name]
          if (await expectSame(specs[name], picks.map((p) => vocabulary[p % vocabulary.length]!))) agreed++
        },
      ),
      { numRuns: 800, seed: 20261202 },
    )
    // The property means something only if the fast path takes a fair share of the lines.
    expect(agreed).toBeGreaterThan(100)
  })
})
