import yargs, { type Argv } from 'yargs'
import { NetkitError, UsageError, ExitCode } from './errors.js'
import { createLogger } from './logger.js'

export interface CliOptions {
  /** The bin's name, used in help, errors and the `name:` prefix. */
  name: string
  version: string
  /** First line of --help, e.g. `$0 [options] host port`. */
  usage: string
  /** The arguments, without `node` and the script (default `process.argv.slice(2)`). */
  argv?: readonly string[]
  /** Let --help/--version exit the process (default true; tests that parse in-process set false). */
  exitProcess?: boolean
}

export interface CommonArgs {
  verbose: number
}

/**
 * A yargs instance with the conventions every @netkit tool shares: the same --help and
 * --version, `-v/--verbose` counted (-vv), strict options, English help at a stable width, and
 * parse failures turned into one UsageError line (exit 2) by runMain.
 */
export function createCli(options: CliOptions): Argv<CommonArgs> {
  const argv = options.argv ?? process.argv.slice(2)
  return yargs([...argv])
    .scriptName(options.name)
    .usage(options.usage)
    .locale('en')
    .parserConfiguration({ 'greedy-arrays': false, 'dot-notation': false, 'duplicate-arguments-array': true })
    .option('verbose', { alias: 'v', type: 'count', description: 'Print diagnostics to stderr (-vv for more)' })
    .help('help')
    .version('version', 'Print the version and exit', options.version)
    .strict()
    .wrap(Math.min(100, process.stderr.columns || 100))
    .exitProcess(options.exitProcess ?? true)
    .fail((message, err) => {
      if (err instanceof NetkitError) throw err
      // Some yargs messages span lines ("Invalid values:\n  Argument: ..."): keep them to one.
      const text = (message ?? err?.message ?? 'invalid arguments').replace(/:?\s*\n\s*/g, ': ').trim()
      throw new UsageError(text)
    }) as unknown as Argv<CommonArgs>
}

/** Print an error as a person should see it, and set the exit code. */
export function reportError(name: string, err: unknown, stream: NodeJS.WritableStream = process.stderr): number {
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
 * itself, so output still queued for a pipe is not cut off.
 */
export async function runMain(name: string, main: () => Promise<number | void> | number | void): Promise<void> {
  try {
    const code = await main()
    if (typeof code === 'number') process.exitCode = code
  } catch (err) {
    process.exitCode = reportError(name, err)
  }
}
