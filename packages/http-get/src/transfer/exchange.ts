import type { Connection } from './connection.js'
import { mapSocketError } from './connection.js'
import type { HeaderList } from '../protocol/headers.js'
import type { Sink } from './output.js'
import { ResponseParser, type ParserEvent, type ResponseHead } from '../protocol/parser.js'
import { HttpParseError } from '../errors.js'

/** What a transfer decides when the final response head arrives. */
export interface ExchangeHooks {
  /** Returns the sink for the body (may throw, e.g. -f on a 404: the exchange fails with it). */
  head(head: ResponseHead): Sink
  /** Called with the body byte count after each piece (progress lines). */
  progress?(bodyBytes: number): void
  /** -v lines (`< ` response head, `* ` notes). */
  log?(line: string): void
}

export interface ExchangeResult {
  head: ResponseHead
  trailers: HeaderList
  /** Body bytes on the wire, after chunked decoding, before content decoding. */
  bodyBytes: number
  /** The connection ended cleanly and the server allows another request on it. */
  reusable: boolean
  /** performance.now() when the first response byte arrived. */
  firstByteAt: number
}

/** `HTTP/1.1 200 OK` plus `Name: value` lines, CRLF-terminated, for -i and -v. */
export function formatHead(head: ResponseHead): string[] {
  const lines = [`HTTP/${head.httpVersion} ${head.status}${head.reason === '' ? '' : ` ${head.reason}`}`]
  for (const [name, value] of head.headers) lines.push(`${name}: ${value}`)
  return lines
}

/**
 * One request and its response on one connection: writes the request head, feeds every read to a
 * ResponseParser and body pieces to the sink the hooks choose, pausing the socket while the sink
 * is full. Reads go socket -> parser views -> sink.write with no copy on the plain-TCP path.
 */
export class Exchange {
  /** Response bytes received (0 on a reused connection the server had closed: safe to retry). */
  received = 0
  /** Bytes of the request head sent (curl's size_request). */
  requestBytes = 0
  /** performance.now() when the request was about to be sent (time_pretransfer). */
  sentAt = 0
  /** performance.now() when the first response byte arrived (0 until then). */
  firstByteAt = 0
  private readonly parser: ResponseParser
  private sink: Sink | undefined
  private head: ResponseHead | undefined
  private trailers: HeaderList = []
  /** Whether the chunk being handled lives in the connection's reused read buffer. */
  private transient = true
  private settled = false
  private resolve!: (result: ExchangeResult) => void
  private reject!: (err: unknown) => void
  readonly done: Promise<ExchangeResult>

  constructor(
    private readonly conn: Connection,
    private readonly requestHead: string,
    method: string,
    private readonly hooks: ExchangeHooks,
    maxHeaderSize?: number,
  ) {
    this.parser = new ResponseParser({ method, maxHeaderSize })
    this.done = new Promise<ExchangeResult>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  /** Send the request and start reading; `done` settles with the response. */
  start(): Promise<ExchangeResult> {
    const conn = this.conn
    conn.attach({
      data: (chunk, transient) => this.onData(chunk, transient),
      end: () => this.onEnd(),
      error: (err) => this.fail(mapSocketError(err, 'transfer', conn.target)),
    })
    this.sentAt = performance.now()
    if (conn.closed) {
      this.onEnd()
    } else {
      this.requestBytes = Buffer.byteLength(this.requestHead)
      conn.write(this.requestHead)
      conn.resume()
    }
    return this.done
  }

  /** Body bytes received so far (none when the head was refused, as -f refuses a 404). */
  get bodyBytes(): number {
    return this.sink === undefined ? 0 : this.parser.bodyBytes
  }

  /** Bytes of the response heads so far (1xx heads included), curl's size_header. */
  get headerBytes(): number {
    return this.parser.headerBytes
  }

  /** The connection this exchange runs on. */
  get connection(): Connection {
    return this.conn
  }

  /** The Content-Length of the response, once its head arrived and when it has one. */
  get expectedBodyBytes(): number | undefined {
    return this.head?.bodyKind === 'length' ? this.head.contentLength : undefined
  }

  /** Stop now (max-time, Ctrl-C): the connection is closed, bytes already written stay. */
  abort(err: unknown): void {
    this.fail(err)
  }

  private onData(chunk: Uint8Array, transient: boolean): boolean {
    if (this.settled) return false
    this.transient = transient
    if (this.received === 0) this.firstByteAt = performance.now()
    this.received += chunk.length
    let events: ParserEvent[]
    try {
      events = this.parser.push(chunk)
    } catch (err) {
      // What this chunk completed before the bad bytes (a head, body pieces) is still written out.
      if (err instanceof HttpParseError && err.events.length > 0) this.handle(err.events)
      this.fail(err)
      return false
    }
    return this.handle(events)
  }

  private onEnd(): void {
    if (this.settled) return
    let events: ParserEvent[]
    try {
      events = this.parser.finish()
    } catch (err) {
      this.fail(err)
      return
    }
    this.handle(events)
  }

  /** Act on parser events; returns false when reading must pause until the sink drains. */
  private handle(events: ParserEvent[]): boolean {
    let more = true
    let ended = false
    for (const event of events) {
      switch (event.type) {
        case 'body': {
          more = this.sink!.write(event.data, this.transient) && more
          this.hooks.progress?.(this.parser.bodyBytes)
          break
        }
        case 'head': {
          this.head = event.head
          this.logHead(event.head)
          try {
            this.sink = this.hooks.head(event.head)
          } catch (err) {
            this.fail(err)
            return false
          }
          break
        }
        case 'interim':
          this.logHead(event.head)
          break
        case 'trailers':
          this.trailers = event.trailers
          if (this.hooks.log) for (const [name, value] of event.trailers) this.hooks.log(`< ${name}: ${value}`)
          break
        case 'end':
          ended = true
          break
      }
    }
    if (this.sink?.error) {
      this.fail(this.sink.error)
      return false
    }
    if (ended) {
      void this.finish()
      return false
    }
    if (more) return true
    // Pause until the sink drains; a sink that is already drained answers synchronously.
    let synchronous = true
    let drained = false
    this.sink!.onDrain(() => {
      if (synchronous) drained = true
      else if (!this.settled) this.conn.resume()
    })
    synchronous = false
    return drained
  }

  private logHead(head: ResponseHead): void {
    const log = this.hooks.log
    if (!log) return
    for (const line of formatHead(head)) log(`< ${line}`)
    log('< ')
    for (const warning of head.warnings) log(`* Warning: ${warning}`)
  }

  private async finish(): Promise<void> {
    const conn = this.conn
    conn.attach(undefined)
    const head = this.head!
    const leftover = this.parser.leftover.length
    if (leftover > 0) this.hooks.log?.(`* Server sent ${leftover} bytes after the response; closing the connection`)
    const reusable = head.keepAlive && leftover === 0 && conn.reusable
    try {
      await this.sink!.close()
    } catch (err) {
      this.fail(err)
      return
    }
    if (this.settled) return
    this.settled = true
    this.resolve({ head, trailers: this.trailers, bodyBytes: this.parser.bodyBytes, reusable, firstByteAt: this.firstByteAt })
  }

  private fail(err: unknown): void {
    if (this.settled) return
    this.settled = true
    this.conn.attach(undefined)
    this.conn.destroy()
    this.sink?.abort()
    this.reject(err)
  }
}
