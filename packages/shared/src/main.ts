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
 * itself, so output still queued for a pipe is not cut off. A closed stderr changes nothing but
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
  }
}
