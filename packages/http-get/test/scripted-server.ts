import { once } from 'node:events'
import net from 'node:net'
import tls from 'node:tls'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli as runBuiltCli, type CliResult } from '@netkit/test-kit'
import { onTestFinished } from 'vitest'

/** One request as the server read it: the raw head bytes, and which connection carried it. */
export interface ReceivedRequest {
  raw: string
  method: string
  target: string
  headers: Map<string, string>
  connection: number
}

export interface Responder {
  (socket: net.Socket, request: ReceivedRequest): void
}

export interface ScriptedServer {
  port: number
  host: string
  /** `http://127.0.0.1:PORT/path` (brackets for ::1). */
  url(path?: string, scheme?: string): string
  requests: ReceivedRequest[]
  /** Connections accepted so far. */
  readonly connections: number
  server: net.Server
}

const MAX_REQUEST_HEAD = 64 * 1024

/**
 * A raw-socket HTTP server for tests: it reads request heads (several per connection, for
 * keep-alive) and lets `respond` write any bytes, so every malformed reply is reachable. Closed
 * when the test ends.
 */
export async function scriptedServer(
  respond: Responder,
  options: { host?: string; tls?: { key: string; cert: string } } = {},
): Promise<ScriptedServer> {
  const host = options.host ?? '127.0.0.1'
  const requests: ReceivedRequest[] = []
  const sockets = new Set<net.Socket>()
  let connections = 0
  const onSocket = (socket: net.Socket) => {
    const connection = connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      for (let guard = 0; guard < 100; guard++) {
        const end = pending.indexOf('\r\n\r\n')
        if (end < 0) {
          if (pending.length > MAX_REQUEST_HEAD) socket.destroy()
          return
        }
        const raw = pending.subarray(0, end + 4).toString('latin1')
        pending = pending.subarray(end + 4)
        const [requestLine, ...lines] = raw.slice(0, -4).split('\r\n')
        const [method = '', target = ''] = requestLine!.split(' ')
        const headers = new Map<string, string>()
        for (const line of lines) {
          const colon = line.indexOf(':')
          headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim())
        }
        const request = { raw, method, target, headers, connection }
        requests.push(request)
        respond(socket, request)
      }
    })
  }
  const server = options.tls ? tls.createServer({ ...options.tls }, onSocket) : net.createServer(onSocket)
  server.on('tlsClientError', () => {})
  server.listen(0, host)
  await once(server, 'listening')
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const port = (server.address() as net.AddressInfo).port
  const authority = net.isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
  return {
    port,
    host,
    url: (p = '/', scheme = options.tls ? 'https' : 'http') => `${scheme}://${authority}${p}`,
    requests,
    get connections() {
      return connections
    },
    server,
  }
}

/** A complete response with Content-Length. */
export function response(body: string | Buffer, headers: Record<string, string> = {}, status = '200 OK'): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  let head = `HTTP/1.1 ${status}\r\nContent-Length: ${bytes.length}\r\n`
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), bytes])
}

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js')

export type { CliResult }

/** Run the built CLI (test-kit's runCli); killed (and the test failed by its assertions) after `timeout` ms. */
export function runCli(args: string[], options: { timeout?: number; cwd?: string } = {}): Promise<CliResult> {
  return runBuiltCli(CLI, args, { ms: options.timeout, cwd: options.cwd })
}
