import { isUtf8 } from 'node:buffer'
import type { Readable, Writable } from 'node:stream'
import type { WebSocket } from 'ws'
import { ErrorCode, NetkitError, NetworkError } from '@netkit/shared'
import type { SessionMeter, Transport } from './driver.js'
import { createHexDumper } from './hexdump.js'
import type { SessionEnd, SessionEvent } from './machine.js'
import type { RelaySinks } from './taps.js'

/** Largest message received (and stdin line sent) by default: 16 MiB, as ws-echo. */
export const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024

/** Stop reading the local input while this much is queued for the socket; go on below the low mark. */
const HIGH_WATER = 1024 * 1024
const LOW_WATER = 256 * 1024
/** How long our close frame may wait for the peer's before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000
const NEWLINE = Buffer.from('\n')

export interface WsTransportOptions {
  /** Each input read is one binary message and messages are written raw (else: lines and text). */
  binary?: boolean
  /** The longest input line sent as one text message (received messages are capped by ws' maxPayload). */
  maxMessage?: number
  sinks?: RelaySinks
  /** Names the peer in error messages (the URL, or the client's address). */
  label?: string
}

/**
 * What a WebSocket did before its transport started (between the handshake and the session):
 * recorded so no message or close is lost, replayed by the transport.
 */
export interface EarlyEvents {
  messages: [Buffer, boolean][]
  close?: [number, string]
  error?: unknown
  detach(): void
}

/** Record a fresh WebSocket's events until a transport takes over (an 'error' listener from the start). */
export function recordEarly(ws: WebSocket): EarlyEvents {
  const early: EarlyEvents = { messages: [], detach }
  const onMessage = (data: Buffer, isBinary: boolean) => early.messages.push([data, isBinary])
  const onClose = (code: number, reason: Buffer) => (early.close = [code, reason.toString()])
  const onError = (error: unknown) => (early.error ??= error)
  ws.on('message', onMessage)
  ws.on('close', onClose)
  ws.on('error', onError)
  function detach() {
    ws.off('message', onMessage)
    ws.off('close', onClose)
    ws.off('error', onError)
  }
  return early
}

const CLOSE_NAMES: Record<number, string> = {
  1002: 'protocol error',
  1003: 'unsupported data',
  1006: 'abnormal closure: no close frame',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'mandatory extension',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
  1014: 'bad gateway',
}

/** `closed with 1002 (protocol error): reason` */
export function describeClose(code: number, reason: string): string {
  const name = CLOSE_NAMES[code]
  return `closed with ${code}${name ? ` (${name})` : ''}${reason ? `: ${reason}` : ''}`
}

/** The error for a peer's abnormal close: `LABEL: closed with 1011 (internal error): reason`. */
export function wsCloseError(label: string | undefined, code: number, reason: string): NetworkError {
  return new NetworkError(ErrorCode.WS_CLOSED, `${label ? `${label}: ` : ''}${describeClose(code, reason)}`, undefined, {})
}

/** The close code ws sent with a protocol error (its errors carry it under a symbol). */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const key = Object.getOwnPropertySymbols(error).find((s) => s.description === 'status-code')
  const value = key === undefined ? undefined : (error as Record<symbol, unknown>)[key]
  return typeof value === 'number' ? value : undefined
}

function protocolError(error: unknown, prefix: string, maxMessage: number): NetworkError {
  const code = (error as { code?: string }).code
  const status = statusOf(error)
  const message =
    code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
      ? `received a message larger than --max-message (${maxMessage} bytes): closed with 1009`
      : `${(error as Error).message ?? String(error)}${status === undefined ? '' : `: closed with ${status}`}`
  return new NetworkError(ErrorCode.WS_PROTOCOL, `${prefix}${message}`, undefined, {}, error)
}

