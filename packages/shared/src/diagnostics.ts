/**
 * The one channel every diagnostic of every @netkit tool goes through (logger, reportError,
 * shutdown failures; spinners write to a guarded stream). The reader of stderr can be gone (a
 * supervisor that exited, `2>&1 | head -1`, a harness that threw the handle away): a write then
 * fails with EPIPE, and an unhandled 'error' on process.stderr would kill a session or a server
 * and turn a usage error's exit 2 into 1. Here such failures are swallowed once and every later
 * diagnostic is dropped: diagnostics never change what the process does or how it exits.
 *
 * stdout is not handled here: it carries data, and its EPIPE ends the program quietly
 * (exitQuietlyOnBrokenPipe).
 */

export interface DiagnosticStream {
  write(text: string): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  destroyed?: boolean
  writable?: boolean
}

const guarded = new WeakSet<object>()
const gone = new WeakSet<object>()

/** Errors that mean nobody can read `stream` any more (EPIPE, EBADF, a destroyed stream). */
export function isReaderGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'EPIPE' || code === 'EBADF' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END'
}

/**
 * Install, once per stream, the 'error' listener that keeps a failed diagnostics stream from
 * raising: after the first error (EPIPE and EBADF, and equally EIO from a terminal that hung up
 * or ENOSPC on a log file) the stream counts as gone and later writes are dropped.
 */
export function guardDiagnostics(stream: DiagnosticStream = process.stderr): void {
  if (guarded.has(stream)) return
  guarded.add(stream)
  stream.on('error', () => {
    gone.add(stream)
  })
}

/** Whether diagnostics written to `stream` can still reach anyone. */
export function diagnosticsOpen(stream: DiagnosticStream = process.stderr): boolean {
  return !gone.has(stream) && stream.destroyed !== true && stream.writable !== false
}

/** Write `text` to stderr (or `stream`) as is, or drop it when the reader is gone. Never throws. */
export function writeDiagnostic(text: string, stream: DiagnosticStream = process.stderr): void {
  guardDiagnostics(stream)
  if (!diagnosticsOpen(stream)) return
  try {
    stream.write(text)
  } catch {
    // A synchronous failure (a closed fd on some platforms) means the same as an 'error' event.
    gone.add(stream)
  }
}
