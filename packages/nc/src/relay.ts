import { Transform, type Duplex, type Readable, type Writable, type TransformCallback } from 'node:stream'
import { toNetworkError, NetkitError } from '@netkit/shared'
import type { RelayBehaviour } from './options.js'
import { createHexDumper } from './hexdump.js'

/** The local side of a relay: stdin/stdout for the CLI, a child's stdio for exec (seam (b)). */
export interface RelayIO {
  /** Bytes to send; null = send nothing and never see EOF (-d). */
  input: Readable | null
  /** Where received bytes go. Never ended by the relay (stdout is shared by -k sessions). */
  output: Writable
}

/** Sinks the taps write to; opened by the caller so -k sessions share them. */
export interface RelaySinks {
  /** Hex dump lines (`>` sent, `<` received). */
  hexDump?: Writable
  /** Raw bytes of both directions. */
  raw?: Writable
}

export interface RelayOptions extends Omit<RelayBehaviour, 'hexDump' | 'outFile'> {
  sinks?: RelaySinks
  signal?: AbortSignal
}

export type RelayEnd = 'peer-eof' | 'quit' | 'idle' | 'aborted'

export interface RelayResult {
  /** Bytes written to the socket and read from it. */
  sent: number
  received: number
  durationMs: number
  /** Why the relay ended. */
  reason: RelayEnd
}

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000

/**
 * Relay bytes between a connected socket and the local side until the session ends, following
 * netcat's half-close rules:
 * - input EOF: with `shutdownOnEof` (-N) end the socket's write side and wait for the peer;
 *   with `quitAfterEofMs` (-q) end the write side too and end the session that many ms later
 *   (or when the peer closes, if sooner); otherwise keep the write side open and keep reading.
 * - socket EOF (the peer closed): flush the output and end the session.
 * - `idleTimeoutMs` (-w): no bytes either way for that long ends the session quietly.
 * Backpressure is plain `pipe()` both ways; without taps or transforms no code runs per chunk
 * except the byte counters, so throughput is that of a bare pipe.
 *
 * The relay never ends `output` and never destroys `input` (they may outlive the session: -k).
 * It ends and destroys the socket. Socket errors reject with a NetworkError (exit 1).
 */
export async function relay(socket: Duplex, io: RelayIO, options: RelayOptions = {}): Promise<RelayResult> {
  const started = performance.now()
  let sent = 0
  let received = 0

  // Build the outbound chain: input -> [-C] -> [-i] -> [--frame encode] -> socket.
  const outStages: Transform[] = []
  const inStages: Transform[] = []
  if (options.crlf) outStages.push(crlfTransform())
  if (options.intervalMs !== undefined && options.intervalMs > 0) outStages.push(intervalTransform(options.intervalMs))
  if (options.frame) {
    const { frameTransforms } = await import('./frame.js')
    const { encode, decode } = await frameTransforms(options.frame)
    outStages.push(encode)
    inStages.push(decode)
  }
  const dumper = options.sinks?.hexDump ? createHexDumper() : undefined
  const tapped = dumper !== undefined || options.sinks?.raw !== undefined
  if (tapped) {
    outStages.push(tapTransform('>', options.sinks!, dumper))
    inStages.unshift(tapTransform('<', options.sinks!, dumper))
  }

  return new Promise<RelayResult>((resolve, reject) => {
    let finished = false
    let quitTimer: NodeJS.Timeout | undefined
    let idleTimer: NodeJS.Timeout | undefined
    let inputEof = false
    const input = io.input

    // Outbound
    let outSource: Readable | null = null
    if (input) {
      outSource = input
      for (const stage of outStages) {
        outSource.pipe(stage)
        outSource = stage
      }
    }

    // Inbound
    let inSource: Readable = socket
    for (const stage of inStages) {
      inSource.pipe(stage)
      inSource = stage
      stage.on('error', onError)
    }
    for (const stage of outStages) stage.on('error', onError)

    const countSent = (chunk: Buffer) => {
      sent += chunk.length
      idleTimer?.refresh()
    }
    const countReceived = (chunk: Buffer) => {
      received += chunk.length
      idleTimer?.refresh()
    }
    // Counted on the socket side: bytes on the wire after -C/--frame.
    if (outSource) outSource.on('data', countSent)
    socket.on('data', countReceived)

    if (options.idleTimeoutMs !== undefined && options.idleTimeoutMs > 0) {
      idleTimer = setTimeout(() => finish('idle'), options.idleTimeoutMs)
    }

    function onInputEof() {
      if (inputEof || finished) return
      inputEof = true
      // -q shuts down too, as Debian's nc does: the peer sees EOF now, nc exits q secs later.
      if (options.shutdownOnEof || options.quitAfterEofMs !== undefined) socket.end()
      if (options.quitAfterEofMs !== undefined) {
        if (options.quitAfterEofMs <= 0) finish('quit')
        else quitTimer = setTimeout(() => finish('quit'), options.quitAfterEofMs)
      }
    }

    function onSocketEnd() {
      if (finished) return
      // The peer closed: end the inbound chain, then wait for output to drain.
      const done = () => flushOutput(() => finish('peer-eof'))
      if (inSource === socket) done()
      else inSource.once('end', done)
    }

    function flushOutput(cb: () => void) {
      if (io.output.writableNeedDrain) io.output.once('drain', cb)
      else cb()
    }

    function onError(err: unknown) {
      if (finished) return
      finished = true
      teardown()
      socket.destroy()
      reject(err instanceof NetkitError ? err : toNetworkError(err, {}))
    }

    function onSocketClose() {
      // Closed without an 'end' (destroyed elsewhere, e.g. by an ACL or the caller).
      if (!finished) flushOutput(() => finish('peer-eof'))
    }

    function onAbort() {
      finish('aborted')
    }

    // The local reader went away (a closed pipe): nothing more can be delivered, end quietly.
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
      socket.off('data', countReceived)
      io.output.off('error', onOutputError)
      if (input) {
        input.off('end', inputEndListener)
        if (outStages.length > 0) input.unpipe(outStages[0]!)
        else input.unpipe(socket)
        input.pause()
      }
      if (outSource) {
        outSource.off('data', countSent)
        if (outSource !== input) outSource.unpipe(socket)
      }
      inSource.unpipe(io.output)
      for (const stage of [...outStages, ...inStages]) stage.destroy()
    }

    function finish(reason: RelayEnd) {
      if (finished) return
      finished = true
      teardown()
      closeSocket(socket)
      resolve({ sent, received, durationMs: performance.now() - started, reason })
    }

    const inputEndListener = () => onInputEof()
    socket.on('error', onError)
    socket.on('end', onSocketEnd)
    socket.on('close', onSocketClose)
    io.output.on('error', onOutputError)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    inSource.pipe(io.output, { end: false })
    if (outSource) {
      outSource.pipe(socket, { end: false })
      // An input that ended in an earlier session (-k) is at EOF now; pipe() ends any stages itself.
      if (input!.readableEnded && outStages.length === 0) queueMicrotask(onInputEof)
      else outSource.on('end', inputEndListener)
    }
    if (options.signal?.aborted) finish('aborted')
    // Closed before the relay started (reset while a layer above was still setting up).
    else if (socket.destroyed) flushOutput(() => finish('peer-eof'))
  })
}

