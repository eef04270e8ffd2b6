import { existsSync, lstatSync, type Stats } from 'node:fs'
import net from 'node:net'
import { dirname } from 'node:path'
import { ErrorCode, NetworkError, bindServer as bindListening, toNetworkError } from '@netkit/shared'
import { unixSocketError } from './errors.js'

export interface PeerInfo {
  remoteAddress: string
  remotePort: number
  localAddress: string
  localPort: number
  /** 'tcp' or 'unix'. */
  protocol: 'tcp' | 'unix'
}

/** Serve one connection; resolve when it is over (seam (c): keep-open/broker/exec supply their own). */
export type ConnectionHandler = (socket: net.Socket, peer: PeerInfo) => Promise<void>

export interface ListenOptions {
  /** Bind address; default 0.0.0.0 (or :: with family 6), as OpenBSD nc. */
  host?: string
  port?: number
  unixPath?: string
  family?: 4 | 6
  /** -k: keep listening after a client leaves. */
  keepListening?: boolean
  /** Connections served at once with keepListening (default 1: sequential, as OpenBSD nc). */
  maxConcurrent?: number
  /** Accepted connections waiting for a free slot before new ones are refused (default 128). */
  maxQueued?: number
  /** Called once bound, e.g. for `Listening on 0.0.0.0 40123`. */
  onListening?: (address: { address: string; port: number; path?: string }) => void
  /** Decides first whether to serve a client (allow/deny); false closes it at once and, without -k, keeps listening. */
  accept?: (peer: PeerInfo, socket: net.Socket) => boolean | void
  /** Called as each connection is accepted, before it waits for a slot. Return false to drop it (ACLs). */
  onConnection?: (peer: PeerInfo, socket: net.Socket) => boolean | void
  /** A handler failed; with keepListening the server carries on (default: rethrown without -k). */
  onHandlerError?: (err: unknown, peer: PeerInfo) => void
  signal?: AbortSignal
}

export function peerInfo(socket: net.Socket, unix: boolean): PeerInfo {
  return {
    remoteAddress: unix ? '' : (socket.remoteAddress ?? ''),
    remotePort: unix ? 0 : (socket.remotePort ?? 0),
    localAddress: unix ? '' : (socket.localAddress ?? ''),
    localPort: unix ? 0 : (socket.localPort ?? 0),
    protocol: unix ? 'unix' : 'tcp',
  }
}

/** Words for what is at a path instead of a socket: `a regular file`, `a directory`, ... */
function describeFileType(stats: Stats): string {
  if (stats.isFile()) return 'a regular file'
  if (stats.isDirectory()) return 'a directory'
  if (stats.isSymbolicLink()) return 'a symbolic link'
  if (stats.isFIFO()) return 'a FIFO'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  return 'not a socket'
}

/**
 * Before binding a Unix socket: a path that holds anything but a socket is refused with what is
 * there (`PATH: is a regular file, not a socket`) and never unlinked (OpenBSD nc unlinks whatever
 * is there, a user's file included). A socket left there is Node's EADDRINUSE, as before.
 */
function checkUnixPath(path: string): void {
  let stats: Stats
  try {
    stats = lstatSync(path)
  } catch {
    return // nothing there (or not reachable): bind() reports it
  }
  if (stats.isSocket()) return
  const what = describeFileType(stats)
  throw new NetworkError(ErrorCode.NOT_A_SOCKET, `${path}: is ${what === 'not a socket' ? 'something else' : what}, not a socket`, undefined, { operation: 'bind', protocol: 'unix' })
}

/** A failed bind in OpenBSD's words: `nc: Address already in use`, `PATH: No such file or directory`. */
function bindError(options: ListenOptions): (err: Error) => Error {
  return (err) => {
    const code = (err as { code?: string }).code
    if (options.unixPath !== undefined) {
      // libuv reports a missing directory as EACCES: say what OpenBSD nc says.
      if (code === 'EACCES' && !existsSync(dirname(options.unixPath))) return unixSocketError(Object.assign(err, { code: 'ENOENT' }), options.unixPath, 'bind')
      return unixSocketError(err, options.unixPath, 'bind')
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_NODATA') {
      return toNetworkError(err, { operation: 'resolve', host: options.host, port: options.port })
    }
    return toNetworkError(err, {})
  }
}

