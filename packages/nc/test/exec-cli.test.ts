/** -e/-c from the built CLI: one child per connection, environment, reaping, no leaked listen socket. */
import { once } from 'node:events'
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import type net from 'node:net'
import { describe, expect, it } from 'vitest'
import { connectTo, readAll, spawnListener, spawnNc, tcpServer, waitFor } from './support/nc.js'

/** Alive and not a zombie. */
function processAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The socket inodes a process holds open. */
function socketInodes(pid: number): string[] {
  const out: string[] = []
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`)
      if (link.startsWith('socket:')) out.push(link)
    } catch {
      // closed meanwhile
    }
  }
  return out
}

/** The inode of the TCP socket listening on 127.0.0.1:port. */
function listeningInode(port: number): string {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === `0100007F:${hex}` && f[3] === '0A')
  if (!row) throw new Error(`no listener on port ${port}`)
  return `socket:[${row[9]}]`
}

describe('nc -e / -c', () => {
  it('-lk -c serves five concurrent clients, each with its own child; none outlives nc', async () => {
    const nc = await spawnListener(['-lkv', '-c', 'echo "$$ $NETKIT_PROTO $NETKIT_REMOTE_ADDR $NETKIT_LOCAL_PORT"; exec cat', '127.0.0.1', '0'], { stdin: 'ignore' })
    const listenInode = listeningInode(nc.port)
    const clients: net.Socket[] = []
    const pids: number[] = []
    for (let i = 0; i < 5; i++) {
      const socket = await connectTo(nc.port)
      clients.push(socket)
    }
    // All five connected at once: each child greets with its pid, then echoes.
    for (const [i, socket] of clients.entries()) {
      const greeting = await waitFor(socket, '\n')
      const [pid, proto, remote, localPort] = greeting.trim().split(' ')
      expect([proto, remote, localPort]).toEqual(['TCP', '127.0.0.1', String(nc.port)])
      pids.push(Number(pid))
      const echoed = waitFor(socket, `client ${i}\n`)
      socket.write(`client ${i}\n`)
      await echoed
    }
    expect(new Set(pids).size).toBe(5)
    for (const pid of pids) expect(processAlive(pid)).toBe(true)
    // No child holds the listening socket.
    for (const pid of pids) expect(socketInodes(pid)).not.toContain(listenInode)
    // One client leaves: its child is reaped while the others keep running.
    clients[0]!.end()
    await until(() => !processAlive(pids[0]!))
    for (const pid of pids.slice(1)) expect(processAlive(pid)).toBe(true)
    // nc ends: every child goes with it, and the port is free.
    nc.child.kill('SIGTERM')
    await nc.exit
    await until(() => pids.every((pid) => !processAlive(pid)), 5000)
    for (const socket of clients.slice(1)) {
      if (!socket.readableEnded) await Promise.race([once(socket, 'end'), once(socket, 'close')])
    }
  })

  it('a child that ignores SIGTERM is killed when nc exits', async () => {
    const nc = await spawnListener(['-lkv', '-c', "trap '' TERM; echo $$; while :; do sleep 1; done", '127.0.0.1', '0'], { stdin: 'ignore' })
    const client = await connectTo(nc.port)
    const pid = Number((await waitFor(client, '\n')).trim())
    expect(processAlive(pid)).toBe(true)
    nc.child.kill('SIGINT')
    await nc.exit
    await until(() => !processAlive(pid), 8000)
  })

  it('-e runs a program without a shell, in connect mode, and the child may answer after the peer half-closes', async () => {
    let peerDone!: Promise<Buffer>
    const { port } = await tcpServer((s) => {
      peerDone = readAll(s)
      s.end('pear\napple\nfig\n')
    })
    const nc = spawnNc(['-e', 'sort -r', '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    expect((await peerDone).toString()).toBe('pear\nfig\napple\n')
  })

  it('-l -e: one connection, the environment names both ends, exits with the child', async () => {
    const nc = await spawnListener(['-lv', '-e', 'sh -c "echo $NETKIT_REMOTE_ADDR:$NETKIT_REMOTE_PORT $NETKIT_LOCAL_ADDR:$NETKIT_LOCAL_PORT"', '127.0.0.1', '0'], { stdin: 'ignore' })
    const client = await connectTo(nc.port)
    const text = (await readAll(client)).toString()
    expect(text).toBe(`127.0.0.1:${client.localPort} 127.0.0.1:${nc.port}\n`)
    expect(await nc.exit).toBe(0)
  })

  it.each([
    [['-l', '-e', 'no-such-program-xyz', '0'], '-e: no-such-program-xyz: no such executable program'],
    [['-l', '-e', 'cat', '-c', 'cat', '0'], 'cannot use -e and -c together'],
    [['-l', '--broker', '-c', 'cat', '0'], 'cannot use -e/-c with --broker'],
  ])('usage error: nc %j', async (args, message) => {
    const nc = spawnNc(args, { stdin: 'ignore' })
    expect(await nc.exit).toBe(2)
    expect(await nc.stderr).toBe(`nc: ${message} (see 'nc --help')\n`)
  })
})
