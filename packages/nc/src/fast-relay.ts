import { fstatSync } from 'node:fs'
import net from 'node:net'
import type { Readable, Writable } from 'node:stream'
import { NetkitError, toNetworkError } from '@netkit/shared'
import { closeSocket, type RelayEnd, type RelayResult } from './relay.js'

/**
 * Bytes per read on the fast path. A pipe gives at most its 64 KiB per read; a socket gives what
 * is queued, so one buffer this size drains a busy loopback socket in fewer calls.
 */
const READ_BUFFER_SIZE = 256 * 1024

export interface FastRelayOptions {
  shutdownOnEof?: boolean
  quitAfterEofMs?: number
  idleTimeoutMs?: number
  /** The socket came from a listener (pauseOnConnect) and was never read: read it with a reusable buffer too. */
  accepted?: boolean
  /** The socket was connected with this reader's `onread` (connect mode): deliver its reads. */
  reader?: SocketReader
  signal?: AbortSignal
}

/** True when fd is a pipe or a socket, which a net.Socket can read with a reusable buffer (files and TTYs cannot). */
export function canReadFast(fd: number): boolean {
  try {
    const stat = fstatSync(fd)
    return stat.isFIFO() || stat.isSocket()
  } catch {
    return false
  }
}

type OnRead = (length: number, buffer: Buffer) => boolean

/** A reusable read buffer for `net.connect({ onread })`, whose reads go to the relay once it starts. */
export interface SocketReader {
  onread: net.OnReadOpts
  /** Send reads to `deliver` from now on, starting with any read that came before. */
  attach(deliver: OnRead): void
}

export function socketReader(): SocketReader {
  let target: OnRead | null = null
  let early: Buffer | null = null
  return {
    onread: {
      buffer: Buffer.allocUnsafe(READ_BUFFER_SIZE),
      callback(length, buffer) {
        if (target) return target(length, buffer as Buffer)
        // Arrived before the relay started: keep a copy and stop reading until it does.
        early = Buffer.from(buffer.subarray(0, length))
        return false
      },
    },
    attach(deliver) {
      target = deliver
      if (early) deliver(early.length, early)
      early = null
    },
  }
}

/**
 * The relay of relay.ts for a plain session (no taps, no -C/-i/--frame, one client), without the
 * per-chunk stream machinery that costs a bare pipe() most of its CPU: stdin (a pipe or socket fd)
 * and the socket (accepted, or connected with a SocketReader) are read into one reusable buffer
 * each (net.Socket's `onread`), and each
 * read is written on at once. Backpressure: a write that did not complete at once still holds the
 * buffer, so reading pauses until its callback. Same half-close rules and results as relay().
 *
 * `output` must be done with a chunk when its write callback runs (process.stdout, a file or a
 * socket; not a PassThrough). The relay never ends `output`; it destroys a fast input it opened.
 */
