/** Frames preceded by a fixed-width unsigned length: 1, 2, 4 (default) or 8 bytes, big (default) or little endian. */
import { InvalidArgumentError } from '@netkit/shared'
import type { Codec, FrameDecoder } from './codec.js'
import { FrameTooLargeError, InvalidFrameLengthError } from './errors.js'
import { LengthDecoder } from './length-decoder.js'
import { allocFrame } from './alloc.js'
import { DEFAULT_MAX_FRAME_SIZE, checkMaxFrameSize, checkPayload } from './limits.js'

export interface LengthPrefixedOptions {
  /** Prefix width in bytes (default 4). */
  width?: 1 | 2 | 4 | 8
  /** Byte order of the prefix (default 'big', network order). */
  endian?: 'big' | 'little'
  /** The prefix counts itself as well as the payload (default false). */
  lengthIncludesHeader?: boolean
  /** Largest payload accepted (default DEFAULT_MAX_FRAME_SIZE, 16 MiB; also capped by what the width can express). */
  maxFrameSize?: number
}

type ReadLength = (bytes: Uint8Array, offset: number) => number
type WriteLength = (bytes: Uint8Array, offset: number, value: number) => void

const TWO_32 = 2 ** 32

const readers: Record<string, ReadLength> = {
  '1big': (b, o) => b[o],
  '1little': (b, o) => b[o],
  '2big': (b, o) => (b[o] << 8) | b[o + 1],
  '2little': (b, o) => b[o] | (b[o + 1] << 8),
  '4big': (b, o) => b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]),
  '4little': (b, o) => b[o + 3] * 0x1000000 + ((b[o + 2] << 16) | (b[o + 1] << 8) | b[o]),
  // Above 2^53 the value is approximate, but it is then far above any limit, which is all that matters.
  '8big': (b, o) => readers['4big'](b, o) * TWO_32 + readers['4big'](b, o + 4),
  '8little': (b, o) => readers['4little'](b, o + 4) * TWO_32 + readers['4little'](b, o),
}

const writers: Record<string, WriteLength> = {
  '1big': (b, o, v) => {
    b[o] = v
  },
  '1little': (b, o, v) => {
    b[o] = v
  },
  '2big': (b, o, v) => {
    b[o] = v >>> 8
    b[o + 1] = v
  },
  '2little': (b, o, v) => {
    b[o] = v
    b[o + 1] = v >>> 8
  },
  '4big': (b, o, v) => {
    b[o] = v >>> 24
    b[o + 1] = v >>> 16
    b[o + 2] = v >>> 8
    b[o + 3] = v
  },
  '4little': (b, o, v) => {
    b[o] = v
    b[o + 1] = v >>> 8
    b[o + 2] = v >>> 16
    b[o + 3] = v >>> 24
  },
  '8big': (b, o, v) => {
    writers['4big'](b, o, Math.floor(v / TWO_32))
    writers['4big'](b, o + 4, v >>> 0)
  },
  '8little': (b, o, v) => {
    writers['4little'](b, o, v >>> 0)
    writers['4little'](b, o + 4, Math.floor(v / TWO_32))
  },
}

class LengthPrefixedDecoder extends LengthDecoder {
  private readonly header: Uint8Array
  private headerFill = 0

  constructor(
    private readonly width: number,
    private readonly read: ReadLength,
    private readonly includesHeader: boolean,
    private readonly limit: number,
  ) {
    super()
    this.header = new Uint8Array(width)
  }

  protected get headerBuffered(): number {
    return this.headerFill
  }

  protected readHeader(chunk: Uint8Array, offset: number): number {
    const width = this.width
    let announced: number
    if (this.headerFill === 0 && chunk.length - offset >= width) {
      announced = this.read(chunk, offset)
      offset += width
    } else {
      while (this.headerFill < width && offset < chunk.length) this.header[this.headerFill++] = chunk[offset++]
      if (this.headerFill < width) return offset
      this.headerFill = 0
      announced = this.read(this.header, 0)
    }
    let size = announced
    if (this.includesHeader) {
      if (announced < width) throw new InvalidFrameLengthError(announced, `frame length ${announced} is smaller than its ${width}-byte header`)
      size = announced - width
    }
    // Checked before anything is held: a peer announcing 4 GiB costs nothing.
    if (size > this.limit) throw new FrameTooLargeError(size, this.limit, `frame of ${size} bytes announced, limit is ${this.limit} bytes`)
    this.need = size
    return offset
  }

  protected override fail(err: unknown): void {
    super.fail(err)
    this.headerFill = 0
  }
}

/** A codec for frames with a fixed-width length prefix. */
export function lengthPrefixed(options: LengthPrefixedOptions = {}): Codec {
  const width = options.width ?? 4
  const endian = options.endian ?? 'big'
  const includesHeader = options.lengthIncludesHeader ?? false
  if (width !== 1 && width !== 2 && width !== 4 && width !== 8) throw new InvalidArgumentError(`width must be 1, 2, 4 or 8, got ${String(width)}`)
  if (endian !== 'big' && endian !== 'little') throw new InvalidArgumentError(`endian must be 'big' or 'little', got ${String(endian)}`)
  const widest = width === 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * width) - 1
  const maxFrameSize = Math.min(checkMaxFrameSize(options.maxFrameSize, DEFAULT_MAX_FRAME_SIZE), includesHeader ? widest - width : widest)
  const read = readers[`${width}${endian}`]
  const write = writers[`${width}${endian}`]
  const extra = includesHeader ? width : 0
  const name = `lp${width * 8}${endian === 'little' ? 'le' : ''}${includesHeader ? '+header' : ''}`

  const check = (payload: Uint8Array): void => checkPayload(payload, maxFrameSize, name)

  return {
    name,
    maxFrameSize,
    encode(payload: Uint8Array): Uint8Array {
      check(payload)
      const out = allocFrame(width + payload.length)
      write(out, 0, payload.length + extra)
      out.set(payload, width)
      return out
    },
    encodeMany(payloads: readonly Uint8Array[]): Uint8Array {
      let total = 0
      for (const payload of payloads) {
        check(payload)
        total += width + payload.length
      }
      const out = allocFrame(total)
      let offset = 0
      for (const payload of payloads) {
        write(out, offset, payload.length + extra)
        out.set(payload, offset + width)
        offset += width + payload.length
      }
      return out
    },
    frameParts(payload: Uint8Array): Uint8Array[] {
      check(payload)
      const header = allocFrame(width)
      write(header, 0, payload.length + extra)
      return [header, payload]
    },
    createDecoder(): FrameDecoder {
      return new LengthPrefixedDecoder(width, read, includesHeader, maxFrameSize)
    },
  }
}
