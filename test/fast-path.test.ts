/**
 * Each tool's real option table through both parsers: the yargs-free fast path must take the
 * command lines people type most (so they start without loading yargs) and return for them
 * exactly what yargs returns; lines it declines go to yargs. Runs in-process, no spawning.
 */
import { fastParse, type CliSpec } from '@netkit/shared'
import { createCliFromSpec } from '@netkit/shared/cli'
import { describe, expect, it } from 'vitest'
import { HTTP_GET_CLI } from '../packages/http-get/src/cli-spec.js'
import { TCP_ECHO_CLI } from '../packages/tcp-echo/src/cli-spec.js'
import { UDP_ECHO_CLI } from '../packages/udp-echo/src/cli-spec.js'

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
]

const forYargs: Array<[CliSpec, string[]]> = [
  [TCP_ECHO_CLI, ['-h']],
  [TCP_ECHO_CLI, ['bench']],
  [TCP_ECHO_CLI, ['--bogus']],
  [UDP_ECHO_CLI, ['--completion', 'bash']],
  [HTTP_GET_CLI, ['--help']],
  [HTTP_GET_CLI, ['-o', '-', URL]],
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
