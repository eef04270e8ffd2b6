/**
 * A yargs-free parser for the common command lines of a CLI, driven by the same option table
 * (cli-spec.ts) that yargs reads for --help, errors and completion. Loading yargs costs a cold
 * start tens of milliseconds; this file costs nothing. It accepts what it fully understands and
 * returns exactly what yargs would (a test runs both on many command lines); anything else
 * (unknown options, --help, -h, --version with other arguments, --completion, a missing or odd
 * value, a missing positional) returns undefined, and the caller asks yargs, which parses it or
 * words the error.
 */
import { COMMON_OPTIONS, type CliSpec, type CommandSpec, type OptionSpec, type OptionTable, type ParsedArgs } from './cli-spec.js'

/** What yargs-parser reads as a number attached to a short option (`-p80`, `-c1e3`). */
const ATTACHED_NUMBER = /^-?\d+(\.\d*)?(e-?\d+)?$/

/** What yargs-parser reads as a negative number rather than options. */
const NEGATIVE_NUMBER = /^-([0-9]+(\.[0-9]+)?|\.[0-9]+)$/

interface Slot {
  readonly name: string
  readonly spec: OptionSpec
}

/** A command spec's words and positionals: `bench <host> [port]`, `$0 [urls..]`. */
interface CommandShape {
  readonly words: string[]
  readonly positionals: { name: string; required: boolean; variadic: boolean }[]
}

