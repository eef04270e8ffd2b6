import fs from 'node:fs'
import { isBrokenPipe } from '@netkit/shared'
import { writeError } from '../errors.js'

/**
 * Where response bytes go. A sink takes each chunk before `write` returns (copying it when it has
 * to keep it), so callers may pass views into a buffer they reuse; `false` asks the caller to stop
 * reading until `onDrain` fires. Nothing is ever buffered whole.
 */
export interface Sink {
  /**
   * `transient` (default true): the chunk's memory is reused after the call (the plain-TCP read
   * buffer), so a sink that keeps it must copy it. false: it is never reused (a TLS read, zlib
   * output, a fresh Buffer) and may be kept as is.
   */
  write(chunk: Uint8Array, transient?: boolean): boolean
  /** Call `listener` once the sink can take more (at once if it already can). */
  onDrain(listener: () => void): void
  /** Flush and close; rejects with a write error (curl exit 23). */
  close(): Promise<void>
  /** Stop without flushing (a failed transfer); the bytes already written stay written. */
  abort(): void
  /** First write error, if any (checked by the transfer after each write). */
  readonly error: Error | undefined
}

/** Anything with Node's Writable write/once('drain') shape, e.g. process.stdout or a socket. */
export interface WritableLike {
  write(chunk: Uint8Array): boolean
  once(event: 'drain', listener: () => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  off?(event: 'error', listener: (err: Error) => void): unknown
  writableNeedDrain?: boolean
}

/**
 * Writes with fs.writeSync to a file descriptor: a regular file, /dev/null, or stdout when it is
 * one of those. A blocking write to the page cache is what curl does too, costs no copy, and
 * makes backpressure implicit; it is the fast path of the benchmark.
 */
export class FdSink implements Sink {
  error: Error | undefined
  private fd: number | undefined
  private readonly closeFd: boolean

  /** `open` is called on the first write (so `-f` failures and errors leave no empty file). */
  constructor(
    private readonly open: number | (() => number),
    private readonly describe: string,
  ) {
    this.closeFd = typeof open !== 'number'
    if (typeof open === 'number') this.fd = open
  }

  /** Create the file now (an empty body still makes an empty file, as in curl). */
  ensureOpen(): void {
    if (this.fd !== undefined || this.error) return
    try {
      this.fd = (this.open as () => number)()
    } catch (err) {
      this.error = writeError(`Failed to open the file ${this.describe}: ${(err as Error).message}`, err)
    }
  }

  write(chunk: Uint8Array): boolean {
    if (this.error) return true
    this.ensureOpen()
    if (this.fd === undefined) return true
    let offset = 0
    try {
      while (offset < chunk.length) offset += fs.writeSync(this.fd, chunk, offset, chunk.length - offset)
    } catch (err) {
      this.error = isBrokenPipe(err) ? err as Error : writeError(`Failure writing output to ${this.describe}: ${(err as Error).message}`, err)
    }
    return true
  }

  onDrain(listener: () => void): void {
    listener()
  }

  async close(): Promise<void> {
    this.ensureOpen()
    this.release()
    if (this.error) throw this.error
  }

  abort(): void {
    this.release()
  }

  private release(): void {
    if (this.closeFd && this.fd !== undefined) {
      try {
        fs.closeSync(this.fd)
      } catch {
        // closing a file we wrote is best effort; write errors were reported already
      }
    }
    this.fd = undefined
  }
}

/** A file for -o/-O: created (truncated) on first use. */
export function fileSink(path: string): FdSink {
  return new FdSink(() => fs.openSync(path, 'w'), path)
}

/** Writes to a Node stream (stdout on a pipe or terminal), copying chunks, honouring 'drain'. */
export class StreamSink implements Sink {
  /** A closed pipe (EPIPE, which the CLI ends quietly on) or a write error (curl exit 23). */
  error: Error | undefined
  private readonly onError = (err: Error) => {
    this.error ??= isBrokenPipe(err) ? err : writeError(`Failure writing output to ${this.describe}: ${err.message}`, err)
    this.flushDrain()
  }
  private drainListeners: Array<() => void> = []
  private waiting = false

  constructor(
    private readonly stream: WritableLike,
    private readonly describe = 'the output stream',
  ) {
    stream.on('error', this.onError)
  }

