/**
 * Frames ended by a delimiter (default '\n'). Each chunk is searched once, from where the last
 * search stopped, so the input is scanned once however it is chunked; a delimiter split across
 * chunks is found by looking at the last few held bytes.
 */
import { InvalidArgumentError } from '@netkit/shared'
import type { Codec, FrameDecoder } from './codec.js'
import { DecoderBase } from './decoder-base.js'
import { FrameTooLargeError, FrameTruncatedError } from './errors.js'
import { allocFrame } from './alloc.js'
import { DEFAULT_MAX_LINE_SIZE, checkMaxFrameSize, checkPayload } from './limits.js'
import { view } from './view.js'

export interface DelimitedOptions {
  /** The delimiter (default '\n'); a string is encoded as UTF-8. */
  delimiter?: string | Uint8Array
  /** Also strip a '\r' right before the delimiter (CRLF lines). Default false; true for lines(). */
  crlf?: boolean
  /** Keep the delimiter (and the '\r' of a CRLF) at the end of each frame (default false). */
  keepDelimiter?: boolean
  /** Longest frame accepted, delimiter excluded (default DEFAULT_MAX_LINE_SIZE, 64 KiB). */
  maxFrameSize?: number
  /** end() returns a last frame without a delimiter instead of throwing FrameTruncatedError (default false). */
  allowUnterminatedEnd?: boolean
}

const CR = 0x0d

interface DelimitedConfig {
  delimiter: Buffer
  crlf: boolean
  keepDelimiter: boolean
  limit: number
  allowUnterminatedEnd: boolean
}

/** Bytes scanned in JavaScript before handing the search to Buffer#indexOf (memchr): short lines are found faster without the native call. */
const INLINE_SCAN = 48