export function fastRelay(socket: net.Socket, input: number | Readable | null, output: Writable, options: FastRelayOptions = {}): Promise<RelayResult> {
  const started = performance.now()
  let sent = 0
  let received = 0

  return new Promise<RelayResult>((resolve, reject) => {
    let finished = false
    let inputEof = false
    let quitTimer: NodeJS.Timeout | undefined
    let idleTimer: NodeJS.Timeout | undefined

    // Inbound: socket -> output.
    let socketWaits = false
    const resumeSocket = () => {
      if (socketWaits && !finished) {
        socketWaits = false
        socket.resume()
      }
    }
    const deliver = (chunk: Buffer): boolean => {
      if (finished) return false
      received += chunk.length
      idleTimer?.refresh()
      output.write(chunk, resumeSocket)
      if (output.writableLength === 0) return true
      socketWaits = true
      return false
    }
    const onSocketRead: OnRead = (length, buffer) => deliver(buffer.subarray(0, length))
    const onSocketData = (chunk: Buffer) => {
      if (!deliver(chunk)) socket.pause()
    }
    const fastSocket = options.accepted ? withReadBuffer(socket, onSocketRead) : null
    if (fastSocket) socket = fastSocket
    else if (options.reader) options.reader.attach(onSocketRead)
    else socket.on('data', onSocketData)

    // Outbound: input -> socket.
    let inputWaits = false
    const resumeInput = () => {
      if (inputWaits && !finished) {
        inputWaits = false
        source?.resume()
      }
    }
    const send = (chunk: Buffer): boolean => {
      if (finished) return false
      sent += chunk.length
      idleTimer?.refresh()
      socket.write(chunk, resumeInput)
      if (socket.writableLength === 0) return true
      inputWaits = true
      return false
    }
    const onInputData = (chunk: Buffer) => {
      if (!send(chunk)) source?.pause()
    }
    let source: Readable | null = null
    const ownInput = typeof input === 'number'
    if (typeof input === 'number') {
      const buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE)
      // `onread` works for any net.Socket (Node reads it in the constructor); @types/node lists it for connect() only.
      const onread = { buffer, callback: (length: number, buf: Uint8Array) => send((buf as Buffer).subarray(0, length)) }
      source = new net.Socket({ fd: input, readable: true, writable: false, onread } as net.SocketConstructorOpts)
    } else if (input) {
      source = input
      source.on('data', onInputData)
    }

    if (options.idleTimeoutMs !== undefined && options.idleTimeoutMs > 0) {
      idleTimer = setTimeout(() => finish('idle'), options.idleTimeoutMs)
    }

    function onInputEof() {
      if (inputEof || finished) return
      inputEof = true
      if (options.shutdownOnEof || options.quitAfterEofMs !== undefined) socket.end()
      if (options.quitAfterEofMs !== undefined) {
        if (options.quitAfterEofMs <= 0) finish('quit')
        else quitTimer = setTimeout(() => finish('quit'), options.quitAfterEofMs)
      }
    }

    function flushOutput(cb: () => void) {
      if (output.writableNeedDrain) output.once('drain', cb)
      else cb()
    }

    function onSocketEnd() {
      if (!finished) flushOutput(() => finish('peer-eof'))
    }

    function onSocketClose() {
      if (!finished) flushOutput(() => finish('peer-eof'))
    }

    function onError(err: unknown) {
      if (finished) return
      finished = true
      teardown()
      socket.destroy()
      reject(err instanceof NetkitError ? err : toNetworkError(err, {}))
    }

    function onAbort() {
      finish('aborted')
    }

    function onOutputError() {
      finish('aborted')
    }

    function teardown() {
      if (quitTimer) clearTimeout(quitTimer)
      if (idleTimer) clearTimeout(idleTimer)
      options.signal?.removeEventListener('abort', onAbort)
      socket.off('end', onSocketEnd)
      socket.off('error', onError)
      socket.off('close', onSocketClose)
      socket.off('data', onSocketData)
      output.off('error', onOutputError)
      if (source) {
        source.off('end', onInputEof)
        source.off('data', onInputData)
        source.pause()
        if (ownInput) source.destroy()
      }
    }

    function finish(reason: RelayEnd) {
      if (finished) return
      finished = true
      teardown()
      closeSocket(socket)
      resolve({ sent, received, durationMs: performance.now() - started, reason })
    }

    socket.on('error', onError)
    socket.on('end', onSocketEnd)
    socket.on('close', onSocketClose)
    output.on('error', onOutputError)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (source) {
      // A read error on stdin ends it, as EOF would.
      if (ownInput) source.on('error', onInputEof)
      source.on('end', onInputEof)
      if (source.readableEnded) queueMicrotask(onInputEof)
      else source.resume()
    }
    socket.resume()
    if (options.signal?.aborted) finish('aborted')
    else if (socket.destroyed) flushOutput(() => finish('peer-eof'))
  })
}

/**
 * Re-create an accepted socket around its handle with a reusable read buffer. Node passes no
 * `onread` to the sockets a net.Server creates, so this uses the socket's `_handle` (as
 * `new net.Socket({ handle })` in Node's own tls and http2 does); when the handle is not there or
 * the socket was already read, it returns null and the caller reads the socket as a stream.
 */
function withReadBuffer(socket: net.Socket, callback: OnRead): net.Socket | null {
  const wrapped = socket as net.Socket & { _handle?: { readStart?: unknown } | null }
  const handle = wrapped._handle
  if (!handle || typeof handle.readStart !== 'function' || socket.destroyed || socket.readableFlowing !== false || socket.readableLength > 0) return null
  const buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE)
  const fast = new net.Socket({ handle, allowHalfOpen: socket.allowHalfOpen, onread: { buffer, callback } } as net.SocketConstructorOpts)
  // The old wrapper lets go of the handle; destroying it only settles the server's connection count.
  wrapped._handle = null
  socket.destroy()
  return fast
}
