/**
 * WebSocket peers for nc's WebSocket tests, each independent of nc's code: Python's `websockets`
 * (Debian's python3-websockets, run with /usr/bin/python3: the python3 on PATH may be a pyenv
 * without Debian's packages), our ws-echo, and a raw server that writes frames by hand so a test
 * can close with any code or without a close frame at all.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeWsFrame, spawnCli, WsFrameDecoder, type WsFrame, type WsFrameOptions } from '@netkit/test-kit'
import { onTestFinished } from 'vitest'

export const PYTHON = '/usr/bin/python3'
export const WS_ECHO_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../ws-echo/dist/cli.js')

/** Undefined when /usr/bin/python3 can import websockets, else why not (the tests print it). */
export function pythonWebsocketsMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`
  try {
    execFileSync(PYTHON, ['-c', 'import websockets'], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'python3-websockets is not installed (apt-get install python3-websockets)'
  }
}

/** Spawn a Python script; killed when the test finishes. Resolves with the child and its first stdout line. */
async function python(script: string, args: string[] = []): Promise<{ firstLine: string; output: () => string; exit: Promise<number> }> {
  const child = spawn(PYTHON, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  onTestFinished(() => {
    child.kill('SIGKILL')
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)))
  const deadline = Date.now() + 10_000
  while (!out.includes('\n')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`python peer did not start: ${err}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  return { firstLine: out.slice(0, out.indexOf('\n')), output: () => out, exit }
}

/**
 * A `websockets` 10.4 server on 127.0.0.1: first sends one text message describing the request
 * (path, X-Token header, chosen subprotocol), then echoes every message with its type
 * (text prefixed `echo: `).
 */
export async function pythonWsServer(): Promise<{ port: number }> {
  const script = `
import asyncio, websockets
async def handler(ws, path):
    await ws.send(f"path={path} token={ws.request_headers.get('X-Token')} proto={ws.subprotocol}")
    async for m in ws:
        await ws.send("echo: " + m if isinstance(m, str) else m)
async def main():
    async with websockets.serve(handler, "127.0.0.1", 0, subprotocols=["chat.v2", "chat.v1"], max_size=2**24) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
`
  const { firstLine } = await python(script)
  return { port: Number(firstLine) }
}

/** A `websockets` client: connects to `url`, prints the first message, sends `text`, closes with 1000. */
export async function pythonWsClient(url: string, text: string): Promise<{ output: () => string; exit: Promise<number> }> {
  const script = `
import asyncio, sys, websockets
async def main():
    print("started", flush=True)
    async with websockets.connect(sys.argv[1]) as ws:
        print(await ws.recv(), flush=True)
        await ws.send(sys.argv[2])
asyncio.run(main())
`
  const { output, exit } = await python(script, [url, text])
  return { output, exit }
}

/** Our ws-echo on 127.0.0.1, port 0; resolves with its port. */
export async function wsEcho(args: string[] = []): Promise<{ port: number }> {
  const server = spawnCli(WS_ECHO_CLI, ['--port', '0', ...args], { stdin: 'ignore' })
  const m = await server.waitStderr(/listening on \S+:(\d+)/)
  return { port: Number(m[1]) }
}

export interface RawWsConnection {
  socket: net.Socket
  /** The handshake request, as text. */
  request: string
  frames: WsFrame[]
  /** Send a frame from the server (unmasked). */
  send(options: Omit<WsFrameOptions, 'mask'>): void
  /** The first frame received (so far or later) that `match` accepts. */
  waitFrame(match: (frame: WsFrame) => boolean, ms?: number): Promise<WsFrame>
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/**
 * A WebSocket server written by hand: answers each handshake with 101 (or `status` when given,
 * as a plain HTTP response), then hands the connection to `serve`.
 */
export async function rawWsServer(serve: (conn: RawWsConnection) => void, status?: string): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = []
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    let head = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) return
      socket.off('data', onData)
      const request = head.subarray(0, end).toString()
      requests.push(request)
      if (status !== undefined) {
        socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot here\r\n`)
        return
      }
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(request)?.[1] ?? ''
      const accept = createHash('sha1').update(key + GUID).digest('base64')
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
      const decoder = new WsFrameDecoder()
      const conn: RawWsConnection = {
        socket,
        request,
        frames: decoder.push(head.subarray(end + 4)),
        send: (options) => socket.write(encodeWsFrame({ ...options, mask: false })),
        async waitFrame(match, ms = 5000) {
          const deadline = Date.now() + ms
          for (;;) {
            const found = conn.frames.find(match)
            if (found) return found
            if (Date.now() > deadline) throw new Error(`no matching frame within ${ms} ms (got ${conn.frames.length})`)
            await new Promise((r) => setTimeout(r, 10))
          }
        },
      }
      socket.on('data', (data: Buffer) => conn.frames.push(...decoder.push(data)))
      serve(conn)
    }
    socket.on('data', onData)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.close()
  })
  return { port: (server.address() as net.AddressInfo).port, requests }
}
