import { NetkitError, ExitCode } from './errors.js'
import { guardDiagnostics, type DiagnosticStream } from './diagnostics.js'
import { createLogger } from './logger.js'

/** Print an error as a person should see it, and set the exit code. */
export function reportError(name: string, err: unknown, stream: DiagnosticStream = process.stderr): number {
  const log = createLogger({ name, stream })
  if (err instanceof NetkitError) {
    const hint = err.exitCode === ExitCode.Usage ? ` (see '${name} --help')` : ''
    log.error(`${err.message}${hint}`)
    if (process.env.NETKIT_DEBUG && err.stack) log.line(err.stack)
    return err.exitCode
  }
  log.error(`unexpected error; this is a bug in ${name}, please report it with the output below`)
  log.line(err instanceof Error && err.stack ? err.stack : String(err))
  return ExitCode.Failure
}

/**
 * The one top-level catch of a CLI (after changesets' packages/cli): known errors print one
 * line and set `process.exitCode`; unknown ones print the stack. The process is left to end by
 * itself, so output still queued for a pipe is not cut off; after a bug it is ended a second later
 * if something it left open still holds it. A closed stderr changes nothing but
 * what is seen: the exit code is still the one the failure calls for.
 */
export async function runMain(name: string, main: () => Promise<number | void> | number | void): Promise<void> {
  // Before anything can write to stderr: a reader that went away must not decide the exit code.
  guardDiagnostics()
  try {
    const code = await main()
    if (typeof code === 'number') process.exitCode = code
  } catch (err) {
    process.exitCode = reportError(name, err)
    // A bug may leave a socket, server or timer open that would keep the process alive forever:
    // after a grace period for queued output, end it. (Known failures are raised after cleanup,
    // and end by themselves.) unref(): a process that can end sooner is not held up.
    if (!(err instanceof NetkitError)) setTimeout(() => process.exit(), UNEXPECTED_ERROR_GRACE_MS).unref()
  }
}

/** How long a process that hit a bug may still flush its output before it is ended. */
const UNEXPECTED_ERROR_GRACE_MS = 1000