/** End our side and let buffered bytes go out; destroy if the peer does not take them soon. */
export function closeSocket(socket: Duplex): void {
  if (socket.destroyed) return
  if (!socket.writableEnded) socket.end()
  if (socket.writableFinished) {
    socket.destroy()
    return
  }
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS)
  socket.once('finish', () => {
    clearTimeout(timer)
    socket.destroy()
  })
  socket.once('close', () => clearTimeout(timer))
  socket.on('error', () => {}) // the session is over; a late reset is not news
}

/** -C: every `\n` goes out as `\r\n`, as OpenBSD nc does. */
function crlfTransform(): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      let count = 0
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) count++
      if (count === 0) return cb(null, chunk)
      const out = Buffer.allocUnsafe(chunk.length + count)
      let o = 0
      let start = 0
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        o += chunk.copy(out, o, start, i)
        out[o++] = 13
        out[o++] = 10
        start = i + 1
      }
      chunk.copy(out, o, start)
      cb(null, out)
    },
  })
}

/** -i: send one line at a time with a pause after each. */
function intervalTransform(ms: number): Transform {
  let pending: Buffer = Buffer.alloc(0)
  const sleep = () => new Promise<void>((r) => setTimeout(r, ms))
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      const data = pending.length ? Buffer.concat([pending, chunk]) : chunk
      ;(async () => {
        let start = 0
        for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, start)) {
          this.push(data.subarray(start, i + 1))
          start = i + 1
          await sleep()
        }
        pending = Buffer.from(data.subarray(start))
      })().then(() => cb(), cb)
    },
    flush(cb) {
      if (pending.length) this.push(pending)
      cb()
    },
  })
}

/** Copy each chunk to the hex dump and raw log, waiting for them to drain (bounded memory). */
function tapTransform(direction: '>' | '<', sinks: RelaySinks, dumper: ReturnType<typeof createHexDumper> | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      let waits = 0
      const done = () => {
        if (--waits === 0) cb(null, chunk)
      }
      waits++
      if (sinks.hexDump && dumper) {
        if (!sinks.hexDump.write(dumper(direction, chunk))) {
          waits++
          sinks.hexDump.once('drain', done)
        }
      }
      if (sinks.raw) {
        if (!sinks.raw.write(chunk)) {
          waits++
          sinks.raw.once('drain', done)
        }
      }
      done()
    },
  })
}
