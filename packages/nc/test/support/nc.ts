/**
 * Test support for the nc core: spawn the built CLI (or OpenBSD nc) and real loopback peers,
 * all cleaned up when the test finishes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { onTestFinished } from 'vitest'

export const NC_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js')

export interface Spawned {
  child: ChildProcess
  /** All of stdout, when the process ends. */
  stdout: Promise<Buffer>
  /** All of stderr as text, when the process ends. */
  stderr: Promise<string>
  /** Exit code (or 128+signal). */
  exit: Promise<number>
  /** Stderr so far. */
  stderrSoFar(): string
  /** Resolve with the first stderr match of `re` (rejects when the process ends first or after `ms`). */
  waitStderr(re: RegExp, ms?: number): Promise<RegExpMatchArray>
}

export interface SpawnOptions {
  /** 'pipe' (default): write and end it yourself; a Buffer: written then ended; 'ignore': /dev/null. */
  stdin?: 'pipe' | 'ignore' | Buffer
  /** Hash stdout instead of keeping it (large transfers): `stdout` resolves to the sha256 hex as a Buffer. */
  hashStdout?: boolean
  env?: NodeJS.ProcessEnv
  /** Program to run instead of our nc (OpenBSD nc for the compatibility test). */
  program?: string
  /**
   * Give a Buffer stdin as a file instead of a pipe. Node hands children socketpairs for
   * 'pipe', and OpenBSD nc does not see EOF on those as on a pipe (-q 0 then waits forever).
   */
  stdinAsFile?: boolean
  /** Send stdout to a file, read when the process ends (OpenBSD nc's -q misbehaves with a socketpair stdout). */
  stdoutAsFile?: boolean
}

/** Spawn `nc args` (our built CLI by default); killed at the end of the test if still running. */
export function spawnNc(args: string[], options: SpawnOptions = {}): Spawned {
  let stdinMode: 'ignore' | 'pipe' | number = options.stdin === 'ignore' ? 'ignore' : 'pipe'
  if (options.stdinAsFile && Buffer.isBuffer(options.stdin)) {
    const dir = mkdtempSync(path.join(tmpdir(), 'nc-stdin-'))
    const file = path.join(dir, 'stdin')
    writeFileSync(file, options.stdin)
    stdinMode = openSync(file, 'r')
    const fd = stdinMode
    onTestFinished(() => {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
    })
  }
  let stdoutFile: string | undefined
  let stdoutMode: 'pipe' | number = 'pipe'
  if (options.stdoutAsFile) {
    const dir = mkdtempSync(path.join(tmpdir(), 'nc-stdout-'))
    stdoutFile = path.join(dir, 'stdout')
    stdoutMode = openSync(stdoutFile, 'w')
    const fd = stdoutMode
    onTestFinished(() => {
      closeSync(fd)
      rmSync(dir, { recursive: true, force: true })
    })
  }
  const [cmd, argv] = options.program ? [options.program, args] : [process.execPath, [NC_CLI, ...args]]
  const child = spawn(cmd, argv, { stdio: [stdinMode, stdoutMode, 'pipe'], env: { ...process.env, NO_COLOR: '1', ...options.env } })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  if (Buffer.isBuffer(options.stdin) && typeof stdinMode !== 'number') child.stdin!.end(options.stdin)
  child.stdin?.on('error', () => {}) // nc may exit before reading all of it (-q 0, peer closed)
  let err = ''
  const waiters: Array<() => void> = []
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString()
    for (const w of waiters.splice(0)) w()
  })
  let stdout: Promise<Buffer>
  if (stdoutFile !== undefined) {
    const file = stdoutFile
    stdout = new Promise((resolve) => child.on('close', () => resolve(readFileSync(file))))
  } else if (options.hashStdout) {
    const hash = createHash('sha256')
    child.stdout!.on('data', (c: Buffer) => hash.update(c))
    stdout = once(child.stdout!, 'end').then(() => Buffer.from(hash.digest('hex')))
  } else {
    const chunks: Buffer[] = []
    child.stdout!.on('data', (c: Buffer) => chunks.push(c))
    stdout = once(child.stdout!, 'end').then(() => Buffer.concat(chunks))
  }
  const exit = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w()
      resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 2))
    })
  })
  const stderr = exit.then(() => err)
  const waitStderr = (re: RegExp, ms = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} on stderr; got: ${err}`)), ms)
      const check = () => {
        const m = err.match(re)
        if (m) {
          clearTimeout(timer)
          resolve(m)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer)
          reject(new Error(`process ended before ${re} appeared on stderr; got: ${err}`))
        } else {
          waiters.push(check)
        }
      }
      check()
    })
  return { child, stdout, stderr, exit, stderrSoFar: () => err, waitStderr }
}

/** Spawn `nc -l ... 0` with -v and wait for `Listening on ADDR PORT`; returns the port. */
export async function spawnListener(args: string[], options: SpawnOptions = {}): Promise<Spawned & { port: number }> {
  const nc = spawnNc(args, options)
  const m = await nc.waitStderr(/Listening on \S+ (\d+)/)
  return Object.assign(nc, { port: Number(m[1]) })
}

/** A TCP server on 127.0.0.1:0, closed at the end of the test. */
export async function tcpServer(handler: (socket: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    handler(s)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return { server, port: (server.address() as net.AddressInfo).port }
}

/** Connect to 127.0.0.1:port, retrying briefly while the listener starts; destroyed at the end of the test. */
export async function connectTo(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      const socket = net.connect({ port, host, allowHalfOpen: true })
      await once(socket, 'connect')
      onTestFinished(() => {
        socket.destroy()
      })
      return socket
    } catch (err) {
      if (attempt >= 50) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** Read a socket to its end; with `hash`, return the sha256 hex instead of the bytes. */
export async function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  await once(socket, 'end')
  return Buffer.concat(chunks)
}

export async function hashAll(socket: net.Socket): Promise<string> {
  const hash = createHash('sha256')
  socket.on('data', (c: Buffer) => hash.update(c))
  await once(socket, 'end')
  return hash.digest('hex')
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** Resolve once `socket` has received `text` (bounded by the test timeout). */
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

/** Resolve with everything read from `stream` once it contains `text` (for stdout of a running child). */
export function readUntil(stream: NodeJS.ReadableStream, text: string): Promise<string> {
  let got = ''
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      got += c.toString('latin1')
      if (got.includes(text)) {
        stream.off('data', onData)
        resolve(got)
      }
    }
    stream.on('data', onData)
    // 'close' too: a socket destroyed by an error never emits 'end'.
    for (const event of ['end', 'close']) stream.once(event, () => reject(new Error(`${event} before ${JSON.stringify(text)}; got ${JSON.stringify(got)}`)))
  })
}

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

/** Resolve true if the peer sees EOF within `ms`, false otherwise. */
export function sawEofWithin(peer: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (peer.readableEnded) return resolve(true)
    const timer = setTimeout(() => {
      peer.off('end', onEnd)
      resolve(false)
    }, ms)
    const onEnd = () => {
      clearTimeout(timer)
      resolve(true)
    }
    peer.once('end', onEnd)
  })
}

/** Write `files` (name -> text) into a temporary directory removed after the test; returns their paths. */
export function tempFiles(files: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nc-files-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const paths: Record<string, string> = {}
  for (const [name, text] of Object.entries(files)) {
    paths[name] = path.join(dir, name)
    writeFileSync(paths[name]!, text)
  }
  return paths
}
