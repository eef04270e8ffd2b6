// Argument parsing for the nc bin: yargs over the option tables (core-options.ts and
// extras-options.ts, each declared once), the yargs-free path (driven by the same table) for plain OpenBSD command lines, and the
// translation of parsed arguments into validated NcOptions.
import type { Argv } from 'yargs'
import { parseCount, parseDuration, UsageError } from '@netkit/shared'
import type { NcOptions } from '../options.js'
import { version } from '../version.js'
import { coreOptions } from './core-options.js'
import { isWebSocketUrl } from '../ws-url.js'

/** The one-letter options of the table, which the quick path reads as yargs would. */
const letters = Object.entries(coreOptions).filter(([name]) => name.length === 1)
const QUICK_FLAGS = new Set(letters.filter(([, spec]) => spec.type === 'boolean').map(([name]) => name))
const QUICK_VALUES = new Set(letters.filter(([, spec]) => spec.type === 'string').map(([name]) => name))

/** `--hex-dump` takes an optional file: bare means stderr. Spelled `--hex-dump=FILE` for a file. */
function preprocess(args: readonly string[]): string[] {
  return args.map((a) => (a === '--hex-dump' ? '--hex-dump=-' : a))
}

export async function buildParser(args: readonly string[]) {
  const { createCli } = await import('@netkit/shared/cli')
  const { extraOptions, extraExamples } = await import('./extras-options.js')
  const cli = createCli({ name: 'nc', version, usage: '$0 [options] [host] [port]\n$0 -l [options] [host] port\n$0 -z [options] host port...', argv: preprocess(args) })
    .parserConfiguration({ 'greedy-arrays': false, 'dot-notation': false, 'duplicate-arguments-array': true, 'parse-positional-numbers': false, 'camel-case-expansion': false })
    .strict(false)
    .strictOptions()
    .alias('help', 'h')
    .options({
      ...coreOptions,
      // nc extras options go below this line.
      ...extraOptions,
    })
    .example('$0 example.com 80', 'Connect; stdin to the socket, the socket to stdout')
    .example('$0 -l 1234', 'Listen on port 1234 (also: -l -p 1234)')
    .example('$0 -zv 127.0.0.1 20-25 80 443,8000-8100', 'Scan ports')
    .example(extraExamples.map(([cmd, text]) => [cmd, text]))
  return cli as unknown as Argv<Record<string, unknown>>
}

export type Args = Record<string, unknown> & { _: (string | number)[]; verbose?: number }

/**
 * The common command lines (OpenBSD letters and positionals: `nc -N host port`, `nc -lvp 1234`,
 * `nc -zv host 20-25`) parsed without yargs, which costs a session ~15 ms of start-up. Returns
 * what yargs would, or undefined for anything else (long options, attached or dash-led values,
 * a letter given twice, -h, `--`): yargs then parses, validates and words the errors.
 */
export function quickParse(args: readonly string[]): Args | undefined {
  const parsed: Args = { _: [] }
  let verbose = 0
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith('-')) {
      // A WebSocket URL needs the extras (endpoints.ts).
      if (/^wss?:/i.test(arg)) return undefined
      parsed._.push(arg)
      continue
    }
    if (arg.length < 2 || arg.startsWith('--')) return undefined
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!
      if (letter === 'v') verbose++
      else if (letter in parsed) return undefined
      else if (QUICK_FLAGS.has(letter)) parsed[letter] = true
      else if (QUICK_VALUES.has(letter)) {
        const value = args[i + 1]
        if (j !== arg.length - 1 || value === undefined || value.startsWith('-')) return undefined
        parsed[letter] = value
        i++
      } else return undefined
    }
  }
  if (parsed._.length === 0) return undefined
  parsed.verbose = verbose
  return parsed
}

/** Turn parsed arguments into validated NcOptions (UsageError, exit 2, on mistakes). */
export async function toOptions(args: Args): Promise<NcOptions> {
  // Both modules load at once: each import() is a round trip through the module loader.
  const [{ validateOptions, DEFAULT_SCAN_CONCURRENCY, MAX_SCAN_CONCURRENCY }, { endpointsFromArguments }] = await Promise.all([import('../options.js'), import('../endpoints.js')])
  const positionals = args._.map(String)
  const flag = (name: string) => args[name] === true
  const str = (name: string) => {
    const value = args[name]
    if (Array.isArray(value)) throw new UsageError(`option -${name.length > 1 ? '-' : ''}${name} given more than once`)
    return typeof value === 'string' ? value : undefined
  }
  const listen = flag('l')
  const scanning = flag('z')
  if (listen && scanning) throw new UsageError('cannot use -z and -l')
  if (flag('4') && flag('6')) throw new UsageError('cannot use -4 and -6 together')
  const secs = (name: string, what: string) => {
    const v = str(name)
    return v === undefined ? undefined : parseDuration(v, what)
  }
  const options: NcOptions = {
    mode: listen ? 'listen' : scanning ? 'scan' : 'connect',
    udp: flag('u'),
    family: flag('4') ? 4 : flag('6') ? 6 : undefined,
    numeric: flag('n'),
    sourceAddress: str('s'),
    keepListening: flag('k'),
    noStdin: flag('d'),
    shutdownOnEof: flag('N'),
    // Debian's nc: a negative -q waits forever (the default).
    quitAfterEofMs: /^-\d+$/.test(str('q') ?? '') ? undefined : secs('q', '-q seconds'),
    idleTimeoutMs: secs('w', '-w timeout'),
    connectTimeoutMs: secs('w', '-w timeout'),
    intervalMs: secs('i', '-i interval'),
    crlf: flag('C'),
    verbose: typeof args.verbose === 'number' ? args.verbose : 0,
    json: flag('json'),
    stats: flag('stats'),
    frame: str('frame') as NcOptions['frame'],
    hexDump: str('hex-dump'),
    outFile: str('o'),
    appendOutput: flag('append-output'),
  }
  if (options.frame !== undefined) {
    const { FRAME_FORMATS } = await import('@netkit/framing')
    if (!FRAME_FORMATS.includes(options.frame)) throw new UsageError(`--frame must be one of ${FRAME_FORMATS.join(', ')} (got ${JSON.stringify(options.frame)})`)
  }
  const concurrency = str('concurrency')
  options.concurrency = concurrency === undefined ? DEFAULT_SCAN_CONCURRENCY : parseCount(concurrency, '--concurrency', 1, MAX_SCAN_CONCURRENCY)
  if (options.hexDump === '') options.hexDump = '-'
  Object.assign(options, endpointsFromArguments(positionals, { mode: options.mode, sourcePort: str('p'), unixSocket: flag('U') }))
  return validateOptions(options)
}

