import { createLogger, type Logger } from '@netkit/shared'
import { Writable } from 'node:stream'

/** A real shared logger writing into an array of lines, for asserting on diagnostics. */
export function captureLogger(verbosity = 2): { log: Logger; lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''))
      done()
    },
  })
  return { log: createLogger({ name: 'nc', verbosity, stream, color: false }), lines }
}