/**
 * The WebSocket transport: stdin lines (or reads, with `binary`) become messages, messages
 * become stdout lines (or raw bytes). Backpressure both ways: a slow stdout pauses the
 * WebSocket's socket, a socket with more than HIGH_WATER queued pauses the input. Input EOF
 * is the machine's input-eof (its shutdown-write sends close 1000); the peer's close frame is
 * its peer-close event with the code.
 */
export function createWsTransport(ws: WebSocket, early: EarlyEvents, io: { input: Readable | null; output: Writable }, options: WsTransportOptions = {}): Transport {
  return new WsTransport(ws, early, io.input, io.output, options)
}

/** Splits input into lines (at most `max` bytes each, a trailing CR stripped); sans-I/O. */
export class LineSplitter {
  private pending: Buffer[] = []
  private pendingLength = 0

  constructor(private readonly max: number) {}

  /** The complete lines in `chunk` (with what was pending); `tooLong` once a line passed `max` (the lines before it come first). */
  push(chunk: Buffer): { lines: Buffer[]; tooLong: boolean } {
    const lines: Buffer[] = []
    let start = 0
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      const line = this.pendingLength > 0 ? Buffer.concat([...this.pending, piece]) : piece
      this.pending = []
      this.pendingLength = 0
      start = nl + 1
      if (line.length > this.max) return { lines, tooLong: true }
      lines.push(stripCr(line))
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start))
      this.pendingLength += chunk.length - start
      if (this.pendingLength > this.max) return { lines, tooLong: true }
    }
    return { lines, tooLong: false }
  }

  /** A last line without a newline, if any. */
  end(): Buffer | undefined {
    if (this.pendingLength === 0) return undefined
    const line = Buffer.concat(this.pending)
    this.pending = []
    this.pendingLength = 0
    return stripCr(line)
  }
}

const stripCr = (line: Buffer) => (line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, -1) : line)

class WsTransport implements Transport {
  private emit: (event: SessionEvent) => void = () => {}
  private meter: SessionMeter = { sent() {}, received() {} }
  private readonly lines: LineSplitter
  private readonly maxMessage: number
  private readonly prefix: string
  private readonly dumper: ReturnType<typeof createHexDumper> | undefined
  private lineNumber = 0
  private inputPaused = false
  private stopped = false

  constructor(
    private readonly ws: WebSocket,
    private readonly early: EarlyEvents,
    private readonly input: Readable | null,
    private readonly output: Writable,
    private readonly options: WsTransportOptions,
  ) {
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE
    this.lines = new LineSplitter(this.maxMessage)
    this.prefix = options.label ? `${options.label}: ` : ''
    this.dumper = options.sinks?.hexDump ? createHexDumper() : undefined
  }

  private tap(direction: '>' | '<', data: Buffer, isBinary: boolean) {
    const sinks = this.options.sinks
    if (sinks?.hexDump && this.dumper) sinks.hexDump.write(`${direction} ${isBinary ? 'binary' : 'text'} message, ${data.length} bytes\n${this.dumper(direction, data)}`)
    sinks?.raw?.write(data)
  }

  private readonly resumeSocket = () => this.ws.resume()

  private readonly onMessage = (data: Buffer, isBinary: boolean) => {
    this.meter.received(data.length)
    this.tap('<', data, isBinary)
    const ok = this.output.write(this.options.binary ? data : Buffer.concat([data, NEWLINE]))
    if (!ok && !this.stopped) {
      this.ws.pause()
      this.output.once('drain', this.resumeSocket)
    }
  }

  private readonly onClose = (code: number, reason: Buffer) => this.emit({ type: 'peer-close', code, reason: reason.toString() })
  private readonly onError = (error: unknown) => this.emit({ type: 'error', error: protocolError(error, this.prefix, this.maxMessage) })
  private readonly onOutputError = () => this.emit({ type: 'output-error' })

  private readonly onSent = () => {
    if (this.inputPaused && !this.stopped && this.ws.bufferedAmount <= LOW_WATER) {
      this.inputPaused = false
      this.input?.resume()
    }
  }