function commandShape(command: string): CommandShape {
  const tokens = command.trim().split(/\s+/).filter((t) => t !== '$0')
  const words = tokens.filter((t) => !/^[<[]/.test(t))
  const positionals = tokens
    .filter((t) => /^[<[]/.test(t))
    .map((t) => {
      const inner = t.slice(1, -1)
      return { name: inner.replace(/\.\.$/, ''), required: t.startsWith('<'), variadic: inner.endsWith('..') }
    })
  return { words, positionals }
}

const aliasesOf = (spec: OptionSpec): readonly string[] => (spec.alias === undefined ? [] : typeof spec.alias === 'string' ? [spec.alias] : spec.alias)

/** yargs' camel-case expansion: `max-conns` is also `maxConns`. */
const camelCase = (key: string) => key.replace(/-+([^-])/g, (_, c: string) => c.toUpperCase())

/** Every key yargs sets for an option: its name, its aliases, and their camel-case forms. */
function keysOf(name: string, spec: OptionSpec): string[] {
  const keys = new Set<string>()
  for (const key of [name, ...aliasesOf(spec)]) {
    keys.add(key)
    if (key.includes('-')) keys.add(camelCase(key))
  }
  return [...keys]
}

/** The command a command line runs: its words must come first; the default command otherwise. */
function pickCommand(argv: readonly string[], cli: CliSpec): { spec: CommandSpec; shape: CommandShape } | undefined {
  const shaped = cli.commands.map((spec) => ({ spec, shape: commandShape(spec.command) }))
  const named = shaped.find(({ shape }) => shape.words.length > 0 && shape.words.every((word, i) => argv[i] === word))
  if (named) return named
  // A command word later in the line (`--json bench ...`): yargs' two passes decide; leave it to them.
  const words = new Set(shaped.flatMap(({ shape }) => shape.words))
  if (argv.some((arg) => words.has(arg))) return undefined
  return shaped.find(({ shape }) => shape.words.length === 0) ?? (cli.looseArguments ? { spec: { command: '$0', description: '' }, shape: { words: [], positionals: [] } } : undefined)
}

/** Reads options into `values`; every method returns false for what yargs must judge. */
class OptionReader {
  readonly values = new Map<string, unknown>()
  private readonly slots = new Map<string, Slot>()

  constructor(table: OptionTable) {
    for (const [name, spec] of Object.entries(table)) {
      for (const key of [name, ...aliasesOf(spec)]) this.slots.set(key, { name, spec })
    }
  }

  /** `--name`, `--name=value`, `--no-name`; returns how many arguments it used, or -1. */
  long(arg: string, next: string | undefined): number {
    const body = arg.slice(2)
    const eq = body.indexOf('=')
    if (eq >= 0) {
      const slot = this.slots.get(body.slice(0, eq))
      return slot && this.setValue(slot, body.slice(eq + 1)) ? 1 : -1
    }
    const slot = this.slots.get(body)
    if (slot) return this.standalone(slot, next)
    const negated = body.startsWith('no-') ? this.slots.get(body.slice(3)) : undefined
    if (negated?.spec.type !== 'boolean' || negated.spec.array) return -1
    return this.set(negated, false) ? 1 : -1
  }

  /** `-v`, `-lvk`, `-p 80`, `-p80`; returns how many arguments it used, or -1. */
  short(arg: string, next: string | undefined): number {
    // A negative number is a positional to yargs, except a one-digit boolean (nc's -4, -6).
    if (NEGATIVE_NUMBER.test(arg)) {
      const slot = arg.length === 2 ? this.slots.get(arg[1]!) : undefined
      return slot?.spec.type === 'boolean' && this.flag(slot) ? 1 : -1
    }
    for (let j = 1; j < arg.length; j++) {
      const slot = this.slots.get(arg[j]!)
      if (!slot) return -1
      const rest = arg.slice(j + 1)
      if (rest === '') return this.standalone(slot, next)
      if (slot.spec.type === 'string') {
        // yargs reads `-p80` as -p 80, but `-phost` as flags p, h, o, s, t.
        return /[A-Za-z]/.test(arg[j]!) && ATTACHED_NUMBER.test(rest) && this.setValue(slot, rest) ? 1 : -1
      }
      // yargs gives a flag a value in `-v2` or `-v=x`: not a cluster of flags.
      if (/^\W/.test(rest) || ATTACHED_NUMBER.test(rest)) return -1
      if (!this.flag(slot)) return -1
    }
    return 1
  }

  /** An option with no attached value: a flag, or one that takes the next argument. */
  private standalone(slot: Slot, next: string | undefined): number {
    if (slot.spec.type === 'string') {
      // A dash-led next argument is an option (or '-'), which yargs reads in its own ways.
      if (next === undefined || next.startsWith('-')) return -1
      return this.setValue(slot, next) ? 2 : -1
    }
    // yargs gives `--flag true` / `--flag false` the value.
    if (next === 'true' || next === 'false') return -1
    return this.flag(slot) ? 1 : -1
  }

  private flag(slot: Slot): boolean {
    if (slot.spec.type === 'count') {
      this.values.set(slot.name, ((this.values.get(slot.name) as number | undefined) ?? 0) + 1)
      return true
    }
    return slot.spec.type === 'boolean' && !slot.spec.array && this.set(slot, true)
  }

  private setValue(slot: Slot, value: string): boolean {
    if (slot.spec.type !== 'string') return false
    if (value === '' && slot.spec.requiresArg) return false
    if (slot.spec.choices && !slot.spec.choices.includes(value)) return false
    if (slot.spec.array) {
      this.values.set(slot.name, [...((this.values.get(slot.name) as string[] | undefined) ?? []), value])
      return true
    }
    return this.set(slot, value)
  }

  /** A value; a repeated option becomes an array, as yargs' duplicate-arguments-array does. */
  private set(slot: Slot, value: unknown): boolean {
    if (!this.values.has(slot.name)) this.values.set(slot.name, value)
    else if (slot.spec.type === 'boolean') return false
    else {
      const previous = this.values.get(slot.name)
      this.values.set(slot.name, [...(Array.isArray(previous) ? previous : [previous]), value])
    }
    return true
  }
}

/** The positionals of the command, as yargs names them; undefined when they do not fit. */
function placePositionals(shape: CommandShape, given: string[], table: OptionTable, out: ParsedArgs, loose: boolean): boolean {
  const rest = given.slice(shape.words.length)
  for (const positional of shape.positionals) {
    const spec = table[positional.name]
    if (spec && spec.type !== 'string') return false
    if (positional.variadic) {
      if (rest.length > 0) out[positional.name] = rest.splice(0)
      continue
    }
    const value = rest.shift()
    if (value === undefined) {
      if (positional.required) return false
      continue
    }
    out[positional.name] = value
  }
  // Arguments no positional takes: yargs' strict mode judges them, unless the CLI reads them itself.
  if (loose) out._.push(...rest)
  return loose || rest.length === 0
}

/**
 * Parse `argv` (the arguments after the script) as yargs would with the CLI kit's configuration
 * and this option table, or return undefined when yargs must (help, completion, errors, anything
 * unusual). The result has the same keys and values as yargs' (aliases and camel case included).
 */
export function fastParse(argv: readonly string[], cli: CliSpec): ParsedArgs | undefined {
  const command = pickCommand(argv, cli)
  if (!command) return undefined
  const table: OptionTable = { ...COMMON_OPTIONS, ...cli.options, ...command.spec.options }
  const reader = new OptionReader(table)
  const positionals: string[] = []
  // After `--`, yargs puts arguments in `_` (numbers as numbers), not in the command's positionals.
  let afterDashes: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('-')) positionals.push(arg)
    else if (arg === '--') {
      afterDashes = argv.slice(i + 1)
      if (afterDashes.some((a) => /^(0x|[-.\d])/i.test(a))) return undefined
      break
    } else if (arg === '-') {
      // yargs drops a lone `-` from the positionals of a variadic command: let it decide.
      return undefined
    } else {
      const used = arg.startsWith('--') ? reader.long(arg, argv[i + 1]) : reader.short(arg, argv[i + 1])
      if (used < 0) return undefined
      i += used - 1
    }
  }
  const out: ParsedArgs = { _: [...command.shape.words], $0: cli.name }
  if (!placePositionals(command.shape, positionals, command.spec.positionals ?? {}, out, cli.looseArguments ?? false)) return undefined
  out._.push(...afterDashes)
  for (const [name, spec] of Object.entries(table)) {
    // yargs counts from 0 when a count option has no default.
    const value = reader.values.has(name) ? reader.values.get(name) : spec.default ?? (spec.type === 'count' ? 0 : undefined)
    if (value === undefined) continue
    for (const key of keysOf(name, spec)) out[key] = value
  }
  return out
}

/** `tool --version` alone: print the version without loading anything. True when it did. */
export function printVersionIfAsked(argv: readonly string[], version: string): boolean {
  if (argv.length !== 1 || argv[0] !== '--version') return false
  process.stdout.write(`${version}\n`)
  return true
}
