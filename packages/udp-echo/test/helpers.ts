import type { ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli as runCliToEnd, spawnCli as spawnTestCli, waitFor } from '@netkit/test-kit'
import { onTestFinished } from 'vitest'

export { waitFor }

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js')

/** A client socket that collects what comes back, closed when the test ends. */
export async function udpClient(family: 4 | 6 = 4) {
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4')
  socket.bind(0, family === 6 ? '::1' : '127.0.0.1')
  await once(socket, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())))
  const inbox: Buffer[] = []
  let waiter: (() => void) | undefined
  socket.on('message', (msg) => {
    inbox.push(msg)
    waiter?.()
  })
  return {
    socket,
    inbox,
    send(data: Uint8Array, port: number, host: string): Promise<void> {
      return new Promise((resolve, reject) => socket.send(data, port, host, (err) => (err ? reject(err) : resolve())))
    },
    /** The next datagram, or undefined after `ms` (UDP may lose it; callers decide). */
    async next(ms = 3000): Promise<Buffer | undefined> {
      const deadline = Date.now() + ms
      while (inbox.length === 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()))
          waiter = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        waiter = undefined
      }
      return inbox.shift()
    },
  }
}

export interface RunningCli {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code (or 128+n for a signal). */
  exited: Promise<number>
}

/** Spawn the built CLI; killed when the test ends if it is still running. */
export function spawnCli(args: string[]): RunningCli {
  const run = spawnTestCli(CLI, args)
  // test-kit keeps stdout as latin1 (byte for byte); the JSON events are UTF-8.
  return { child: run.child, stdout: () => Buffer.from(run.stdoutSoFar(), 'latin1').toString('utf8'), stderr: run.stderrSoFar, exited: run.exit }
}

/** Run the CLI to completion (bounded by `ms`). */
export async function runCli(args: string[], ms = 15_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runCliToEnd(CLI, args, { stdin: 'pipe', ms })
  return { code, stdout: stdout.toString('utf8'), stderr }
}

/** JSON lines printed so far on stdout. */
export function jsonEvents(text: string): Array<Record<string, unknown> & { event: string }> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown> & { event: string })
}

/** Start the server CLI with --json and wait for its listening event. */
export async function startServerCli(args: string[]): Promise<RunningCli & { port: number; host: string }> {
  const run = spawnCli(['--json', ...args])
  const ok = await waitFor(() => run.stdout().includes('"listening"') || run.child.exitCode !== null, 10_000)
  if (!ok || !run.stdout().includes('"listening"')) throw new Error(`server did not start: ${run.stderr()}`)
  const listening = jsonEvents(run.stdout()).find((e) => e.event === 'listening')!
  return { ...run, port: listening.port as number, host: listening.host as string }
}

/** A UDP server on 127.0.0.1 that echoes with `transform` applied (a faulty echo server for the tester). */
export async function startFaultyServer(transform: (msg: Buffer, count: number) => Buffer | undefined) {
  const socket = dgram.createSocket('udp4')
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())))
  let count = 0
  socket.on('message', (msg, rinfo) => {
    const reply = transform(msg, ++count)
    if (reply) socket.send(reply, rinfo.port, rinfo.address)
  })
  return { port: socket.address().port }
}
