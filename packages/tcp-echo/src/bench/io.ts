import type { Socket } from 'node:net'
import { PATTERN_PERIOD, patternView } from './pattern.js'

/**
 * Every client socket of this thread reads into this one buffer (net's `onread` option): no
 * Buffer per read, no stream machinery, and the bytes are verified before the next read.
 */
let readBuffer: Buffer | undefined
export function sharedReadBuffer(): Buffer {
  return (readBuffer ??= Buffer.allocUnsafe(64 * 1024))
}

/** Write `length` pattern bytes at stream position `position`, in views of at most one period. */
export function writePattern(socket: Socket, start: number, position: number, length: number): boolean {
  let ok = true
  let done = 0
  while (done < length) {
    const n = Math.min(length - done, PATTERN_PERIOD)
    ok = socket.write(patternView(start, position + done, n))
    done += n
  }
  return ok
}
