import pkg from '../package.json' with { type: 'json' }

/** The version of @netkit/framing. */
export const version: string = pkg.version

export { DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_LINE_SIZE } from './limits.js'
export { ZERO_COPY_ENCODE_MIN, type Codec, type FrameDecoder } from './codec.js'
export { lengthPrefixed, type LengthPrefixedOptions } from './length-prefixed.js'
export { varint, type VarintOptions } from './varint.js'
export { delimited, lines, type DelimitedOptions } from './delimited.js'
export { codecFor, FRAME_FORMATS, type FrameFormat, type CodecForOptions } from './formats.js'
export {
  FrameTooLargeError,
  FrameTruncatedError,
  InvalidVarintError,
  InvalidFrameLengthError,
  type FrameError,
} from './errors.js'
export {
  createNodeEncodeStream,
  createNodeDecodeStream,
  createEncodeStream,
  createDecodeStream,
  type FrameStreamOptions,
} from './node-streams.js'
export { decodeFrames, encodeFrames } from './iterables.js'
export { createWebEncodeStream, createWebDecodeStream, createEncoderStream, createDecoderStream } from './web-streams.js'
