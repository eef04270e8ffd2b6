import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectTo, readAll, sha256, sleep, spawnCli, waitFor, withTimeout } from '@netkit/test-kit'
import { onTestFinished } from 'vitest'
import { createTcpEchoServer, type TcpEchoEvent, type TcpEchoServer, type TcpEchoServerOptions } from '../src/index.js'

export { readAll, sha256, sleep, waitFor }

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js')

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

/** A connected client socket (half-open allowed), destroyed when the test ends. */
export function client(port: number, host = '127.0.0.1'): Promise<Socket> {
  return connectTo(port, host)
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

export interface RunningCli {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** The exit code, or 128 + signal number; rejects after `ms`. */
  exit(ms?: number): Promise<number>
}

/** Spawn the built CLI (stdin closed); killed when the test ends. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const run = spawnCli(CLI, args, { stdin: 'ignore', env })
  return {
    child: run.child,
    // test-kit keeps stdout as latin1 (byte for byte); ours is UTF-8 text.
    stdout: () => Buffer.from(run.stdoutSoFar(), 'latin1').toString('utf8'),
    stderr: run.stderrSoFar,
    exit: (ms = 15_000) => withTimeout(run.exit, ms, `tcp-echo ${args.join(' ')} (stderr: ${run.stderrSoFar()})`),
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
