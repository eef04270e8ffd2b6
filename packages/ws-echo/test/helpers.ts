import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { spawnCli, type SpawnedCli } from '@netkit/test-kit'
import { createWsEchoServer, type WsEchoServer, type WsEchoServerOptions } from '../src/index.js'
import type { WsEchoEvent } from '../src/events.js'

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

/** An in-process server on a free port, closed (grace 0) when the test finishes; events are kept. */
export async function startServer(options: WsEchoServerOptions = {}): Promise<{ server: WsEchoServer; port: number; events: WsEchoEvent[] }> {
  const events: WsEchoEvent[] = []
  const server = await createWsEchoServer({ port: 0, pingInterval: 0, ...options, onEvent: (e) => events.push(e) })
  onTestFinished(async () => {
    await server.close(0)
  })
  return { server, port: server.address.port, events }
}

/** Spawn the built CLI on a free port and wait for its `listening on` line. */
export async function startCli(args: string[] = []): Promise<{ cli: SpawnedCli; port: number }> {
  const cli = spawnCli(CLI, ['--port', '0', ...args])
  const json = args.includes('--json')
  const m = json ? await cli.waitStdout(/"event":"listening".*?"port":(\d+)/) : await cli.waitStderr(/listening on 127\.0\.0\.1:(\d+)/)
  return { cli, port: Number(m[1]) }
}

/** The Python interpreter with the `websockets` library, or undefined (tests say they are skipped). */
export const PYTHON = '/usr/bin/python3'
export const pythonWebsockets: string | undefined = (() => {
  if (!existsSync(PYTHON)) return undefined
  try {
    return execFileSync(PYTHON, ['-c', 'import websockets; print(websockets.__version__)'], { encoding: 'utf8' }).trim()
  } catch {
    return undefined
  }
})()
if (!pythonWebsockets) process.stderr.write('ws-echo tests: python3-websockets is not installed; the interop tests are skipped\n')

/** Run a Python script (with `websockets` imported); resolves with stdout, rejects with stderr on failure. */
export function runPython(script: string, args: string[] = [], ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`python exited ${code}: ${err}`))
    })
  })
}
