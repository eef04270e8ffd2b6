/** -z scans over lists and ranges against real listeners: exact output and exit codes. */
import { once } from 'node:events'
import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { blackholePort, spawnNc } from './support/nc.js'

/**
 * `count` consecutive ports where `open` of them listen and the rest are closed (a listener
 * opened and closed again). Retries when a neighbour port is taken by someone else.
 */
async function portBlock(count: number, open: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000)
    const servers: net.Server[] = []
    let ok = true
    for (let i = 0; i < count && ok; i++) {
      const server = net.createServer((s) => s.destroy())
      try {
        server.listen(base + i, '127.0.0.1')
        await once(server, 'listening')
        servers.push(server)
      } catch {
        ok = false
      }
    }
    for (const [i, server] of servers.entries()) {
      if (!ok || !open.includes(i)) {
        server.close()
        await once(server, 'close')
      }
    }
    if (ok) {
      onTestFinished(() => {
        for (const [i, s] of servers.entries()) if (open.includes(i)) s.close()
      })
      return base
    }
  }
  throw new Error('no free block of ports')
}

describe('-z', () => {
  it('scans a range with some ports open: -v lines in port order, exit 0', async () => {
    const base = await portBlock(6, [1, 4])
    const nc = spawnNc(['-zv', '127.0.0.1', `${base}-${base + 5}`], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).length).toBe(0)
    const lines = (await nc.stderr).trimEnd().split('\n')
    expect(lines).toEqual([0, 1, 2, 3, 4, 5].map((i) =>
      [1, 4].includes(i)
        ? `Connection to 127.0.0.1 ${base + i} port [tcp/*] succeeded!`
        : `nc: connect to 127.0.0.1 port ${base + i} (tcp) failed: Connection refused`,
    ))
  })

  it('takes lists, ranges and several arguments; silent without -v', async () => {
    const base = await portBlock(10, [2, 7])
    const nc = spawnNc(['-z', '127.0.0.1', `${base}-${base + 3}`, String(base + 9), `${base + 5},${base + 7}-${base + 8}`], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    expect(await nc.stderr).toBe('')
  })

  it('exits 1 when no port is open', async () => {
    const base = await portBlock(5, [])
    const nc = spawnNc(['-z', '127.0.0.1', `${base}-${base + 4}`], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe('')
  })

  it('--json prints one object per port on stdout, in order', async () => {
    const base = await portBlock(4, [0, 3])
    const nc = spawnNc(['-z', '--json', '127.0.0.1', `${base}-${base + 3}`], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    const records = (await nc.stdout).toString().trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(records.map((r) => [r.port, r.state])).toEqual([
      [base, 'open'],
      [base + 1, 'closed'],
      [base + 2, 'closed'],
      [base + 3, 'open'],
    ])
    expect(records[1]).toEqual({
      host: '127.0.0.1',
      address: '127.0.0.1',
      port: base + 1,
      protocol: 'tcp',
      state: 'closed',
      error: `connect to 127.0.0.1 port ${base + 1} (tcp) failed: Connection refused`,
    })
  })

  it('names the service and the resolved address like OpenBSD nc', async () => {
    const base = await portBlock(1, [0])
    const nc = spawnNc(['-zv', 'localhost', String(base)], { stdin: 'ignore', env: {} })
    expect(await nc.exit).toBe(0)
    expect(await nc.stderr).toMatch(new RegExp(`^Connection to localhost \\((127\\.0\\.0\\.1|::1)\\) ${base} port \\[tcp/\\*\\] succeeded!\\n$`))
  })

  it('takes a hyphenated service name as one port, not a range (http-alt is 8080)', async () => {
    const nc = spawnNc(['-z', '--json', '127.0.0.1', 'http-alt,1'], { stdin: 'ignore' })
    await nc.exit
    expect(await nc.stderr).toBe('')
    const ports = (await nc.stdout).toString().trimEnd().split('\n').map((l) => JSON.parse(l).port)
    expect(ports).toEqual([1, 8080])
  })

  it('-w bounds each probe: a blackholed port is reported as timed out', async () => {
    const port = await blackholePort()
    const nc = spawnNc(['-zv', '-w', '1', '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe(`nc: connect to 127.0.0.1 port ${port} (tcp) timed out: Operation now in progress\n`)
  })

  it('-zu: a bound UDP port is open, one answering with port-unreachable is closed', async () => {
    const dgram = await import('node:dgram')
    const socket = dgram.createSocket('udp4')
    socket.bind(0, '127.0.0.1')
    await once(socket, 'listening')
    const open = socket.address().port
    const closedSocket = dgram.createSocket('udp4')
    closedSocket.bind(0, '127.0.0.1')
    await once(closedSocket, 'listening')
    const closed = closedSocket.address().port
    closedSocket.close()
    onTestFinished(() => {
      socket.close()
    })
    const nc = spawnNc(['-zu', '--json', '-w', '1', '127.0.0.1', String(open), String(closed)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    const states = Object.fromEntries((await nc.stdout).toString().trimEnd().split('\n').map((l) => JSON.parse(l)).map((r) => [r.port, r.state]))
    expect(states).toEqual({ [open]: 'open', [closed]: 'closed' })
  })

  it('scans 3,000 closed ports with bounded concurrency and reports them all in order', async () => {
    const nc = spawnNc(['-zv', '--concurrency', '64', '127.0.0.1', '61000-63999'], { stdin: 'ignore' })
    const code = await nc.exit
    const lines = (await nc.stderr).trimEnd().split('\n')
    expect(lines).toHaveLength(3000)
    const ports = lines.map((l) => Number(/port (\d+)/.exec(l.replace(/^Connection to \S+ (\d+) port/, 'port $1'))![1]))
    expect(ports).toEqual(Array.from({ length: 3000 }, (_, i) => 61000 + i))
    expect(code).toBe(lines.some((l) => l.endsWith('succeeded!')) ? 0 : 1)
  })
})
