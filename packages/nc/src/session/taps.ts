import { Transform, type TransformCallback, type Writable } from 'node:stream'
import type { createHexDumper } from './hexdump.js'

/** Sinks the taps write to; opened by the caller so -k sessions share them. */
export interface RelaySinks {
  /** Hex dump lines (`>` sent, `<` received). */
  hexDump?: Writable
  /** Raw bytes of both directions. */
  raw?: Writable
}

/** -C: every `\n` goes out as `\r\n`, as OpenBSD nc does. */
export function crlfTransform(): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      let count = 0
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) count++
      if (count === 0) return cb(null, chunk)
      const out = Buffer.allocUnsafe(chunk.length + count)
      let o = 0
      let start = 0
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        o += chunk.copy(out, o, start, i)
        out[o++] = 13
        out[o++] = 10
        start = i + 1
      }
      chunk.copy(out, o, start)
      cb(null, out)
    },
  })
}

/** -i: send one line at a time with a pause after each. */
export function intervalTransform(ms: number): Transform {
  let pending: Buffer = Buffer.alloc(0)
  const sleep = () => new Promise<void>((r) => setTimeout(r, ms))
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      const data = pending.length ? Buffer.concat([pending, chunk]) : chunk
      ;(async () => {
        let start = 0
        for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, start)) {
          this.push(data.subarray(start, i + 1))
          start = i + 1
          await sleep()
        }
        pending = Buffer.from(data.subarray(start))
      })().then(() => cb(), cb)
    },
    flush(cb) {
      if (pending.length) this.push(pending)
      cb()
    },
  })
}

/** Copy each chunk to the hex dump and raw log, waiting for them to drain (bounded memory). */
export function tapTransform(direction: '>' | '<', sinks: RelaySinks, dumper: ReturnType<typeof createHexDumper> | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      let waits = 0
      const done = () => {
        if (--waits === 0) cb(null, chunk)
      }
      waits++
      if (sinks.hexDump && dumper) {
        if (!sinks.hexDump.write(dumper(direction, chunk))) {
          waits++
          sinks.hexDump.once('drain', done)
        }
      }
      if (sinks.raw) {
        if (!sinks.raw.write(chunk)) {
          waits++
          sinks.raw.once('drain', done)
        }
      }
      done()
    },
  })
}
