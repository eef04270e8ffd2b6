import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { createTcpEchoServer, type TcpEchoEvent, type TcpEchoServer, type TcpEchoServerOptions } from '../src/index.js'

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js')

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

/** A library server on port 0, closed (without grace) when the test ends; its events are kept. */
export async function startServer(options: TcpEchoServerOptions = {}): Promise<{ server: TcpEchoServer; events: TcpEchoEvent[] }> {
  const events: TcpEchoEvent[] = []
  const server = await createTcpEchoServer({
    host: '127.0.0.1',
    port: 0,
    ...options,
    onEvent: (e) => {
      events.push(e)
      options.onEvent?.(e)
    },
  })
  onTestFinished(() => server.close(0).then(() => undefined))
  return { server, events }
}

/** A connected client socket, destroyed when the test ends. */
export async function client(port: number, host = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ host, port, allowHalfOpen: true })
  onTestFinished(() => {
    socket.destroy()
  })
  await once(socket, 'connect')
  return socket
}

/** Everything the socket receives until EOF (or `ms`, then rejects). */
export function readAll(socket: Socket, ms = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const timer = setTimeout(() => reject(new Error(`no EOF within ${ms} ms (${Buffer.concat(chunks).length} bytes read)`)), ms)
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.once('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    socket.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

/** Send `payload` in random-sized writes, half-close, and return what came back. */
export async function echo(port: number, payload: Buffer, host = '127.0.0.1'): Promise<Buffer> {
  const socket = await client(port, host)
  const received = readAll(socket)
  let offset = 0
  for (let i = 0; offset < payload.length && i < 100_000; i++) {
    const n = Math.min(payload.length - offset, 1 + Math.floor(Math.random() * 70_000))
    if (!socket.write(payload.subarray(offset, offset + n))) await once(socket, 'drain')
    offset += n
  }
  socket.end()
  return received
}

export const random = (n: number): Buffer => randomBytes(n)

/** Poll `predicate` every 20 ms for at most `ms`; returns its last answer. */
export async function waitFor(predicate: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface RunningCli {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** The exit code, or 128 + signal number; rejects after `ms`. */
  exit(ms?: number): Promise<number>
}

/** Spawn the built CLI; killed when the test ends. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 2)))
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit: (ms = 15_000) =>
      Promise.race([
        exited,
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`CLI still running after ${ms} ms; stderr: ${err}`)), ms)),
      ]),
  }
}

/** Start the CLI server on port 0 and wait for its `listening on host:port` line. */
export async function startCli(args: string[] = [], host = '127.0.0.1'): Promise<RunningCli & { port: number }> {
  const cli = runCli(['--host', host, '--port', '0', ...args])
  const json = args.includes('--json')
  const ok = await waitFor(() => (json ? /"event":"listening"/.test(cli.stdout()) : /listening on /.test(cli.stderr())) || cli.child.exitCode !== null, 10_000)
  if (!ok) throw new Error(`CLI did not start: ${cli.stderr()}`)
  const match = json ? /"port":(\d+)/.exec(cli.stdout()) : /listening on \S+:(\d+)/.exec(cli.stderr())
  if (!match) throw new Error(`CLI did not start: ${cli.stderr()}`)
  return { ...cli, port: Number(match[1]) }
}