/** Index of `byte` in chunk[from, length), or -1. */
function findByte(chunk: Buffer, byte: number, from: number, length: number): number {
  const stop = from + INLINE_SCAN < length ? from + INLINE_SCAN : length
  for (let i = from; i < stop; i++) if (chunk[i] === byte) return i
  return stop < length ? chunk.indexOf(byte, stop) : -1
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

class DelimitedDecoder extends DecoderBase {
  private readonly single: number

  constructor(private readonly config: DelimitedConfig) {
    super()
    this.single = config.delimiter.length === 1 ? config.delimiter[0] : -1
  }

  get buffered(): number {
    return this.pending.length
  }

  protected decode(chunk: Uint8Array, frames: Uint8Array[]): void {
    if (this.single >= 0) this.decodeSingle(asBuffer(chunk), frames)
    else this.decodeMulti(asBuffer(chunk), frames)
  }

  protected finish(): Uint8Array[] {
    const buffered = this.pending.length
    if (buffered === 0) return []
    if (this.config.allowUnterminatedEnd) {
      // Held bytes may pass the limit by what could have been a delimiter (or a CR); they were not.
      if (buffered > this.config.limit) throw this.tooLarge(buffered)
      return [this.pending.take()]
    }
    throw new FrameTruncatedError(buffered, `input ended inside a frame: ${buffered} bytes without a delimiter`)
  }

  /** The frame from a delimiter-less body: checks the limit, strips a CR when asked. */
  private emit(frames: Uint8Array[], body: Uint8Array, delimiterLength: number): void {
    const { crlf, keepDelimiter, limit } = this.config
    const length = body.length - delimiterLength
    if (crlf && length > 0 && body[length - 1] === CR) {
      if (length - 1 > limit) throw this.tooLarge(length - 1)
      frames.push(keepDelimiter ? body : body.subarray(0, length - 1))
      return
    }
    if (length > limit) throw this.tooLarge(length)
    frames.push(keepDelimiter ? body : body.subarray(0, length))
  }

  private tooLarge(size: number, open = false): FrameTooLargeError {
    const limit = this.config.limit
    return new FrameTooLargeError(
      size,
      limit,
      open ? `no delimiter in the first ${size} bytes of a frame, limit is ${limit} bytes` : `frame of ${size} bytes exceeds the limit of ${limit} bytes`,
    )
  }

  /**
   * Before joining the held bytes with chunk[0, end) (the frame's body; its delimiter starts at
   * `end`): reject a frame over the limit without copying it.
   */
  private checkJoin(chunk: Uint8Array, end: number): void {
    const { crlf, limit } = this.config
    let size = this.pending.length + end
    if (size - (crlf ? 1 : 0) <= limit) return
    if (crlf && (end > 0 ? chunk[end - 1] : this.pending.tail(1)[0]) === CR) size--
    if (size > limit) throw this.tooLarge(size)
  }

  /** After a chunk's last delimiter: hold the rest, or reject it once it cannot fit the limit anymore. */
  private hold(chunk: Uint8Array, start: number): void {
    const pending = this.pending
    // Up to (delimiter length - 1) held bytes may be the start of a delimiter, plus one CR.
    const slack = this.config.delimiter.length - 1 + (this.config.crlf ? 1 : 0)
    const size = pending.length + chunk.length - start
    if (size - slack > this.config.limit) throw this.tooLarge(size, true)
    pending.add(chunk, start, chunk.length)
  }

  private decodeSingle(chunk: Buffer, frames: Uint8Array[]): void {
    const byte = this.single
    const length = chunk.length
    const keep = this.config.keepDelimiter
    let start = 0
    let index = findByte(chunk, byte, 0, length)
    if (index < 0) {
      if (length > 0) this.hold(chunk, 0)
      return
    }
    if (this.pending.length > 0) {
      this.checkJoin(chunk, index)
      this.emit(frames, this.pending.take(chunk, 0, index + 1), 1)
      start = index + 1
      index = findByte(chunk, byte, start, length)
    }
    const { crlf, limit } = this.config
    // Read once per chunk: the getters cost more than building the view itself.
    const arrayBuffer = chunk.buffer
    const base = chunk.byteOffset
    while (index >= 0) {
      // Inlined emit() for the common case: a view into the chunk.
      let end = index
      if (crlf && end > start && chunk[end - 1] === CR) end--
      if (end - start > limit) throw this.tooLarge(end - start)
      frames.push(new Uint8Array(arrayBuffer, base + start, (keep ? index + 1 : end) - start))
      start = index + 1
      index = findByte(chunk, byte, start, length)
    }
    if (start < length) this.hold(chunk, start)
  }

  private decodeMulti(chunk: Buffer, frames: Uint8Array[]): void {
    const delimiter = this.config.delimiter
    const dl = delimiter.length
    const length = chunk.length
    let start = 0
    const pending = this.pending
    if (pending.length > 0) {
      // A delimiter that began in the held bytes and ends in this chunk.
      const k = this.splitDelimiter(chunk)
      if (k > 0) {
        this.emit(frames, pending.take(chunk, 0, dl - k), dl)
        start = dl - k
      } else {
        const index = chunk.indexOf(delimiter, 0)
        if (index < 0) {
          if (length > 0) this.hold(chunk, 0)
          return
        }
        this.checkJoin(chunk, index)
        this.emit(frames, pending.take(chunk, 0, index + dl), dl)
        start = index + dl
      }
    }
    let index = start < length ? chunk.indexOf(delimiter, start) : -1
    while (index >= 0) {
      this.emit(frames, view(chunk, start, index + dl), dl)
      start = index + dl
      index = start < length ? chunk.indexOf(delimiter, start) : -1
    }
    if (start < length) this.hold(chunk, start)
  }

  /** How many bytes of the delimiter the held bytes end with, given that the chunk holds the rest (0 if none). */
  private splitDelimiter(chunk: Buffer): number {
    const delimiter = this.config.delimiter
    const dl = delimiter.length
    const held = Math.min(dl - 1, this.pending.length)
    if (held === 0) return 0
    const tail = this.pending.tail(held)
    // Largest k first: the delimiter that starts earliest in the stream wins.
    for (let k = held; k >= 1; k--) {
      if (chunk.length < dl - k) continue
      let match = true
      for (let i = 0; i < k && match; i++) if (tail[held - k + i] !== delimiter[i]) match = false
      for (let i = k; i < dl && match; i++) if (chunk[i - k] !== delimiter[i]) match = false
      if (match) return k
    }
    return 0
  }
}

function makeCodec(name: string, options: DelimitedOptions): Codec {
  const raw = options.delimiter ?? '\n'
  const delimiter = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw)
  if (delimiter.length === 0) throw new InvalidArgumentError('delimiter must not be empty')
  const config: DelimitedConfig = {
    delimiter,
    crlf: options.crlf ?? false,
    keepDelimiter: options.keepDelimiter ?? false,
    limit: checkMaxFrameSize(options.maxFrameSize, DEFAULT_MAX_LINE_SIZE),
    allowUnterminatedEnd: options.allowUnterminatedEnd ?? false,
  }
  const dl = delimiter.length
  const check = (payload: Uint8Array): void => checkPayload(payload, config.limit, name)
  return {
    name,
    maxFrameSize: config.limit,
    encode(payload: Uint8Array): Uint8Array {
      check(payload)
      const out = allocFrame(payload.length + dl)
      out.set(payload, 0)
      if (dl === 1) out[payload.length] = delimiter[0]
      else out.set(delimiter, payload.length)
      return out
    },
    encodeMany(payloads: readonly Uint8Array[]): Uint8Array {
      let total = 0
      for (const payload of payloads) {
        check(payload)
        total += payload.length + dl
      }
      const out = allocFrame(total)
      let offset = 0
      for (const payload of payloads) {
        out.set(payload, offset)
        offset += payload.length
        if (dl === 1) out[offset] = delimiter[0]
        else out.set(delimiter, offset)
        offset += dl
      }
      return out
    },
    frameParts(payload: Uint8Array): Uint8Array[] {
      check(payload)
      return [payload, Buffer.from(delimiter)]
    },
    createDecoder(): FrameDecoder {
      return new DelimitedDecoder(config)
    },
  }
}

/**
 * A codec for frames ended by a delimiter. Payloads must not contain the delimiter (encode does not
 * scan them, for speed); with crlf they must not end with '\r'.
 */
export function delimited(options: DelimitedOptions = {}): Codec {
  return makeCodec('delimited', options)
}

/** Lines: '\n'-terminated frames, a '\r' before the '\n' stripped (crlf: true by default). */
export function lines(options: Omit<DelimitedOptions, 'delimiter'> = {}): Codec {
  return makeCodec('lines', { ...options, delimiter: '\n', crlf: options.crlf ?? true })
}
