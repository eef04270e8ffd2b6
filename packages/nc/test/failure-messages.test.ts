/**
 * nc's one-line failure messages beside OpenBSD nc's, as a table: each row runs both programs
 * with the same arguments and compares stderr and the exit code with what the row expects. Where
 * we differ on purpose, the row says so (`openbsd` holds OpenBSD's outcome and `why` the reason);
 * otherwise both must print the same line. Name lookups are left out (no DNS in tests). Skipped,
 * with a notice, where OpenBSD nc is not installed (`.ci/run` installs it).
 */
import { once } from 'node:events'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { OPENBSD_NC, blackholePort, spawnNc } from './support/nc.js'

if (!OPENBSD_NC) console.warn('failure-messages: OpenBSD nc (nc.openbsd) is not installed; its column is SKIPPED (apt-get install netcat-openbsd)')

interface Outcome {
  code: number
  stderr: string
}

interface Row {
  name: string
  /** Arguments, and the text in stderr to replace by a placeholder (a port, a path). */
  setup: () => Promise<{ args: string[]; replace: Record<string, string> }>
  ours: Outcome
  /** OpenBSD's outcome when it differs from ours (null: not run, see why); absent: the same as ours. */
  openbsd?: Outcome | null
  why?: string
}

function scratch(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-fail-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}


async function busyPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.close()
  })
  return (server.address() as net.AddressInfo).port
}

const usage = (message: string): Outcome => ({ code: 2, stderr: `nc: ${message} (see 'nc --help')\n` })
const failure = (message: string): Outcome => ({ code: 1, stderr: message === '' ? '' : `nc: ${message}\n` })

const ROWS: Row[] = [
  {
    name: 'refused connect with -v',
    setup: async () => {
      const port = await freePort()
      return { args: ['-v', '127.0.0.1', String(port)], replace: { [String(port)]: 'PORT' } }
    },
    ours: failure('connect to 127.0.0.1 port PORT (tcp) failed: Connection refused'),
  },
  {
    name: 'refused connect without -v',
    setup: async () => {
      const port = await freePort()
      return { args: ['127.0.0.1', String(port)], replace: { [String(port)]: 'PORT' } }
    },
    ours: failure('connect to 127.0.0.1 port PORT (tcp) failed: Connection refused'),
    openbsd: failure(''),
    why: 'a failure always gets its one line here; OpenBSD nc prints connect failures (refused, timed out) only with -v',
  },
  {
    name: 'port in use on listen',
    setup: async () => {
      const port = await busyPort()
      return { args: ['-l', '127.0.0.1', String(port)], replace: {} }
    },
    ours: failure('Address already in use'),
  },
  {
    name: 'port number too large',
    setup: async () => ({ args: ['127.0.0.1', '70000'], replace: {} }),
    ours: usage('port number out of range: 70000 (use 1-65535)'),
    openbsd: failure('port number too large: 70000'),
    why: 'usage errors exit 2 and say the valid range',
  },
  {
    name: 'port number zero',
    setup: async () => ({ args: ['127.0.0.1', '0'], replace: {} }),
    ours: usage('port number out of range: 0 (use 1-65535)'),
    openbsd: failure('port number too small: 0'),
    why: 'usage errors exit 2 and say the valid range',
  },
  {
    name: 'port that is neither a number nor a service',
    setup: async () => ({ args: ['127.0.0.1', 'no-such-svc'], replace: {} }),
    ours: usage('unknown service name: no-such-svc'),
    openbsd: failure('port number invalid: no-such-svc'),
    why: 'usage errors exit 2; a word is looked up as a service name (/etc/services), so the message says that',
  },
  {
    name: 'connect timeout (-v -w 1, blackholed port)',
    setup: async () => {
      const port = await blackholePort()
      return { args: ['-v', '-w', '1', '127.0.0.1', String(port)], replace: { [String(port)]: 'PORT' } }
    },
    ours: failure('connect to 127.0.0.1 port PORT (tcp) timed out: Operation now in progress'),
  },
  {
    name: 'Unix socket path missing (connect)',
    setup: async () => {
      const sock = path.join(scratch(), 'none.sock')
      return { args: ['-U', sock], replace: { [sock]: 'SOCK' } }
    },
    ours: failure('SOCK: No such file or directory'),
  },
  {
    name: 'Unix socket directory missing (listen)',
    setup: async () => {
      const sock = path.join(scratch(), 'missing', 'app.sock')
      return { args: ['-lU', sock], replace: { [sock]: 'SOCK' } }
    },
    ours: failure('SOCK: No such file or directory'),
    openbsd: failure('No such file or directory'),
    why: 'the message names the path, as for a connect',
  },
  {
    name: 'Unix socket path is a regular file (listen)',
    setup: async () => {
      const file = path.join(scratch(), 'data.txt')
      writeFileSync(file, 'keep me\n')
      return { args: ['-lU', file], replace: { [file]: 'FILE' } }
    },
    ours: failure('FILE: is a regular file, not a socket'),
    openbsd: null,
    why: 'OpenBSD nc unlinks the file and listens in its place; we refuse and leave it',
  },
]

/** OpenBSD nc names itself `nc.openbsd` in messages: run it through a link named `nc`. */
function openbsdAsNc(): string {
  const link = path.join(scratch(), 'nc')
  symlinkSync(OPENBSD_NC!, link)
  return link
}

async function run(args: string[], replace: Record<string, string>, program?: string): Promise<Outcome> {
  const nc = spawnNc(args, { program, stdin: 'ignore' })
  const [code, stderr] = await Promise.all([nc.exit, nc.stderr])
  let text = stderr
  for (const [from, to] of Object.entries(replace)) text = text.replaceAll(from, to)
  return { code, stderr: text }
}

describe('failure messages: ours and OpenBSD nc', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const { args, replace } = await row.setup()
    expect(await run(args, replace)).toEqual(row.ours)
    if (!OPENBSD_NC || row.openbsd === null) return
    expect(await run(args, replace, openbsdAsNc())).toEqual(row.openbsd ?? row.ours)
  })
})
