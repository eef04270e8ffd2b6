/**
 * Each tool's real option table through both parsers: the yargs-free fast path must take the
 * command lines people type most (so they start without loading yargs) and return for them
 * exactly what yargs returns; lines it declines go to yargs. Runs in-process, no spawning.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fastParse, type CliSpec } from '@netkit/shared'
import { createCliFromSpec } from '@netkit/shared/cli'
import { traceLoads as traceCliLoads } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { HTTP_GET_CLI } from '../packages/http-get/src/cli-spec.js'
import { TCP_ECHO_CLI } from '../packages/tcp-echo/src/cli-spec.js'
import { UDP_ECHO_CLI } from '../packages/udp-echo/src/cli-spec.js'
import { WS_ECHO_CLI } from '../packages/ws-echo/src/cli-spec.js'

const URL = 'http://127.0.0.1:8080/small'

const common: Array<[CliSpec, string[]]> = [
  [TCP_ECHO_CLI, []],
  [TCP_ECHO_CLI, ['--port', '0']],
  [TCP_ECHO_CLI, ['--host', '::', '-p', '7007', '-v', '--max-conns', '1000', '--idle-timeout', '60s']],
  [TCP_ECHO_CLI, ['--frame', 'lines', '--max-frame-size', '4k', '--json']],
  [TCP_ECHO_CLI, ['bench', '127.0.0.1', '7007']],
  [TCP_ECHO_CLI, ['bench', '127.0.0.1', '7007', '-m', 'churn', '-c', '50', '-d', '5s', '-t', '2', '--json']],
  [UDP_ECHO_CLI, ['--port', '0']],
  [UDP_ECHO_CLI, ['--host', '0.0.0.0', '--rate-limit', '20', '--max-size', '1400', '-vv']],
  [UDP_ECHO_CLI, ['bench', '127.0.0.1:7007', '-w', '128', '-s', '1400', '-d', '3s']],
  [UDP_ECHO_CLI, ['bench', '::1', '7007', '-n', '100000', '--json']],
  [HTTP_GET_CLI, [URL]],
  [HTTP_GET_CLI, ['-s', '-o', '/dev/null', URL]],
  [HTTP_GET_CLI, ['-sS', '-L', '-o', 'page.html', URL]],
  [HTTP_GET_CLI, ['-s', '-o', '/dev/null', '-w', '%{http_code} %{time_total}\\n', URL]],
  [HTTP_GET_CLI, ['-H', 'Accept: text/plain', '-H', 'X-A: 1', '-A', 'probe/1', '--compressed', '-i', URL]],
  [HTTP_GET_CLI, ['-O', '-O', '--parallel', '2', `${URL}/a`, `${URL}/b`]],
  [HTTP_GET_CLI, ['-f', '-m', '5', '--connect-timeout', '2', '--max-redirs', '3', '-k', '--http1.0', URL]],
  [WS_ECHO_CLI, []],
  [WS_ECHO_CLI, ['--port', '0']],
  [WS_ECHO_CLI, ['--host', '::', '-p', '8765', '--path', '/echo', '--prefix', '收到: ', '--max-conns', '1000', '-v']],
  [WS_ECHO_CLI, ['--compress', '--max-message', '1M', '--idle-timeout', '30s', '--json']],
  [WS_ECHO_CLI, ['bench', 'ws://127.0.0.1:8765/', '-c', '100', '-d', '5s', '-b', '--json']],
]

const forYargs: Array<[CliSpec, string[]]> = [
  [TCP_ECHO_CLI, ['-h']],
  [TCP_ECHO_CLI, ['bench']],
  [TCP_ECHO_CLI, ['--bogus']],
  [UDP_ECHO_CLI, ['--completion', 'bash']],
  [HTTP_GET_CLI, ['--help']],
  [HTTP_GET_CLI, ['-o', '-', URL]],
  [WS_ECHO_CLI, ['bench']],
  [WS_ECHO_CLI, ['--help']],
]

describe("the tools' option tables through fastParse and yargs", () => {
  it.each(common.map(([spec, argv]) => [spec.name, argv.join(' '), spec, argv] as const))('%s %s: fast, and the same as yargs', async (_n, _l, spec, argv) => {
    const fast = fastParse(argv, spec)
    expect(fast).toBeDefined()
    const viaYargs = (await createCliFromSpec(spec, { version: '0.0.0', argv, exitProcess: false }).parseAsync()) as Record<string, unknown>
    const { $0: _a, ...fastArgs } = fast!
    const { $0: _b, ...yargsArgs } = viaYargs
    expect(fastArgs).toEqual(yargsArgs)
  })

  it.each(forYargs.map(([spec, argv]) => [spec.name, argv.join(' '), spec, argv] as const))('%s %s: left to yargs', (_n, _l, spec, argv) => {
    expect(fastParse(argv, spec)).toBeUndefined()
  })
})

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** What a run of a built CLI loaded: the public builtins, and the text of its dist files. */
interface Loads {
  builtins: Set<string>
  distText: string
  files: string[]
}

