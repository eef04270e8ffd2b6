/** The codecs a CLI offers with `--frame NAME`. */
import { InvalidArgumentError } from '@netkit/shared'
import type { Codec } from './codec.js'
import { lines } from './delimited.js'
import { lengthPrefixed } from './length-prefixed.js'
import { varint } from './varint.js'

export type FrameFormat = 'lines' | 'lp32' | 'varint'

export const FRAME_FORMATS: readonly FrameFormat[] = Object.freeze(['lines', 'lp32', 'varint'] as const)

export interface CodecForOptions {
  /** Overrides the codec's default limit. */
  maxFrameSize?: number
  /** For 'lines': end() returns a last line without '\n' instead of throwing (default false). */
  allowUnterminatedEnd?: boolean
}

/** 'lines' ('\n', CR stripped), 'lp32' (4-byte big-endian length prefix) or 'varint' (LEB128 length prefix). */
export function codecFor(format: FrameFormat, options: CodecForOptions = {}): Codec {
  switch (format) {
    case 'lines':
      return lines({ maxFrameSize: options.maxFrameSize, allowUnterminatedEnd: options.allowUnterminatedEnd })
    case 'lp32':
      return lengthPrefixed({ width: 4, endian: 'big', maxFrameSize: options.maxFrameSize })
    case 'varint':
      return varint({ maxFrameSize: options.maxFrameSize })
    default:
      throw new InvalidArgumentError(`unknown frame format ${JSON.stringify(format)} (expected ${FRAME_FORMATS.join(', ')})`)
  }
}
