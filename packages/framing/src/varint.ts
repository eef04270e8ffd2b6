/**
 * Frames preceded by an unsigned LEB128 varint length, as in protobuf's length-delimited streams
 * and libp2p's it-length-prefixed. Only minimal encodings up to 2^53 - 1 (8 bytes) are accepted:
 * overlong forms would let one length have many spellings, and wider values are not exact numbers.
 */
import type { Codec, FrameDecoder } from './codec.js'
import { FrameTooLargeError, InvalidVarintError } from './errors.js'
import { LengthDecoder } from './length-decoder.js'
import { allocFrame } from './alloc.js'
import { DEFAULT_MAX_FRAME_SIZE, checkMaxFrameSize, checkPayload } from './limits.js'

export interface VarintOptions {
  /** Largest payload accepted (default DEFAULT_MAX_FRAME_SIZE, 16 MiB). */
  maxFrameSize?: number
}

/** Longest varint accepted: 8 bytes carry 56 bits, of which the 53 of a safe integer are allowed. */
const MAX_VARINT_BYTES = 8

/** Bytes needed to encode `value` as a varint. */
export function varintLength(value: number): number {
  let bytes = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    bytes++
  }
  return bytes
}

/** Write `value` as a varint at `offset`; returns the offset after it. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80
    value = value < 0x80000000 ? value >>> 7 : Math.floor(value / 0x80)
  }
  out[offset++] = value
  return offset
}

class VarintDecoder extends LengthDecoder {
  /** Value and byte count of a varint split across chunks (or being read slowly). */
  private value = 0
  private bytes = 0

  constructor(private readonly limit: number) {
    super()
  }

  protected get headerBuffered(): number {
    return this.bytes
  }

  protected readHeader(chunk: Uint8Array, offset: number): number {
    if (this.bytes === 0) {
      // Fast paths for 1- to 3-byte lengths (frames under 2 MiB) lying inside the chunk.
      const b0 = chunk[offset]
      if (b0 < 0x80) {
        this.setNeed(b0)
        return offset + 1
      }
      if (offset + 2 < chunk.length) {
        const b1 = chunk[offset + 1]
        if (b1 < 0x80) {
          if (b1 === 0) throw new InvalidVarintError('varint length prefix is overlong (not minimally encoded)')
          this.setNeed((b0 & 0x7f) | (b1 << 7))
          return offset + 2
        }
        const b2 = chunk[offset + 2]
        if (b2 < 0x80) {
          if (b2 === 0) throw new InvalidVarintError('varint length prefix is overlong (not minimally encoded)')
          this.setNeed((b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14))
          return offset + 3
        }
      }
    }
    while (offset < chunk.length) {
      const byte = chunk[offset++]
      const index = this.bytes++
      if (index === MAX_VARINT_BYTES - 1 && byte > 0x0f) {
        throw new InvalidVarintError('varint length prefix is longer than 53 bits')
      }
      this.value += (byte & 0x7f) * 2 ** (7 * index)
      if (byte < 0x80) {
        if (byte === 0 && index > 0) throw new InvalidVarintError('varint length prefix is overlong (not minimally encoded)')
        const value = this.value
        this.value = 0
        this.bytes = 0
        this.setNeed(value)
        return offset
      }
      // The value only grows with more bytes: reject as soon as it passes the limit.
      if (this.value > this.limit) {
        throw new FrameTooLargeError(this.value, this.limit, `frame of at least ${this.value} bytes announced, limit is ${this.limit} bytes`)
      }
    }
    return offset
  }

  private setNeed(size: number): void {
    if (size > this.limit) throw new FrameTooLargeError(size, this.limit, `frame of ${size} bytes announced, limit is ${this.limit} bytes`)
    this.need = size
  }

  protected override fail(err: unknown): void {
    super.fail(err)
    this.value = 0
    this.bytes = 0
  }
}

/** A codec for frames with an unsigned varint (LEB128) length prefix. */
export function varint(options: VarintOptions = {}): Codec {
  const maxFrameSize = checkMaxFrameSize(options.maxFrameSize, DEFAULT_MAX_FRAME_SIZE)
  const check = (payload: Uint8Array): void => checkPayload(payload, maxFrameSize, 'varint')
  return {
    name: 'varint',
    maxFrameSize,
    encode(payload: Uint8Array): Uint8Array {
      check(payload)
      const n = payload.length
      const header = n < 0x80 ? 1 : varintLength(n)
      const out = allocFrame(header + n)
      writeVarint(out, 0, n)
      out.set(payload, header)
      return out
    },
    encodeMany(payloads: readonly Uint8Array[]): Uint8Array {
      let total = 0
      for (const payload of payloads) {
        check(payload)
        total += varintLength(payload.length) + payload.length
      }
      const out = allocFrame(total)
      let offset = 0
      for (const payload of payloads) {
        offset = writeVarint(out, offset, payload.length)
        out.set(payload, offset)
        offset += payload.length
      }
      return out
    },
    frameParts(payload: Uint8Array): Uint8Array[] {
      check(payload)
      const header = allocFrame(varintLength(payload.length))
      writeVarint(header, 0, payload.length)
      return [header, payload]
    },
    createDecoder(): FrameDecoder {
      return new VarintDecoder(maxFrameSize)
    },
  }
}
