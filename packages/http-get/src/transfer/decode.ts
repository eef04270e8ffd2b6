import type zlib from 'node:zlib'
import { ErrorCode, InvalidArgumentError } from '@netkit/shared'
import { TransferError } from '../errors.js'
import { keepable, type Sink } from './output.js'

/** Content codings --compressed can undo, in the order they are named in Accept-Encoding. */
export const SUPPORTED_CODINGS = ['gzip', 'x-gzip', 'deflate', 'br'] as const

/** The codings of a Content-Encoding value, outermost last (`gzip, br` was gzipped, then br'd). */
export function parseContentEncoding(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
}

let zlibModule: typeof zlib | undefined

/** Load node:zlib (only --compressed needs it, so plain downloads start faster). */
export async function loadDecoders(): Promise<void> {
  zlibModule ??= (await import('node:zlib')).default
}

function decoderFor(coding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress {
  const zlib = zlibModule
  if (!zlib) throw new InvalidArgumentError('decodingSink() needs `await loadDecoders()` first')
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip()
    case 'deflate':
      // RFC 9110 §8.4.1.2: "deflate" is the zlib format (RFC 1950), not raw deflate.
      return zlib.createInflate()
    case 'br':
      return zlib.createBrotliDecompress()
    default:
      throw new TransferError(ErrorCode.HTTP_BAD_CONTENT_ENCODING, `Unrecognized content encoding type: ${coding}`)
  }
}

/**
 * A sink that undoes `codings` (as listed in Content-Encoding) on the way to `inner`, streaming
 * through node:zlib with backpressure both ways: a full decoder pauses the connection, a full
 * output pauses the decoder.
 */
export function decodingSink(codings: readonly string[], inner: Sink): Sink {
  // Decode the outermost coding first: Content-Encoding lists them in the order applied.
  const decoders = [...codings].reverse().map(decoderFor)
  for (let i = 0; i < decoders.length - 1; i++) decoders[i]!.pipe(decoders[i + 1]!)
  const first = decoders[0]!
  const last = decoders[decoders.length - 1]!
  let error: Error | undefined
  let received = 0
  let drainListeners: Array<() => void> = []
  // `err` is the output's own error (a closed pipe stays a quiet EPIPE, a full disk stays 23) or
  // an already-typed one; decoder errors are wrapped by failDecoding.
  const fail = (err: Error) => {
    error ??= err
    for (const decoder of decoders) decoder.destroy()
    // Wake a paused connection so that the transfer sees the error at its next write.
    const listeners = drainListeners
    drainListeners = []
    for (const listener of listeners) listener()
  }
  const failDecoding = (err: Error) =>
    fail(err instanceof TransferError ? err : new TransferError(ErrorCode.HTTP_BAD_CONTENT_ENCODING, `Error while processing content unencoding: ${err.message}`, err))
  for (const decoder of decoders) decoder.on('error', failDecoding)
  last.on('data', (data: Buffer) => {
    if (!inner.write(data, false)) {
      last.pause()
      inner.onDrain(() => last.resume())
    }
    if (inner.error) fail(inner.error)
  })
  const finished = new Promise<void>((resolve) => {
    last.once('end', resolve)
    last.once('close', resolve)
  })
  return {
    get error() {
      return error
    },
    write(chunk, transient = true) {
      if (error) return true
      received += chunk.length
      // zlib reads the input after write returns: a copy when its memory is reused.
      return first.write(keepable(chunk, transient))
    },
    onDrain(listener) {
      if (error || !first.writableNeedDrain) {
        listener()
        return
      }
      drainListeners.push(listener)
      first.once('drain', () => {
        const listeners = drainListeners
        drainListeners = []
        for (const waiting of listeners) waiting()
      })
    },
    async close() {
      if (!error && received === 0) {
        // An empty body is empty whatever its Content-Encoding (zlib calls it truncated; curl does not).
        for (const decoder of decoders) decoder.destroy()
        return inner.close()
      }
      if (!error) {
        first.end()
        await finished
      }
      if (error) {
        inner.abort()
        throw error
      }
      await inner.close()
    },
    abort() {
      for (const decoder of decoders) decoder.destroy()
      inner.abort()
    },
  }
}
