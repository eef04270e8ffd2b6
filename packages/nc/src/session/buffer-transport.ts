import { fstatSync, readSync, statSync, writeSync } from 'node:fs'
import net from 'node:net'
import type { Readable, Writable } from 'node:stream'
import { READ_BUFFER_SIZE } from '@netkit/shared'
import { closeSocket, driveSession, type RelayResult, type SessionMeter, type Transport } from './driver.js'
import type { SessionEvent, SessionPolicy } from './machine.js'

// Bytes per read from a socket or pipe: shared's READ_BUFFER_SIZE. A pipe gives at most its 64 KiB
// per read; a socket gives what is queued, so one large buffer drains a busy loopback socket in fewer calls.

/** Bytes per read from a regular file: the page cache answers large reads at once. */
const FILE_READ_SIZE = 1024 * 1024

/** Linux's default pipe capacity: the most one read of a pipe returns. */
const PIPE_CAPACITY = 64 * 1024

/** How an input descriptor is read on the fast path. */
export type FastInputKind = 'file' | 'stream'

/**
 * 'file' for a regular file (read with fs.read into one buffer), 'stream' for a pipe or socket
 * (a net.Socket with a reusable buffer); undefined for what neither can read (a TTY, a device).
 */
export function fastInputKind(fd: number): FastInputKind | undefined {
  try {
    const stat = fstatSync(fd)
    if (stat.isFile()) return 'file'
    return stat.isFIFO() || stat.isSocket() ? 'stream' : undefined
  } catch {
    return undefined
  }
}

/**
 * True when received data can go to fd with writeSync instead of a stream: a regular file
 * (`> file`) or /dev/null (`> /dev/null`), which take every write at once and never push back.
 * A pipe, a socket or a terminal can block, and keeps its stream.
 */
export function canWriteDirectly(fd: number): boolean {
  try {
    const stat = fstatSync(fd)
    return stat.isFile() || (stat.isCharacterDevice() && stat.rdev === statSync('/dev/null').rdev)
  } catch {
    return false
  }
}

/** True when fd can be read with a reusable buffer: a regular file, a pipe or a socket. */
export function canReadFast(fd: number): boolean {
  return fastInputKind(fd) !== undefined
}

type OnRead = (length: number, buffer: Buffer) => boolean

/** A reusable read buffer for `net.connect({ onread })`, whose reads go to the session once it starts. */
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
        // Arrived before the session started: keep a copy and stop reading until it does.
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

/** One local input on the fast path: started once, stopped when the session is over. */
interface InputPump {
  start(): void
  stop(): void
}

/**
 * A regular file: read into one buffer, written to the connection, and the next read only once
 * the connection took the last one (its write callback), so the buffer is never overwritten
 * while a write still holds it. The reads are synchronous: a regular file never waits for a
 * writer, a page-cache read of 1 MiB takes a fraction of a millisecond, and a read handed to the
 * thread pool costs two thread hops per chunk for nothing. A read error counts as EOF, as for
 * any fast input.
 */
function filePump(fd: number, write: (chunk: Buffer, then: () => void) => void, onEof: () => void): InputPump {
  const buffer = Buffer.allocUnsafe(FILE_READ_SIZE)
  let stopped = false
  const next = (): void => {
    if (stopped) return
    let length: number
    try {
      length = readSync(fd, buffer, 0, buffer.length, null)
    } catch {
      length = 0
    }
    if (length === 0) onEof()
    else write(buffer.subarray(0, length), next)
  }
  // The first read waits for start() to return, as a stream's first 'data' would.
  return { start: () => queueMicrotask(next), stop: () => void (stopped = true) }
}

/**
 * Read what `fd` already holds into `buffer` after `from`, without waiting: the descriptor is
 * non-blocking (libuv made it so), so an empty pipe answers EAGAIN at once. A pipe gives at most
 * its 64 KiB per read; a fast writer (`cat file | nc`) has often refilled it by the time a read
 * was handed over, and those chunks then leave in the same socket write instead of one write,
 * one callback and one event-loop turn each. EOF and errors stop it: the stream's own next read
 * reports them. Returns the bytes added.
 */
function readReady(fd: number, buffer: Buffer, from: number): number {
  let at = from
  while (at < buffer.length) {
    let length: number
    try {
      length = readSync(fd, buffer, at, buffer.length - at, null)
    } catch {
      break
    }
    if (length === 0) break
    at += length
  }
  return at - from
}

