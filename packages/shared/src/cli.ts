/**
 * The yargs half of the CLI kit, published as `@netkit/shared/cli` so that importing the rest of
 * @netkit/shared never loads yargs: a CLI that can answer some command lines without it (nc)
 * imports this lazily.
 */
import yargs, { type Argv } from 'yargs'
import { NetkitError, UsageError } from './errors.js'

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
