import { createHash } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { onTestFinished } from 'vitest'
import { sleep } from './wait.js'

/** A TCP server on `host`:0 (half-open allowed), closed with its sockets when the test finishes. */
export async function tcpServer(
  handler: (socket: net.Socket) => void,
  host = '127.0.0.1',
): Promise<{ server: net.Server; port: number }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    handler(s)
  })
  server.listen(0, host)
  await once(server, 'listening')
  onTestFinished(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return { server, port: (server.address() as net.AddressInfo).port }
}

/** Connect to host:port, retrying for up to 5 s while a listener starts; destroyed when the test finishes. */
export async function connectTo(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      const socket = net.connect({ port, host, allowHalfOpen: true })
      onTestFinished(() => {
        socket.destroy()
      })
      await once(socket, 'connect')
      return socket
    } catch (err) {
      if (attempt >= 50) throw err
      await sleep(100)
    }
  }
}

function endOf(stream: NodeJS.ReadableStream, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no end of stream within ${ms} ms`)), ms)
    stream.once('end', () => {
      clearTimeout(timer)
      resolve()
    })
    stream.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

/** Read a stream (a socket, a child's stdout) to its end, within `ms`. */
export async function readAll(stream: NodeJS.ReadableStream, ms = 15_000): Promise<Buffer> {
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  await endOf(stream, ms)
  return Buffer.concat(chunks)
}

/** Read a stream to its end within `ms` and return the sha256 hex of what came (large transfers). */
export async function hashAll(stream: NodeJS.ReadableStream, ms = 60_000): Promise<string> {
  const hash = createHash('sha256')
  stream.on('data', (c: Buffer) => hash.update(c))
  await endOf(stream, ms)
  return hash.digest('hex')
}

/** Resolve with everything read from `stream` once it contains `text`; reject at its end or after `ms`. */
export function readUntil(stream: NodeJS.ReadableStream, text: string, ms = 10_000): Promise<string> {
  let got = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`no ${JSON.stringify(text)} within ${ms} ms`), ms)
    const onData = (c: Buffer | string) => {
      got += typeof c === 'string' ? c : c.toString('latin1')
      if (got.includes(text)) {
        cleanup()
        resolve(got)
      }
    }
    const fail = (why: string) => {
      cleanup()
      reject(new Error(`${why}; got ${JSON.stringify(got)}`))
    }
    // 'close' too: a socket destroyed by an error never emits 'end'.
    const onEnd = () => fail(`end before ${JSON.stringify(text)}`)
    const cleanup = () => {
      clearTimeout(timer)
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('close', onEnd)
    }
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('close', onEnd)
  })
}

/** Resolve true if `peer` sees EOF within `ms`, false otherwise. */
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

/** A TCP port on 127.0.0.1 that was free a moment ago (bound, then released), for a CLI told to listen on it. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