/** A pipe or socket descriptor: a net.Socket that reads into one reusable buffer (`onread`). */
function descriptorPump(fd: number, send: (chunk: Buffer) => boolean, onEof: () => void): InputPump & { resume(): void } {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE)
  // `onread` works for any net.Socket (Node reads it in the constructor); @types/node lists it for connect() only.
  // Only a read that took a full pipe's worth suggests more is queued; after a shorter one the
  // descriptor is drained, and asking again would only cost a thrown EAGAIN (about 4 µs).
  const topUp = (length: number) => (length >= PIPE_CAPACITY ? readReady(fd, buffer, length) : 0)
  const onread = { buffer, callback: (length: number) => send(buffer.subarray(0, length + topUp(length))) }
  const source = new net.Socket({ fd, readable: true, writable: false, onread } as net.SocketConstructorOpts)
  return {
    start() {
      source.on('error', onEof)
      source.on('end', onEof)
      source.resume()
    },
    resume: () => source.resume(),
    stop() {
      source.off('end', onEof)
      source.pause()
      source.destroy()
    },
  }
}

/** A Readable (a TTY, a test's stream): its 'data' chunks, paused while the connection is full. */
function streamPump(source: Readable, send: (chunk: Buffer) => boolean, onEof: () => void): InputPump & { resume(): void } {
  const onData = (chunk: Buffer) => {
    if (!send(chunk)) source.pause()
  }
  return {
    start() {
      source.on('data', onData)
      source.on('end', onEof)
      if (source.readableEnded) queueMicrotask(onEof)
      else source.resume()
    },
    resume: () => source.resume(),
    stop() {
      source.off('end', onEof)
      source.off('data', onData)
      source.pause()
    },
  }
}

/** The pump for an input: a file, a pipe or socket descriptor, a Readable, or none (-d). */
function inputPump(
  input: number | Readable | null,
  send: (chunk: Buffer) => boolean,
  sendThen: (chunk: Buffer, then: () => void) => void,
  onEof: () => void,
  debug: ((message: string) => void) | undefined,
): (InputPump & { resume?(): void }) | null {
  if (input === null) return null
  if (typeof input !== 'number') return streamPump(input, send, onEof)
  if (fastInputKind(input) === 'file') {
    debug?.(`fast relay: input is a regular file, read ${FILE_READ_SIZE / 1024} KiB at a time`)
    return filePump(input, sendThen, onEof)
  }
  debug?.(`fast relay: input is a pipe or socket, read into a reusable ${READ_BUFFER_SIZE / 1024} KiB buffer`)
  return descriptorPump(input, send, onEof)
}

/**
 * A writer of reads to `target`: true when the target took the chunk at once (the read buffer is
 * free again), false when a write still holds it; `resume` runs once that write completes.
 */
function writerTo(target: () => Writable, count: (bytes: number) => void, resume: () => void, isOver: () => boolean): (chunk: Buffer) => boolean {
  let holding = false
  const free = () => {
    if (holding && !isOver()) {
      holding = false
      resume()
    }
  }
  return (chunk) => {
    if (isOver()) return false
    count(chunk.length)
    const to = target()
    to.write(chunk, free)
    if (to.writableLength === 0) return true
    holding = true
    return false
  }
}

/**
 * A writer of reads straight to a regular file or /dev/null: writeSync takes the whole chunk
 * before it returns (neither pushes back), so the read buffer is free again at once, without a
 * Writable's queue, callbacks and ticks for each chunk. A failed write (a full disk) is an
 * output error, as a stream's 'error' would be.
 */
function fileWriter(fd: number, count: (bytes: number) => void, onError: () => void, isOver: () => boolean): (chunk: Buffer) => boolean {
  return (chunk) => {
    if (isOver()) return false
    count(chunk.length)
    try {
      for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset, chunk.length - offset)
    } catch {
      onError()
      return false
    }
    return true
  }
}

export interface BufferTransportOptions {
  /** The socket came from a listener (pauseOnConnect) and was never read: read it with a reusable buffer too. */
  accepted?: boolean
  /** The socket was connected with this reader's `onread` (connect mode): deliver its reads. */
  reader?: SocketReader
  /** `output`'s descriptor when canWriteDirectly says so: received data is written to it directly (fileWriter). */
  outputFd?: number
  /** Told how the input is read (nc -vv prints it). */
  debug?: (message: string) => void
}

