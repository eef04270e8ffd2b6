/**
 * The yargs half of the CLI kit, published as `@netkit/shared/cli` so that importing the rest of
 * @netkit/shared never loads yargs: a CLI that can answer some command lines without it (nc)
 * imports this lazily.
 */
import yargs, { type Argv } from 'yargs'
import { COMMON_OPTIONS, type CliSpec } from './cli-spec.js'
import { COMPLETION_SHELLS, completionRequest, printCompletionScript } from './completion.js'
import { guardDiagnostics } from './diagnostics.js'
import { NetkitError, UsageError } from './errors.js'
import { missingArguments } from './wording.js'

export interface CliOptions {
  /** The bin's name, used in help, errors and the `name:` prefix. */
  name: string
  version: string
  /** First line of --help, e.g. `$0 [options] host port`. */
  usage: string
  /** The arguments, without `node` and the script (default `process.argv.slice(2)`). */
  argv?: readonly string[]
  /** Let --help/--version/--completion exit the process (default true; tests that parse in-process set false). */
  exitProcess?: boolean
}

export interface CommonArgs {
  verbose: number
}

/** A command as declared: its words (`bench`) and the positionals it requires (`host`, `port`). */
interface DeclaredCommand {
  words: string[]
  demanded: string[]
  builder?: unknown
}

const MAX_HELP_WIDTH = 100
/** yargs-parser settings of every tool (fastParse reproduces them). */
const KIT_PARSER = { 'greedy-arrays': false, 'dot-notation': false, 'duplicate-arguments-array': true } as const

/**
 * A yargs instance with the conventions every @netkit tool shares: `-h`/`--help`, `--version`,
 * `--completion SHELL`, `-v/--verbose` counted (-vv), strict options, English help at a stable
 * width, examples laid out as copy-pastable lines, and parse failures turned into one UsageError
 * line (exit 2) by runMain, in the kit's wording for missing arguments.
 */
export function createCli(options: CliOptions): Argv<CommonArgs> {
  const argv = options.argv ?? process.argv.slice(2)
  guardDiagnostics()
  const shell = completionRequest(argv)
  if (shell !== undefined) {
    printCompletionScript(options.name, shell)
    if (options.exitProcess ?? true) process.exit(0)
  }
  const commands: DeclaredCommand[] = []
  const cli = yargs([...argv])
    .scriptName(options.name)
    .usage(options.usage)
    .locale('en')
    .parserConfiguration(KIT_PARSER)
    .options(COMMON_OPTIONS)
    .option('completion', { type: 'string', description: `Print a shell completion script (${COMPLETION_SHELLS.join(', ')}) and exit` })
    .help('help')
    .alias('help', 'h')
    .version('version', 'Print the version and exit', options.version)
    .strict()
    .wrap(Math.min(MAX_HELP_WIDTH, process.stderr.columns || MAX_HELP_WIDTH))
    .exitProcess(options.exitProcess ?? true)
    .fail((message, err) => {
      if (err instanceof NetkitError) throw err
      const missing = missingFromMessage(message, options.name, argv, commands)
      if (missing) throw missing
      // Some yargs messages span lines ("Invalid values:\n  Argument: ..."): keep them to one.
      const text = (message ?? err?.message ?? 'invalid arguments').replace(/:?\s*\n\s*/g, ': ').trim()
      throw new UsageError(text)
    })
  recordCommands(cli, commands)
  completeDefaultCommand(cli, argv, commands)
  layOutExamples(cli, options.name)
  return cli as unknown as Argv<CommonArgs>
}

/**
 * The yargs CLI of a tool from its option table (the one fastParse reads too): the kit's
 * conventions, then the table's options, commands (with their positionals, options and
 * examples), examples and epilogue. Commands have no handlers: the caller dispatches on `_`.
 */
export function createCliFromSpec(spec: CliSpec, options: Omit<CliOptions, 'name' | 'usage'>): Argv<CommonArgs> {
  const cli = createCli({ ...options, name: spec.name, usage: spec.usage }) as unknown as Argv
  if (spec.looseArguments) cli.strict(false).strictOptions().parserConfiguration({ ...KIT_PARSER, 'parse-positional-numbers': false })
  if (spec.options) cli.options(spec.options as Record<string, object>)
  for (const command of spec.commands) {
    cli.command(command.command, command.description, (y: Argv) => {
      for (const [name, positional] of Object.entries(command.positionals ?? {})) y.positional(name, positional as object)
      if (command.options) y.options(command.options as Record<string, object>)
      for (const [line, description] of command.examples ?? []) y.example(line, description ?? '')
      return y
    })
  }
  for (const [line, description] of spec.examples ?? []) cli.example(line, description ?? '')
  if (spec.epilog) cli.epilog(spec.epilog)
  return cli as unknown as Argv<CommonArgs>
}

