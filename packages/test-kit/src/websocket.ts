import { randomBytes } from 'node:crypto'
import type net from 'node:net'
import { connectTo } from './sockets.js'

/**
 * A raw WebSocket client for tests: the handshake written by hand and frames encoded and
 * decoded here, so a test can send what no library would (unmasked frames, bad UTF-8, reserved
 * opcodes, RSV bits) and see exactly which close code comes back.
 */

export const WS_OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const

export interface WsFrame {
  fin: boolean
  /** The three RSV bits as a number (RSV1 = 4). */
  rsv: number
  opcode: number
  payload: Buffer
}

export interface WsFrameOptions {
  opcode: number
  payload?: Uint8Array | string
  fin?: boolean
  /** Clients must mask (default true); false sends an unmasked frame. */
  mask?: boolean
  /** RSV bits (RSV1 = 4, RSV2 = 2, RSV3 = 1). */
  rsv?: number
}

/** One frame's bytes. */
export function encodeWsFrame(options: WsFrameOptions): Buffer {
  const payload = typeof options.payload === 'string' ? Buffer.from(options.payload) : Buffer.from(options.payload ?? [])
  const mask = options.mask ?? true
  const n = payload.length
  const lengthBytes = n < 126 ? 0 : n < 65_536 ? 2 : 8
  const head = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0))
  head[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | options.opcode
  head[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? n : lengthBytes === 2 ? 126 : 127)
  if (lengthBytes === 2) head.writeUInt16BE(n, 2)
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(n), 2)
  if (!mask) return Buffer.concat([head, payload])
  const key = randomBytes(4)
  key.copy(head, 2 + lengthBytes)
  const body = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) body[i] = payload[i]! ^ key[i & 3]!
  return Buffer.concat([head, body])
}

/** A close frame's payload: the code, then the reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason))
  b.writeUInt16BE(code, 0)
  b.write(reason, 2)
  return b
}

/** Decodes frames from a byte stream (any chunking); server frames are unmasked. */
export class WsFrameDecoder {
  private buffer: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): WsFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const frames: WsFrame[] = []
    for (;;) {
      const b = this.buffer
      if (b.length < 2) break
      let n = b[1]! & 0x7f
      let offset = 2
      if (n === 126) {
        if (b.length < 4) break
        n = b.readUInt16BE(2)
        offset = 4
      } else if (n === 127) {
        if (b.length < 10) break
        n = Number(b.readBigUInt64BE(2))
        offset = 10
      }
      const masked = (b[1]! & 0x80) !== 0
      const key = masked ? b.subarray(offset, offset + 4) : undefined
      if (masked) offset += 4
      if (b.length < offset + n) break
      const payload = Buffer.from(b.subarray(offset, offset + n))
      if (key) for (let i = 0; i < n; i++) payload[i]! ^= key[i & 3]!
      frames.push({ fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0x0f, payload })
      this.buffer = b.subarray(offset + n)
    }
    return frames
  }
}

export interface RawWsClient {
  socket: net.Socket
  /** The handshake response's status code (101 when upgraded). */
  status: number
  /** The response head, as text. */
  head: string
  /** The response body (for refusals), read to the end of the socket. */
  body(): Promise<string>
  /** Every frame received so far. */
  frames: WsFrame[]
  send(options: WsFrameOptions): void
  /** Resolve with the first frame (received so far or later) that `match` accepts; reject after `ms`. */
  waitFrame(match: (frame: WsFrame) => boolean, ms?: number): Promise<WsFrame>
  /** The close frame's code and reason, within `ms` (code 1005 for an empty close frame). */
  closeCode(ms?: number): Promise<{ code: number; reason: string }>
  /** Resolves when the socket closes (the client ends its side when the server ends its side). */
  closed: Promise<void>
}

export interface RawWsOptions {
  host?: string
  path?: string
  /** Extra request headers (`Sec-WebSocket-Extensions: permessage-deflate`). */
  headers?: Record<string, string>
  /** Send a plain GET without the upgrade headers. */
  plain?: boolean
}

/** Resolves with the first received frame that `match`es; rejects when the socket closes first or after `ms`. */
function frameWaiter(socket: net.Socket, frames: WsFrame[], waiters: Set<() => void>) {
  return (match: (frame: WsFrame) => boolean, ms = 5000) =>
    new Promise<WsFrame>((resolve, reject) => {
      const check = () => {
        const found = frames.find(match)
        if (found) {
          done()
          resolve(found)
        } else if (socket.destroyed) {
          done()
          reject(new Error(`socket closed; frames: ${frames.map((f) => f.opcode).join(',')}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no matching frame within ${ms} ms; frames: ${frames.map((f) => f.opcode).join(',')}`))
      }, ms)
      const done = () => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
}

/** Connect to a WebSocket server on loopback and do the opening handshake by hand. */
export async function rawWebSocket(port: number, options: RawWsOptions = {}): Promise<RawWsClient> {
  const host = options.host ?? '127.0.0.1'
  const socket = await connectTo(port, host)
  const headers: Record<string, string> = options.plain
    ? { Host: `${host}:${port}` }
    : {
        Host: `${host}:${port}`,
        Upgrade: 'websocket',
        Connection: 'Upgrade',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      }
  Object.assign(headers, options.headers)
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  socket.write(`GET ${options.path ?? '/'} HTTP/1.1\r\n${lines}\r\n`)
  const decoder = new WsFrameDecoder()
  const frames: WsFrame[] = []
  const waiters = new Set<() => void>()
  let received: Buffer = Buffer.alloc(0)
  let headDone: (value: { head: string; status: number }) => void
  const headPromise = new Promise<{ head: string; status: number }>((resolve) => (headDone = resolve))
  let head: string | undefined
  let bodyBytes: Buffer = Buffer.alloc(0)
  let status = 0
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const ended = new Promise<void>((resolve) => {
    socket.once('end', () => resolve())
    socket.once('close', () => resolve())
  })
  // Like any client, close our side once the server closed its side.
  socket.on('end', () => socket.end())
  socket.on('data', (chunk: Buffer) => {
    if (head === undefined) {
      received = Buffer.concat([received, chunk])
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return
      head = received.subarray(0, end).toString('latin1')
      status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      headDone({ head, status })
      chunk = received.subarray(end + 4)
      if (status !== 101) {
        bodyBytes = Buffer.from(chunk)
        return
      }
    } else if (status !== 101) {
      bodyBytes = Buffer.concat([bodyBytes, chunk])
      return
    }
    frames.push(...decoder.push(chunk))
    for (const wake of [...waiters]) wake()
  })
  socket.on('close', () => {
    headDone({ head: head ?? '', status })
    for (const wake of [...waiters]) wake()
  })
  const res = await headPromise
  const waitFrame = frameWaiter(socket, frames, waiters)
  return {
    socket,
    status: res.status,
    head: res.head,
    body: async () => {
      await ended
      return bodyBytes.toString('utf8')
    },
    frames,
    send: (o) => socket.write(encodeWsFrame(o)),
    waitFrame,
    closeCode: async (ms) => {
      const f = await waitFrame((frame) => frame.opcode === WS_OPCODE.close, ms)
      return f.payload.length >= 2 ? { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString() } : { code: 1005, reason: '' }
    },
    closed,
  }
}
