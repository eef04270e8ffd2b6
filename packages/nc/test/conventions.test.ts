/**
 * The kit's CLI conventions, checked on nc: -h/--help, --version, examples, the missing-argument
 * wording, `--completion bash` (never shadowing a host named `completion`), NO_COLOR in a
 * pseudo-terminal, and a closed stderr that does not change the exit code.
 */
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { bashCompletions, runInPty } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { NC_CLI, spawnNc } from './support/nc.js'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

async function run(args: string[], options: Parameters<typeof spawnNc>[1] = {}) {
  const nc = spawnNc(args, { stdin: 'ignore', ...options })
  const [code, stdout, stderr] = await Promise.all([nc.exit, nc.stdout, nc.stderr])
  return { code, stdout: stdout.toString(), stderr }
}

/** A loopback port where nothing listens (connects are refused). */
async function refusedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const { port } = server.address() as net.AddressInfo
  await new Promise((r) => server.close(r))
  return port
}

describe('nc follows the kit conventions', () => {
  it.each([['-h'], ['--help']])('%s: usage, options and copy-pastable examples on stdout, exit 0', async (flag) => {
    const { code, stdout, stderr } = await run([flag])
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(stdout).toMatch(/^nc \[options\] \[host\] \[port\]/m)
    expect(stdout).toContain('Examples:')
    expect(stdout).toMatch(/^ {2}nc -l 1234$/m)
    expect(stdout).toContain('--completion')
  })

  it('--version prints the package version', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })

  it.each([
    [[], 'missing HOST and PORT: use `nc HOST PORT`'],
    [['127.0.0.1'], 'missing PORT: use `nc HOST PORT`'],
    [['completion'], 'missing PORT: use `nc HOST PORT`'],
    [['-z'], 'missing HOST and PORT: use `nc -z HOST PORT...`'],
    [['-lU'], 'missing PATH: use `nc -lU PATH`'],
    [['-z', '127.0.0.1'], 'missing PORT: use `nc -z HOST PORT...`'],
    [['-U'], 'missing PATH: use `nc -U PATH`'],
  ])('missing arguments in the kit wording: nc %j', async (args, message) => {
    expect(await run(args)).toEqual({ code: 2, stdout: '', stderr: `nc: ${message} (see 'nc --help')\n` })
  })

  it('--completion bash prints a script; `completion` as a word stays a host', async () => {
    const { code, stdout } = await run(['--completion', 'bash'])
    expect(code).toBe(0)
    expect(stdout).toContain('###-begin-nc-completions-###')
    // A host named completion is a destination (refused as a name with -n, without any DNS lookup).
    const host = await run(['-n', 'completion', '80'])
    expect(host).toEqual({ code: 2, stdout: '', stderr: `nc: -n given but "completion" is not a numeric address (see 'nc --help')\n` })
    expect((await run(['--completion', 'tcsh'])).code).toBe(2)
  })

  it('bash completes nc options from the option table', async () => {
    const words = await bashCompletions(NC_CLI, 'nc', ['--ssl-c'])
    expect(words).toContain('--ssl-cert')
    expect(await bashCompletions(NC_CLI, 'nc', ['--bro'])).toContain('--broker')
  })

  it('NO_COLOR on a terminal: no escape sequence reaches it', async () => {
    const port = await refusedPort()
    const plain = await runInPty(NC_CLI, ['-v', '127.0.0.1', String(port)], { env: { NO_COLOR: '1' } })
    expect(plain.code).toBe(1)
    expect(plain.output).toContain('Connection refused')
    expect(plain.output).not.toMatch(/\x1b\[/)
    // The same on a terminal without NO_COLOR is coloured, so the check above can fail.
    const coloured = await runInPty(NC_CLI, ['-v', '127.0.0.1', String(port)])
    expect(coloured.output).toMatch(/\x1b\[/)
  })

  it('a closed stderr keeps the documented exit codes (2 usage, 1 failure, 0 ok)', async () => {
    expect((await run(['--frobnicate'], { closedStderr: true })).code).toBe(2)
    expect((await run(['127.0.0.1', String(await refusedPort())], { closedStderr: true })).code).toBe(1)
    expect((await run(['--version'], { closedStderr: true })).code).toBe(0)
  })
})
