import { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import type { OpenWebSocket } from './websocket.js'
import { isCleanClose } from '../session/machine.js'
import { LineSplitter, wsCloseError } from '../session/ws-transport.js'

const NEWLINE = Buffer.from('\n')

/**
 * A WebSocket as a byte stream with nc's line mapping, for the hubs (--keep-open, --broker,
 * --chat), which serve byte streams: what is written goes out as one text message per line (or
 * one binary message per write with `binary`); each message read comes out as its bytes and
 * `\n` (raw with `binary`). end() sends close 1000; the peer's close 1000/1001/1005 is EOF, any
 * other code an error naming it. Backpressure: a write completes when ws has written it, and
 * the socket is paused while the reader is behind.
 */
export class WebSocketLineStream extends Duplex {
  private readonly lines: LineSplitter

  constructor(
    private readonly ws: WebSocket,
    options: { binary?: boolean; maxMessage: number; label?: string },
    open?: OpenWebSocket,
  ) {
    super()
    this.binary = options.binary ?? false
    this.lines = new LineSplitter(options.maxMessage)
    open?.early.detach()
    const onMessage = (data: Buffer) => {
      if (!this.push(this.binary ? data : Buffer.concat([data, NEWLINE]))) ws.pause()
    }
    for (const [data] of open?.early.messages ?? []) onMessage(data)
    ws.on('message', onMessage)
    ws.on('error', (err) => this.destroy(err))
    ws.on('close', (code: number, reason: Buffer) => {
      if (isCleanClose(code)) this.push(null)
      else this.destroy(wsCloseError(options.label, code, reason.toString()))
    })
  }

  private readonly binary: boolean

  override _read(): void {
    this.ws.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.binary) return void this.ws.send(chunk, { binary: true }, callback)
    const { lines, tooLong } = this.lines.push(chunk)
    if (tooLong) return callback(new Error('a line is longer than --max-message'))
    if (lines.length === 0) return callback()
    lines.forEach((line, i) => this.ws.send(line, { binary: false }, i === lines.length - 1 ? callback : undefined))
  }

  override _final(callback: (error?: Error | null) => void): void {
    const last = this.binary ? undefined : this.lines.end()
    if (last !== undefined) this.ws.send(last, { binary: false })
    this.ws.close(1000)
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const ws = this.ws
    if (!error && ws.readyState === ws.OPEN) ws.close(1000)
    // The hub is done with this client (it left, or nc is exiting): our close frame is out, its answer is not awaited.
    if (ws.readyState !== ws.CLOSED && (error || ws.bufferedAmount === 0)) ws.terminate()
    else if (ws.readyState !== ws.CLOSED) setTimeout(() => ws.terminate(), 2000).unref()
    callback(error)
  }
}