/** Bind and listen; resolves with the server once listening. Errors are worded like OpenBSD nc. */
export async function bindServer(options: ListenOptions, server: net.Server = net.createServer({ pauseOnConnect: true })): Promise<net.Server> {
  if (options.unixPath !== undefined) checkUnixPath(options.unixPath)
  return bindListening(
    server,
    (s) => {
      if (options.unixPath !== undefined) s.listen(options.unixPath)
      else s.listen({ host: options.host ?? (options.family === 6 ? '::' : '0.0.0.0'), port: options.port ?? 0, ipv6Only: options.family === 6 })
    },
    bindError(options),
  )
}

/**
 * Whether an accepted socket joins the queue; a refused one is destroyed here. Without
 * keepListening only the first client is served (OpenBSD nc stops listening once it has it);
 * an `accept` refusal (allow/deny) comes first and does not count as that client.
 */
function admit(socket: net.Socket, options: ListenOptions, unix: boolean, state: { busy: boolean; full: () => boolean; stopListening: () => void }): boolean {
  socket.on('error', () => {}) // errors of queued sockets; the handler adds its own
  const refuse = () => {
    socket.destroy()
    return false
  }
  if (!options.keepListening && state.busy) return refuse()
  const peer = peerInfo(socket, unix)
  if (options.accept?.(peer, socket) === false) return refuse()
  if (!options.keepListening) state.stopListening()
  if (options.onConnection?.(peer, socket) === false) return refuse()
  if (state.full()) return refuse()
  return true
}

/**
 * Listen and hand each accepted connection to `handler`. Without keepListening: serve the
 * first client, stop listening, resolve when its handler is done. With keepListening: serve
 * clients `maxConcurrent` at a time (1 = one after another, OpenBSD's -k), queueing the rest,
 * until the signal aborts.
 */
export async function listen(options: ListenOptions, handler: ConnectionHandler): Promise<void> {
  const unix = options.unixPath !== undefined
  const server = await bindServer(options)
  const address = server.address()
  if (typeof address === 'string' || address === null) options.onListening?.({ address: options.unixPath ?? String(address), port: 0, path: options.unixPath })
  else options.onListening?.({ address: address.address, port: address.port })

  const maxConcurrent = options.keepListening ? Math.max(1, options.maxConcurrent ?? 1) : 1
  const maxQueued = options.maxQueued ?? 128
  const queue: net.Socket[] = []
  let active = 0

  return new Promise<void>((resolve, reject) => {
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      server.close()
      options.signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = () => {
      close()
      for (const s of queue.splice(0)) s.destroy()
      if (active === 0) resolve()
    }
    const pump = () => {
      while (active < maxConcurrent && queue.length > 0) {
        const socket = queue.shift()!
        if (socket.destroyed) continue
        active++
        const peer = peerInfo(socket, unix)
        // The socket is still paused (pauseOnConnect): the handler's pipe() starts reading.
        handler(socket, peer).then(
          () => settle(),
          (err: unknown) => {
            socket.destroy()
            if (options.keepListening && options.onHandlerError) {
              options.onHandlerError(err, peer)
              settle()
            } else if (options.keepListening) {
              settle()
            } else {
              close()
              reject(err)
            }
          },
        )
      }
    }
    const settle = () => {
      active--
      if (!options.keepListening || closed) {
        if (active === 0) {
          close()
          resolve()
        }
        return
      }
      pump()
    }
    server.on('connection', (socket: net.Socket) => {
      const busy = closed || active > 0 || queue.length > 0
      if (!admit(socket, options, unix, { busy, full: () => queue.length >= maxQueued, stopListening: close })) return
      queue.push(socket)
      pump()
    })
    server.on('error', (err) => {
      close()
      reject(toNetworkError(err, {}))
    })
    if (options.signal?.aborted) onAbort()
    else options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