/** Remember every command declared on `cli` (builders declare theirs on the same instance). */
function recordCommands(cli: Argv, commands: DeclaredCommand[]): void {
  const declare = cli.command.bind(cli) as (...args: unknown[]) => Argv
  ;(cli as { command: unknown }).command = (...args: unknown[]) => {
    const first = args[0]
    const spec = typeof first === 'string' ? first : Array.isArray(first) ? first[0] : (first as { command?: unknown } | undefined)?.command
    const text = Array.isArray(spec) ? spec[0] : spec
    const builder = typeof first === 'object' && !Array.isArray(first) ? (first as { builder?: unknown }).builder : args[2]
    if (typeof text === 'string') commands.push({ ...parseCommandSpec(text), builder })
    return declare(...args)
  }
}

/**
 * yargs completes only the options of named commands: for the default command's options (a
 * server's --port) to complete, its builder is applied before a completion request is answered,
 * unless the command line names another command. Only the process answering a completion request
 * (`--get-yargs-completions`, run by the shell's script) is touched.
 */
function completeDefaultCommand(cli: Argv, argv: readonly string[], commands: DeclaredCommand[]): void {
  if (!argv.includes('--get-yargs-completions')) return
  // yargs offers the default command by its spec, `$0`, as a word to complete: leave it out.
  const print = console.log
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && /^\$0(?:$|[\t:])/.test(args[0])) return
    print(...args)
  }
  for (const method of ['parse', 'parseAsync', 'parseSync'] as const) {
    const original = (cli[method] as (...args: unknown[]) => unknown).bind(cli)
    ;(cli as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const named = commands.some((c) => c.words.length > 0 && argv.includes(c.words[0]!))
      const fallback = commands.find((c) => c.words.length === 0)
      if (!named && typeof fallback?.builder === 'function') fallback.builder(cli)
      else if (!named && fallback?.builder && typeof fallback.builder === 'object') cli.options(fallback.builder as Record<string, object>)
      return original(...args)
    }
  }
}

/** `bench <host> <port> [count]` → words ['bench'], demanded ['host', 'port']. */
export function parseCommandSpec(spec: string): DeclaredCommand {
  const tokens = spec.trim().split(/\s+/)
  const words = tokens.filter((t) => t !== '$0' && !/^[<[]/.test(t))
  const demanded = tokens.filter((t) => t.startsWith('<')).map((t) => t.slice(1, -1).replace(/\.\.$/, '...'))
  return { words, demanded }
}

/**
 * yargs' "Not enough non-option arguments: got 0, need at least 2" in the kit's wording:
 * `missing HOST and PORT: use `tcp-echo bench HOST PORT``. The command is the one whose words
 * begin the command line's positionals (the default command otherwise).
 */
function missingFromMessage(message: string | undefined, name: string, argv: readonly string[], commands: DeclaredCommand[]): UsageError | undefined {
  const match = /^Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(message ?? '')
  if (!match) return undefined
  const positionals = argv.filter((arg) => !arg.startsWith('-'))
  let command = commands.find((c) => c.words.length === 0)
  for (const candidate of commands) {
    if (candidate.words.length > 0 && candidate.words.every((word, i) => positionals[i] === word)) command = candidate
  }
  const demanded = command?.demanded.length ? command.demanded : ['command']
  const got = Number(match[1])
  const missing = demanded.slice(Math.min(got, demanded.length - 1))
  return missingArguments(missing, [name, ...(command?.words ?? []), ...demanded.map((d) => d.toUpperCase())].join(' '))
}

/**
 * Every `.example(cmd, description)` shows as a `# description` line over the command on a line
 * of its own (yargs' two columns would cut a long command at half the width), and the help is
 * made wide enough that no example is wrapped: a terminal that is narrower folds the line on
 * screen, which copies back as one line.
 */
function layOutExamples(cli: Argv, name: string): void {
  const example = cli.example.bind(cli) as (command: string, description: string) => Argv
  let width = Math.min(MAX_HELP_WIDTH, process.stderr.columns || MAX_HELP_WIDTH)
  const add = (command: string, description?: string) => {
    if (description) example(`# ${description}`, '')
    example(command, '')
    const shown = command.replace(/\$0/g, name).length + 4
    if (shown > width) {
      width = shown
      cli.wrap(width)
    }
  }
  ;(cli as { example: unknown }).example = (command: string | ReadonlyArray<readonly [string, string?]>, description?: string) => {
    if (Array.isArray(command)) for (const [c, d] of command as ReadonlyArray<readonly [string, string?]>) add(c, d)
    else add(command as string, description)
    return cli
  }
}