  private send(data: Buffer, binary: boolean) {
    this.meter.sent(data.length)
    this.tap('>', data, binary)
    this.ws.send(data, { binary }, this.onSent)
    if (this.ws.bufferedAmount > HIGH_WATER && this.input) {
      this.inputPaused = true
      this.input.pause()
    }
  }

  /** Send one text line; false (after failing the session) when it is not UTF-8. */
  private sendLine(line: Buffer): boolean {
    this.lineNumber++
    if (!isUtf8(line)) {
      this.fail(new NetkitError(ErrorCode.WS_PROTOCOL, `stdin line ${this.lineNumber} is not valid UTF-8 (a text message must be; use --binary to send bytes)`))
      return false
    }
    this.send(line, false)
    return true
  }

  private fail(error: NetkitError) {
    this.emit({ type: 'error', error })
  }

  private readonly onInput = (chunk: Buffer) => {
    if (this.options.binary) return this.send(chunk, true)
    const { lines, tooLong } = this.lines.push(chunk)
    for (const line of lines) if (!this.sendLine(line)) return
    if (tooLong) this.fail(new NetkitError(ErrorCode.MESSAGE_TOO_LONG, `stdin line ${this.lineNumber + 1} is longer than --max-message (${this.maxMessage} bytes)`))
  }

  private readonly onInputEnd = () => {
    // A last line without a newline is still a message.
    const last = this.lines.end()
    if (last !== undefined && !this.sendLine(last)) return
    this.emit({ type: 'input-eof' })
  }

  start(report: (event: SessionEvent) => void, meter: SessionMeter) {
    this.emit = report
    this.meter = meter
    this.early.detach()
    this.ws.on('message', this.onMessage)
    this.ws.on('close', this.onClose)
    this.ws.on('error', this.onError)
    this.output.on('error', this.onOutputError)
    // Events from before the session, in order, never synchronously from start().
    queueMicrotask(() => this.replayThenRead())
  }

  private replayThenRead() {
    if (this.stopped) return
    for (const [data, isBinary] of this.early.messages) this.onMessage(data, isBinary)
    if (this.early.error !== undefined) this.onError(this.early.error)
    else if (this.early.close) this.onClose(this.early.close[0], Buffer.from(this.early.close[1]))
    const input = this.input
    if (!input || this.stopped) return
    if (input.readableEnded) return this.onInputEnd()
    input.on('data', this.onInput)
    input.on('end', this.onInputEnd)
    // A read error on the input ends it, as EOF would (the rule of the other transports).
    input.on('error', this.onInputEnd)
    input.resume()
  }

  shutdownWrite() {
    this.ws.close(1000)
  }

  flushOutput(done: () => void) {
    if (this.output.writableNeedDrain) this.output.once('drain', done)
    else done()
  }

  stop() {
    this.stopped = true
    const { ws, input, output } = this
    ws.off('message', this.onMessage)
    ws.off('close', this.onClose)
    ws.off('error', this.onError)
    ws.on('error', () => {}) // the session is over; a late error is not news
    output.off('error', this.onOutputError)
    output.off('drain', this.resumeSocket)
    if (input) {
      input.off('data', this.onInput)
      input.off('end', this.onInputEnd)
      input.off('error', this.onInputEnd)
      input.pause()
    }
  }

  closeError(code: number, reason: string) {
    return wsCloseError(this.options.label, code, reason)
  }

  close(outcome: SessionEnd | 'failed'): void | Promise<void> {
    const ws = this.ws
    if (outcome === 'failed') return void ws.terminate()
    if (ws.readyState === ws.CLOSED) return
    if (ws.readyState === ws.OPEN) ws.close(1000)
    // -q, -w, a signal: our close frame is out, the peer's answer is not awaited.
    if (outcome !== 'peer-eof' && ws.bufferedAmount === 0) return void ws.terminate()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate()
        resolve()
      }, CLOSE_GRACE_MS)
      ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}
