/**
 * A sans-I/O frame decoder: fed bytes, returns frames. Streams, async iterables and sockets are
 * thin adapters around it.
 */
export interface FrameDecoder {
  /**
   * Feed bytes; returns the frames completed by them. A frame that lies inside one chunk is returned
   * as a view into that chunk (no copy), so do not modify a chunk after pushing it.
   * Throws a typed error (FrameTooLargeError, InvalidVarintError, ...). When frames were completed
   * before the bad bytes in the same chunk, they are returned and the error is thrown by the next
   * call (and is visible at once in `error`). After an error every call throws it again.
   */
  push(chunk: Uint8Array): Uint8Array[]
  /**
   * End of input: throws FrameTruncatedError if a partial frame is pending (for delimited codecs, may
   * return a final unterminated frame instead when the codec is configured to allow it).
   */
  end(): Uint8Array[]
  /** Bytes held for an incomplete frame. */
  readonly buffered: number
  /** The error that stopped this decoder, if any (set as soon as it happens). */
  readonly error?: Error | undefined
}

export interface Codec {
  readonly name: string
  /** The largest payload this codec encodes or accepts when decoding. */
  readonly maxFrameSize: number
  /** One buffer: header (or delimiter) and payload. */
  encode(payload: Uint8Array): Uint8Array
  /** All payloads framed into one buffer (one allocation). */
  encodeMany(payloads: readonly Uint8Array[]): Uint8Array
  createDecoder(): FrameDecoder
  /**
   * The frame as pieces that together equal encode(payload), sharing the payload's memory instead
   * of copying it: [header, payload] or [payload, delimiter]. The adapters use it for large payloads.
   */
  frameParts?(payload: Uint8Array): Uint8Array[]
}

/** Payloads at least this large are sent by the adapters as frameParts() (no copy) rather than encode(). */
export const ZERO_COPY_ENCODE_MIN = 16 * 1024