  write(chunk: Uint8Array, transient = true): boolean {
    if (this.error) return true
    // The stream keeps the chunk until it is flushed: a copy when its memory is reused.
    return this.stream.write(keepable(chunk, transient))
  }

  onDrain(listener: () => void): void {
    if (this.error || !this.stream.writableNeedDrain) {
      listener()
      return
    }
    this.drainListeners.push(listener)
    if (!this.waiting) {
      this.waiting = true
      this.stream.once('drain', () => this.flushDrain())
    }
  }

  private flushDrain(): void {
    this.waiting = false
    const listeners = this.drainListeners
    this.drainListeners = []
    for (const listener of listeners) listener()
  }

  async close(): Promise<void> {
    this.stream.off?.('error', this.onError)
    if (this.error) throw this.error
  }

  abort(): void {
    this.stream.off?.('error', this.onError)
  }
}

/** `chunk` as a Buffer that can be kept: a copy when its memory is `transient`, else a view. */
export function keepable(chunk: Uint8Array, transient: boolean): Buffer {
  if (transient) return Buffer.from(chunk)
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

/** Drops everything (redirect bodies, HEAD). */
export const nullSink: Sink = {
  error: undefined,
  write: () => true,
  onDrain: (listener) => listener(),
  close: async () => {},
  abort: () => {},
}

/** Collects the body in memory for the library's default, refusing more than `limit` bytes. */
export class BufferSink implements Sink {
  error: Error | undefined
  private readonly chunks: Buffer[] = []
  private size = 0

  constructor(private readonly limit: number) {}

  write(chunk: Uint8Array, transient = true): boolean {
    if (this.error) return true
    this.size += chunk.length
    if (this.size > this.limit) {
      this.error = writeError(`response body larger than maxBuffer (${this.limit} bytes); pass an output to stream it`)
      return true
    }
    this.chunks.push(keepable(chunk, transient))
    return true
  }

  onDrain(listener: () => void): void {
    listener()
  }

  async close(): Promise<void> {
    if (this.error) throw this.error
  }

  abort(): void {}

  get body(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

/**
 * Hands one shared sink (stdout) to several parallel transfers one after another, in URL order:
 * a transfer whose turn has not come has its first chunk held and its socket paused, so outputs
 * never interleave and nothing piles up in memory.
 */
export class SinkQueue {
  private turn = 0
  private readonly waiters = new Map<number, () => void>()

  constructor(private readonly target: Sink) {}

  /** The sink for the transfer with position `index` (0, 1, 2 … each used exactly once). */
  slot(index: number): Sink {
    const queue = this
    let held: Uint8Array[] = []
    let drainListeners: Array<() => void> = []
    let ready = index === 0
    let finished = false
    const becomeReady = () => {
      ready = true
      for (const chunk of held) queue.target.write(chunk, false)
      held = []
      const listeners = drainListeners
      drainListeners = []
      for (const listener of listeners) queue.target.onDrain(listener)
    }
    if (!ready) this.waiters.set(index, becomeReady)
    const advance = () => {
      if (finished) return
      finished = true
      queue.turn = index + 1
      const next = queue.waiters.get(queue.turn)
      if (next) {
        queue.waiters.delete(queue.turn)
        next()
      }
    }
    const waitTurn = () =>
      new Promise<void>((resolve) => {
        if (ready) resolve()
        else drainListeners.push(resolve)
      })
    return {
      get error() {
        return queue.target.error
      },
      write(chunk, transient = true) {
        if (ready) return queue.target.write(chunk, transient)
        held.push(keepable(chunk, transient))
        return false
      },
      onDrain(listener) {
        if (ready) queue.target.onDrain(listener)
        else drainListeners.push(listener)
      },
      async close() {
        await waitTurn()
        advance()
        if (queue.target.error) throw queue.target.error
      },
      abort() {
        // A failed transfer still passes its turn on, after whatever it wrote.
        void waitTurn().then(advance)
      },
    }
  }
}

/** A view of `sink` whose close only reports errors: the transfer, not the exchange, closes it. */
export function borrow(sink: Sink): Sink {
  return {
    get error() {
      return sink.error
    },
    write: (chunk, transient) => sink.write(chunk, transient),
    onDrain: (listener) => sink.onDrain(listener),
    close: async () => {
      if (sink.error) throw sink.error
    },
    abort: () => {},
  }
}
