import { describe, expect, it } from 'vitest'
import { spawnNc } from './support/nc.js'

/** One line on stderr, `nc: ...`, exit 2, nothing on stdout. */
async function expectUsageError(args: string[], pattern: RegExp) {
  const nc = spawnNc(args, { stdin: 'ignore' })
  const [code, stderr, stdout] = await Promise.all([nc.exit, nc.stderr, nc.stdout])
  expect(code).toBe(2)
  expect(stdout.length).toBe(0)
  const lines = stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^nc: /)
  expect(lines[0]).toMatch(pattern)
}

describe('usage errors: one line, exit 2', () => {
  it('rejects a port out of range', () => expectUsageError(['127.0.0.1', '70000'], /port number out of range: 70000/))
  it('rejects a port that is not a number or service', () => expectUsageError(['127.0.0.1', 'no-such-svc'], /unknown service name: no-such-svc/))
  it('rejects a bad port in a scan range', () => expectUsageError(['-z', '127.0.0.1', '20-99999'], /out of range: 99999/))
  it('rejects an unknown option', () => expectUsageError(['--frobnicate', '127.0.0.1', '80'], /Unknown argument: frobnicate/))
  it('rejects an unknown short option', () => expectUsageError(['-Y', '127.0.0.1', '80'], /Unknown argument: Y/))
  it('rejects a second port after -l -p (not a host named 81)', () => expectUsageError(['-l', '-p', '80', '81'], /port given twice: -p 80 and 81/))
  it('rejects -l with -z', () => expectUsageError(['-l', '-z', '1234'], /cannot use -z and -l/))
  it('rejects a missing port', () => expectUsageError(['127.0.0.1'], /missing PORT: use `nc HOST PORT`/))
  it('rejects -k without -l', () => expectUsageError(['-k', '127.0.0.1', '80'], /must use -l with -k/))
  it('rejects a bad -w', () => expectUsageError(['-w', 'soon', '127.0.0.1', '80'], /invalid -w timeout: "soon"/))
  it('rejects -uU (Node has no Unix datagram sockets)', () => expectUsageError(['-uU', '/tmp/x.sock'], /unix datagram sockets \(-uU\) are not supported/))
  it('rejects -n with a name', () => expectUsageError(['-n', 'localhost', '80'], /-n given but "localhost" is not a numeric address/))
  it('rejects -4 with an IPv6 address and -6 with an IPv4 one', async () => {
    await expectUsageError(['-4', '::1', '80'], /-4 given but "::1" is an IPv6 address/)
    await expectUsageError(['-6', '-z', '127.0.0.1', '80'], /-6 given but "127.0.0.1" is an IPv4 address/)
    await expectUsageError(['-6', '-l', '127.0.0.1', '0'], /-6 given but "127.0.0.1" is an IPv4 address/)
  })
  it('rejects an unknown --frame', () => expectUsageError(['--frame', 'xml', '127.0.0.1', '80'], /--frame must be one of lines, lp32, varint/))
})

describe('help and version', () => {
  it('prints the version', async () => {
    const nc = spawnNc(['--version'], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toMatch(/^\d+\.\d+\.\d+/)
  })
  it('prints help with every core option', async () => {
    const nc = spawnNc(['-h'], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    const text = (await nc.stdout).toString()
    for (const opt of ['-4', '-6', '-C', '-d', '-i', '-k', '-l', '-N', '-n', '-p', '-q', '-s', '-U', '-u', '-w', '-z', '-o', '--concurrency', '--json', '--frame', '--hex-dump', '--stats']) {
      expect(text).toContain(opt)
    }
  })
})
