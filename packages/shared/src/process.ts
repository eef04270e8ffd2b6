/**
 * Process hygiene every CLI shares: signals run a shutdown hook once, and a reader that closes
 * our stdout early (`nc ... | head -c 10`) ends the program quietly, as it ends Unix tools.
 */

import { writeDiagnostic } from './diagnostics.js'

export type ShutdownHook = (signal: NodeJS.Signals) => void | Promise<void>

/**
 * Run `hook` on the first SIGINT or SIGTERM; a second signal exits at once with 128+signo.
 * Returns a function that removes the handlers.
 */
export function onShutdown(hook: ShutdownHook): () => void {
  let fired = false
  const handler = (signal: NodeJS.Signals) => {
    if (fired) {
      process.exit(signal === 'SIGINT' ? 130 : 143)
    }
    fired = true
    Promise.resolve()
      .then(() => hook(signal))
      .catch((err: unknown) => {
        writeDiagnostic(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`)
        process.exitCode = 1
      })
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}

/** True for the errors a write to a closed pipe or socket produces. */
export function isBrokenPipe(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END'
}

/**
 * When the reader of `stream` goes away, exit quietly with `exitCode` (default: the exit code
 * set so far, else 0) instead of dying on an unhandled EPIPE. `onClose` runs first, for a tool
 * that wants to stop its own work (close sockets) before the exit.
 */
export function exitQuietlyOnBrokenPipe(
  stream: NodeJS.WritableStream = process.stdout,
  onClose?: () => void,
): void {
  stream.on('error', (err: unknown) => {
    if (!isBrokenPipe(err)) throw err
    onClose?.()
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
  })
}

/** One JSON line of data (`--json` events and results): on stdout unless told otherwise. */
export function writeJsonLine(value: unknown, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(`${JSON.stringify(value)}\n`)
}
