/**
 * Test support for the nc core: the generic helpers come from @netkit/test-kit; what is here is
 * nc's own (spawning our built CLI or OpenBSD nc, a listener that prints its port, a peer session
 * in either role, a port where connects hang).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectTo, readUntil, spawnCli, tcpServer, type SpawnCliOptions, type SpawnedCli } from '@netkit/test-kit'
import { onTestFinished } from 'vitest'

export { connectTo, hashAll, readAll, readUntil, sawEofWithin, sha256, tcpServer, tempFiles } from '@netkit/test-kit'

export const NC_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js')

export type Spawned = SpawnedCli
export type SpawnOptions = SpawnCliOptions

/** Spawn `nc args` (our built CLI, or `options.program` such as OpenBSD nc); killed at the end of the test if still running. */
export function spawnNc(args: string[], options: SpawnOptions = {}): Spawned {
  return spawnCli(NC_CLI, args, options)
}

/** Spawn `nc -l ... 0` with -v and wait for `Listening on ADDR PORT`; returns the port. */
export async function spawnListener(args: string[], options: SpawnOptions = {}): Promise<Spawned & { port: number }> {
  const nc = spawnNc(args, options)
  const m = await nc.waitStderr(/Listening on \S+ (\d+)/)
  return Object.assign(nc, { port: Number(m[1]) })
}

/** Resolve once `socket` has received `text` (bounded in time). */
export function waitFor(socket: net.Socket, text: string): Promise<string> {
  return readUntil(socket, text)
}

/**
 * A port where connects hang: a listener (in a child process we SIGSTOP, so it never accepts)
 * with backlog 1, its queue filled by a few connections; Linux then drops further SYNs, so a
 * connect neither succeeds nor fails.
 */
export async function blackholePort(): Promise<number> {
  const child = spawn(
    process.execPath,
    ['-e', "const s=require('net').createServer(()=>{}).listen({host:'127.0.0.1',port:0,backlog:1},()=>console.log(s.address().port))"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  onTestFinished(() => {
    child.kill('SIGKILL')
  })
  const [line] = (await once(child.stdout!, 'data')) as [Buffer]
  const port = Number(String(line).trim())
  child.kill('SIGSTOP')
  const fillers: net.Socket[] = []
  for (let i = 0; i < 4; i++) {
    const s = net.connect(port, '127.0.0.1')
    s.on('error', () => {})
    fillers.push(s)
  }
  await new Promise((r) => setTimeout(r, 300))
  onTestFinished(() => {
    for (const s of fillers) s.destroy()
  })
  return port
}

/** OpenBSD netcat, when installed. */
export const OPENBSD_NC = ['/bin/nc.openbsd', '/usr/bin/nc.openbsd'].find((p) => existsSync(p))

export type Role = 'connect' | 'listen'

/** Start nc in `role` with `flags` against a plain `net` peer, and hand back both. */
export async function peerSession(role: Role, flags: string[], spawnOptions: SpawnOptions = {}): Promise<{ nc: Spawned; peer: net.Socket }> {
  if (role === 'connect') {
    let resolvePeer!: (s: net.Socket) => void
    const peerP = new Promise<net.Socket>((r) => (resolvePeer = r))
    const { port } = await tcpServer((s) => resolvePeer(s))
    const nc = spawnNc([...flags, '127.0.0.1', String(port)], spawnOptions)
    return { nc, peer: await peerP }
  }
  const nc = await spawnListener(['-lv', ...flags, '127.0.0.1', '0'], spawnOptions)
  return { nc, peer: await connectTo(nc.port) }
}