/** Run `tool args` with the load tracer; with `listening`, stop it (SIGTERM) once it says so. */
async function traceLoads(tool: string, args: string[], listening = false): Promise<Loads> {
  const dist = path.join(root, 'packages', tool, 'dist')
  const run = await traceCliLoads(path.join(dist, 'cli.js'), args, listening ? { until: /listening on/ } : {})
  // A server stopped by SIGTERM may end by re-raising it (143).
  expect(listening ? [0, 143] : [0]).toContain(run.code)
  const files = run.urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)).filter((f) => f.startsWith(dist + path.sep))
  const builtins = run.builtins
  // The tracer did record (node:fs is always loaded): an empty list must not pass as "nothing loaded".
  expect(builtins.has('fs')).toBe(true)
  expect(files.length).toBeGreaterThan(0)
  return {
    builtins,
    distText: files.map((f) => readFileSync(f, 'utf8')).join('\n'),
    files,
  }
}

const YARGS = '/node_modules/yargs/'

/**
 * What the common start-ups must not load: yargs (the fast path parses), and the builtins only
 * other features need. A static import that drags one of them back fails here.
 */
describe('what a plain start loads', () => {
  // (stdout is a pipe here, which loads node:net by itself.)
  it('http-get --version: neither the parser nor the client', async () => {
    const loads = await traceLoads('http-get', ['--version'])
    for (const module of ['// src/main.ts', '// src/client.ts', '// ../shared/src/fast-args.ts', YARGS]) expect(loads.distText).not.toContain(module)
  })

  it('http-get -s -o /dev/null URL: no yargs, no TLS, zlib, crypto or http', async () => {
    const server = http.createServer((_req, res) => res.end('small')).listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => void server.close())
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/small`
    const loads = await traceLoads('http-get', ['-s', '-o', '/dev/null', url])
    expect(loads.distText).not.toContain(YARGS)
    for (const builtin of ['tls', 'zlib', 'crypto', 'http', 'https', 'readline']) expect(loads.builtins.has(builtin), builtin).toBe(false)
  })

  it.each(['tcp-echo', 'udp-echo', 'ws-echo'])('%s --version: neither the parser nor the server', async (tool) => {
    const loads = await traceLoads(tool, ['--version'])
    for (const builtin of ['dgram', 'http', 'cluster']) expect(loads.builtins.has(builtin), builtin).toBe(false)
    for (const module of ['// src/main.ts', '// src/cli-main.ts', '// src/server.ts', '// ../shared/src/fast-args.ts', YARGS]) expect(loads.distText).not.toContain(module)
  })

  it.each([
    ['tcp-echo', ['tls', 'crypto', 'zlib', 'http']],
    ['udp-echo', ['tls', 'crypto', 'zlib', 'http', 'dns/promises']],
    // ws needs http and crypto; its client's https and tls and its compression's zlib load on first use.
    ['ws-echo', ['tls', 'https', 'zlib']],
  ] as const)('%s --port 0 until it listens: no yargs, no bench code', async (tool, absent) => {
    const loads = await traceLoads(tool, ['--port', '0'], true)
    expect(loads.distText).not.toContain(YARGS)
    expect(loads.distText).not.toMatch(/^\/\/ src\/bench(\/run|-cli)?\.ts$/m)
    for (const builtin of absent) expect(loads.builtins.has(builtin), builtin).toBe(false)
  })
})
