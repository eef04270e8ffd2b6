import type { Duplex, Readable, Transform, Writable } from 'node:stream'
import type { RelayBehaviour } from '../options.js'
import { createHexDumper } from './hexdump.js'
import { closeSocket, driveSession, type RelayResult, type SessionMeter, type Transport } from './driver.js'
import type { SessionEvent } from './machine.js'
import { crlfTransform, intervalTransform, tapTransform, type RelaySinks } from './taps.js'

/** The local side of a session: stdin/stdout for the CLI, a child's stdio for exec. */
export interface RelayIO {
  /** Bytes to send; null = send nothing and never see EOF (-d). */
  input: Readable | null
  /** Where received bytes go. Never ended by the relay (stdout is shared by -k sessions). */
  output: Writable
}

export interface RelayOptions extends Omit<RelayBehaviour, 'hexDump' | 'outFile'> {
  sinks?: RelaySinks
  signal?: AbortSignal
}

/** The stages between the local side and the connection: -C, -i, --frame and the taps. */
async function buildStages(options: RelayOptions): Promise<{ out: Transform[]; in: Transform[] }> {
  const out: Transform[] = []
  const inbound: Transform[] = []
  if (options.crlf) out.push(crlfTransform())
  if (options.intervalMs !== undefined && options.intervalMs > 0) out.push(intervalTransform(options.intervalMs))
  if (options.frame) {
    const { frameTransforms } = await import('./frame.js')
    const { encode, decode } = await frameTransforms(options.frame)
    out.push(...encode)
    inbound.push(...decode)
  }
  const sinks = options.sinks
  const dumper = sinks?.hexDump ? createHexDumper() : undefined
  if (sinks && (dumper !== undefined || sinks.raw !== undefined)) {
    out.push(tapTransform('>', sinks, dumper))
    inbound.unshift(tapTransform('<', sinks, dumper))
  }
  return { out, in: inbound }
}

/** Pipe `source` through each stage in turn; the last readable of the chain. */
function chain(source: Readable, stages: Transform[]): Readable {
  let last = source
  for (const stage of stages) last = last.pipe(stage)
  return last
}

/** Detach the outbound chain's end from the connection. */
function unwire(outSource: Readable, input: Readable | null, socket: Duplex, onSent: (chunk: Buffer) => void, onEnd: () => void): void {
  outSource.off('data', onSent)
  outSource.off('end', onEnd)
  if (outSource !== input) outSource.unpipe(socket)
}

/**
 * The stream transport: plain `pipe()` both ways through the stages, so backpressure is the
 * streams' own; without stages no code runs per chunk but the byte counters. It never ends
 * `output` and never destroys `input` (they may outlive the session: -k); it ends and destroys
 * the connection.
 */
export async function createStreamTransport(socket: Duplex, io: RelayIO, options: RelayOptions = {}): Promise<Transport> {
  const stages = await buildStages(options)
  const input = io.input
  const all = [...stages.out, ...stages.in]
  let emit: (event: SessionEvent) => void = () => {}
  let outSource: Readable | null = null
  let inSource: Readable = socket
  let onSent = (_chunk: Buffer) => {}
  let onReceived = (_chunk: Buffer) => {}
  const transport = {
    start,
    shutdownWrite: () => socket.end(),
    flushOutput,
    stop,
    close(outcome: string) {
      if (outcome === 'failed') socket.destroy()
      else closeSocket(socket)
    },
  }
  const onError = (error: unknown) => emit({ type: 'error', error })
  const onInputEnd = () => emit(INPUT_EOF)
  const onPeerEnd = () => emit(PEER_EOF)
  const onPeerClose = () => emit(PEER_CLOSED)
  const onOutputError = () => emit(OUTPUT_ERROR)

  function start(report: (event: SessionEvent) => void, meter: SessionMeter) {
    emit = report
    onSent = (chunk) => meter.sent(chunk.length)
    onReceived = (chunk) => meter.received(chunk.length)
    for (const stage of all) stage.on('error', onError)
    inSource = chain(socket, stages.in)
    socket.on('data', onReceived)
    socket.on('error', onError)
    socket.on('end', onPeerEnd)
    socket.on('close', onPeerClose)
    io.output.on('error', onOutputError)
    inSource.pipe(io.output, { end: false })
    if (input) {
      // A read error on the input ends it, as EOF would (the same rule as the buffer transport).
      input.on('error', onInputEnd)
      outSource = chain(input, stages.out)
      // Counted on the connection's side: bytes on the wire after -C/--frame.
      outSource.on('data', onSent)
      outSource.pipe(socket, { end: false })
      // An input that ended in an earlier session (-k) is at EOF now; pipe() ends any stages itself.
      if (input.readableEnded && stages.out.length === 0) queueMicrotask(onInputEnd)
      else outSource.on('end', onInputEnd)
    }
    // Closed before the session started (reset while a layer above was still setting up).
    if (socket.destroyed) queueMicrotask(onPeerClose)
  }

  function flushOutput(done: () => void) {
    const drain = () => {
      if (io.output.writableNeedDrain) io.output.once('drain', done)
      else done()
    }
    // After an EOF the inbound stages still hold the last bytes (a final frame): let them out first.
    if (inSource === socket || !socket.readableEnded || inSource.readableEnded) drain()
    else inSource.once('end', drain)
  }

  function stop() {
    socket.off('end', onPeerEnd)
    socket.off('error', onError)
    socket.off('close', onPeerClose)
    socket.off('data', onReceived)
    io.output.off('error', onOutputError)
    if (input) {
      input.off('end', onInputEnd)
      input.off('error', onInputEnd)
      input.unpipe(stages.out[0] ?? socket)
      input.pause()
    }
    if (outSource) unwire(outSource, input, socket, onSent, onInputEnd)
    inSource.unpipe(io.output)
    for (const stage of all) stage.destroy()
  }
  return transport
}

const INPUT_EOF: SessionEvent = { type: 'input-eof' }
const PEER_EOF: SessionEvent = { type: 'peer-eof' }
const PEER_CLOSED: SessionEvent = { type: 'peer-closed' }
const OUTPUT_ERROR: SessionEvent = { type: 'output-error' }

/**
 * Relay bytes between a connected stream and the local side until the session ends, by the
 * half-close rules of machine.ts (-N, -q, -w; see the README's "Half-close and exit"), with
 * -C, -i, --frame, --hex-dump and -o applied on the way. Connection errors reject with a
 * NetworkError (exit 1).
 */
export async function relay(socket: Duplex, io: RelayIO, options: RelayOptions = {}): Promise<RelayResult> {
  const transport = await createStreamTransport(socket, io, options)
  const { shutdownOnEof, quitAfterEofMs, idleTimeoutMs } = options
  return driveSession(transport, { shutdownOnEof, quitAfterEofMs, idleTimeoutMs }, options.signal)
}