const INPUT_EOF: SessionEvent = { type: 'input-eof' }
const PEER_EOF: SessionEvent = { type: 'peer-eof' }
const PEER_CLOSED: SessionEvent = { type: 'peer-closed' }
const OUTPUT_ERROR: SessionEvent = { type: 'output-error' }

/**
 * The reusable-buffer transport, for a plain session (no taps, no -C/-i/--frame, one client):
 * the socket and the input (a descriptor, or a Readable) are each read into one buffer that is
 * written on at once, without the per-chunk stream machinery that costs a bare pipe() most of
 * its CPU. Backpressure: a write that did not complete at once still holds the buffer, so
 * reading pauses until its callback. `output` must be done with a chunk when its write callback
 * runs (process.stdout, a file or a socket; not a PassThrough). The transport never ends
 * `output`; it destroys an input descriptor's socket it opened.
 */
export function createBufferTransport(connection: net.Socket, input: number | Readable | null, output: Writable, options: BufferTransportOptions = {}): Transport {
  let emit: (event: SessionEvent) => void = () => {}
  let meter: SessionMeter = { sent() {}, received() {} }
  let over = false
  let socket = connection
  const transport = { start, shutdownWrite: () => socket.end(), flushOutput, stop, close }

  // Inbound: socket -> output.
  const isOver = () => over
  const received = (n: number) => meter.received(n)
  const deliver =
    options.outputFd === undefined ? writerTo(() => output, received, () => socket.resume(), isOver) : fileWriter(options.outputFd, received, () => emit(OUTPUT_ERROR), isOver)
  const onSocketRead: OnRead = (length, buffer) => deliver(buffer.subarray(0, length))
  const onSocketData = (chunk: Buffer) => {
    if (!deliver(chunk)) socket.pause()
  }

  // Outbound: input -> socket.
  const send = writerTo(() => socket, (n) => meter.sent(n), () => pump?.resume?.(), isOver)
  const sendThen = (chunk: Buffer, then: () => void) => {
    meter.sent(chunk.length)
    socket.write(chunk, (err) => {
      if (!err) then()
    })
  }
  const onInputEof = () => emit(INPUT_EOF)
  const pump = inputPump(input, send, sendThen, onInputEof, options.debug)
  if (options.outputFd !== undefined) options.debug?.('fast relay: output is a regular file or /dev/null, written with writeSync')

  const onError = (error: unknown) => emit({ type: 'error', error })
  const onPeerEnd = () => emit(PEER_EOF)
  const onPeerClose = () => emit(PEER_CLOSED)
  const onOutputError = () => emit(OUTPUT_ERROR)

  function start(report: (event: SessionEvent) => void, counts: SessionMeter) {
    emit = report
    meter = counts
    const fast = options.accepted ? withReadBuffer(socket, onSocketRead) : null
    if (fast) socket = fast
    else if (options.reader) options.reader.attach(onSocketRead)
    else socket.on('data', onSocketData)
    socket.on('error', onError)
    socket.on('end', onPeerEnd)
    socket.on('close', onPeerClose)
    output.on('error', onOutputError)
    pump?.start()
    socket.resume()
    if (socket.destroyed) queueMicrotask(onPeerClose)
  }

  function flushOutput(done: () => void) {
    if (output.writableNeedDrain) output.once('drain', done)
    else done()
  }

  function stop() {
    over = true
    socket.off('end', onPeerEnd)
    socket.off('error', onError)
    socket.off('close', onPeerClose)
    socket.off('data', onSocketData)
    output.off('error', onOutputError)
    pump?.stop()
  }

  function close(outcome: string) {
    if (outcome === 'failed') socket.destroy()
    else closeSocket(socket)
  }
  return transport
}

export interface FastRelayOptions extends BufferTransportOptions, Pick<SessionPolicy, 'shutdownOnEof' | 'quitAfterEofMs' | 'idleTimeoutMs'> {
  signal?: AbortSignal
}

/**
 * relay() for a plain session on the reusable-buffer transport: same half-close rules and
 * results (machine.ts), a fraction of the CPU per byte.
 */
export function fastRelay(socket: net.Socket, input: number | Readable | null, output: Writable, options: FastRelayOptions = {}): Promise<RelayResult> {
  const { shutdownOnEof, quitAfterEofMs, idleTimeoutMs } = options
  return driveSession(createBufferTransport(socket, input, output, options), { shutdownOnEof, quitAfterEofMs, idleTimeoutMs }, options.signal)
}
