/**
 * A CLI's option table as plain data, in yargs' own option shape: the one declaration that yargs
 * (createCliFromSpec, for --help, errors and completion) and the yargs-free fast path (fastParse)
 * both read. Importing it loads nothing.
 */

/** One option or positional, as yargs declares it (the subset both parsers understand). */
export interface OptionSpec {
  readonly alias?: string | readonly string[]
  readonly type: 'string' | 'boolean' | 'count' | 'number'
  readonly array?: boolean
  readonly default?: unknown
  readonly choices?: readonly (string | number)[]
  readonly requiresArg?: boolean
  readonly description?: string
  readonly hidden?: boolean
}

export type OptionTable = Readonly<Record<string, OptionSpec>>

/** An example: a copy-pastable command line (`$0` is the tool's name) and what it does. */
export type ExampleSpec = readonly [command: string, description?: string]

/** A command: yargs' spec (`$0`, `bench <host> <port>`, `$0 [urls..]`), its positionals and options. */
export interface CommandSpec {
  readonly command: string
  readonly description: string
  readonly positionals?: OptionTable
  readonly options?: OptionTable
  readonly examples?: readonly ExampleSpec[]
}

/** A whole CLI: options every command has, the commands (one of them the default, `$0`), help extras. */
export interface CliSpec {
  readonly name: string
  /** First lines of --help, e.g. `$0 [options] host port`. */
  readonly usage: string
  readonly options?: OptionTable
  readonly commands: readonly CommandSpec[]
  readonly examples?: readonly ExampleSpec[]
  readonly epilog?: string
  /**
   * Positionals no command takes go to `_`, as strings, instead of being an error (yargs'
   * `strict(false)`, `strictOptions()` and `parse-positional-numbers: false`): for a tool such as
   * nc that reads its positionals itself (`nc -l [host] port`, `nc -z host port...`).
   */
  readonly looseArguments?: boolean
}

/** The options the CLI kit gives every tool (besides -h/--help, --version and --completion). */
export const COMMON_OPTIONS = {
  verbose: { alias: 'v', type: 'count', description: 'Print diagnostics to stderr (-vv for more)' },
} as const satisfies OptionTable

/** What either parser returns: yargs' arguments object (`_` holds command words). */
export type ParsedArgs = { _: (string | number)[]; $0: string } & Record<string, unknown>
