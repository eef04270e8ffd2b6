import { isUtf8 } from 'node:buffer'
import type { Readable, Writable } from 'node:stream'
import type { WebSocket } from 'ws'
import { ErrorCode, NetkitError, NetworkError } from '@netkit/shared'
import type { SessionMeter, Transport } from './driver.js'
import { createHexDumper } from './hexdump.js'
import type { SessionEvent } from './machine.js'
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
  const { input, output } = io
  const maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE
  const prefix = options.label ? `${options.label}: ` : ''
  const dumper = options.sinks?.hexDump ? createHexDumper() : undefined
  let emit: (event: SessionEvent) => void = () => {}
  let meter: SessionMeter = { sent() {}, received() {} }
  let pending: Buffer[] = []
  let pendingLength = 0
  let lineNumber = 0
  let inputPaused = false
  let stopped = false

  const tap = (direction: '>' | '<', data: Buffer, isBinary: boolean) => {
    const sinks = options.sinks
    if (sinks?.hexDump && dumper) sinks.hexDump.write(`${direction} ${isBinary ? 'binary' : 'text'} message, ${data.length} bytes\n${dumper(direction, data)}`)
    sinks?.raw?.write(data)
  }
  const resumeSocket = () => ws.resume()
  const onMessage = (data: Buffer, isBinary: boolean) => {
    meter.received(data.length)
    tap('<', data, isBinary)
    const ok = output.write(options.binary ? data : Buffer.concat([data, NEWLINE]))
    if (!ok && !stopped) {
      ws.pause()
      output.once('drain', resumeSocket)
    }
  }
  const onClose = (code: number, reason: Buffer) => emit({ type: 'peer-close', code, reason: reason.toString() })
  const onError = (error: unknown) => emit({ type: 'error', error: protocolError(error, prefix, maxMessage) })
  const onOutputError = () => emit({ type: 'output-error' })
  const onSent = () => {
    if (inputPaused && !stopped && ws.bufferedAmount <= LOW_WATER) {
      inputPaused = false
      input?.resume()
    }
  }

  function send(data: Buffer, binary: boolean) {
    meter.sent(data.length)
    tap('>', data, binary)
    ws.send(data, { binary }, onSent)
    if (ws.bufferedAmount > HIGH_WATER && input) {
      inputPaused = true
      input.pause()
    }
  }

  function sendLine(line: Buffer) {
    lineNumber++
    const text = line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, -1) : line
    if (!isUtf8(text)) {
      fail(new NetkitError(ErrorCode.WS_PROTOCOL, `stdin line ${lineNumber} is not valid UTF-8 (a text message must be; use --binary to send bytes)`))
      return false
    }
    send(text, false)
    return true
  }

  function fail(error: NetkitError) {
    emit({ type: 'error', error })
  }

  function tooLong() {
    fail(new NetkitError(ErrorCode.MESSAGE_TOO_LONG, `stdin line ${lineNumber + 1} is longer than --max-message (${maxMessage} bytes)`))
  }

  const onInput = (chunk: Buffer) => {
    if (options.binary) return send(chunk, true)
    let start = 0
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      const line = pendingLength > 0 ? Buffer.concat([...pending, piece]) : piece
      pending = []
      pendingLength = 0
      start = nl + 1
      if (line.length > maxMessage) return tooLong()
      if (!sendLine(line)) return
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start))
      pendingLength += chunk.length - start
      if (pendingLength > maxMessage) tooLong()
    }
  }
  const onInputEnd = () => {
    // A last line without a newline is still a message.
    if (pendingLength > 0) {
      const line = Buffer.concat(pending)
      pending = []
      pendingLength = 0
      if (!sendLine(line)) return
    }
    emit({ type: 'input-eof' })
  }

  function start(report: (event: SessionEvent) => void, sessionMeter: SessionMeter) {
    emit = report
    meter = sessionMeter
    early.detach()
    ws.on('message', onMessage)
    ws.on('close', onClose)
    ws.on('error', onError)
    output.on('error', onOutputError)
    // Events from before the session, in order, never synchronously from start().
    queueMicrotask(() => {
      if (stopped) return
      for (const [data, isBinary] of early.messages) onMessage(data, isBinary)
      if (early.error !== undefined) onError(early.error)
      else if (early.close) onClose(early.close[0], Buffer.from(early.close[1]))
      if (!input || stopped) return
      if (input.readableEnded) return onInputEnd()
      input.on('data', onInput)
      input.on('end', onInputEnd)
      // A read error on the input ends it, as EOF would (the rule of the other transports).
      input.on('error', onInputEnd)
      input.resume()
    })
  }

  function stop() {
    stopped = true
    ws.off('message', onMessage)
    ws.off('close', onClose)
    ws.off('error', onError)
    ws.on('error', () => {}) // the session is over; a late error is not news
    output.off('error', onOutputError)
    output.off('drain', resumeSocket)
    if (input) {
      input.off('data', onInput)
      input.off('end', onInputEnd)
      input.off('error', onInputEnd)
      input.pause()
    }
  }

  return {
    start,
    shutdownWrite: () => ws.close(1000),
    flushOutput(done) {
      if (output.writableNeedDrain) output.once('drain', done)
      else done()
    },
    stop,
    closeError: (code, reason) => new NetworkError(ErrorCode.WS_CLOSED, `${prefix}${describeClose(code, reason)}`, undefined, {}),
    close(outcome) {
      if (outcome === 'failed') return void ws.terminate()
      if (ws.readyState === ws.CLOSED) return
      if (ws.readyState === ws.OPEN) ws.close(1000)
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
    },
  }
}
