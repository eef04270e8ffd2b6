import pc from 'picocolors'
import { writeDiagnostic, type DiagnosticStream } from './diagnostics.js'
import { colorEnabled, type TerminalStream } from './terminal.js'

export type Colors = ReturnType<typeof pc.createColors>

export interface LoggerOptions {
  /** Program name, the prefix of warnings and errors (`nc: ...`). */
  name: string
  /** 0 quiet, 1 with -v, 2 with -vv. */
  verbosity?: number
  stream?: DiagnosticStream & TerminalStream
  env?: NodeJS.ProcessEnv
  /** Override the colour decision (tests). */
  color?: boolean
}

export interface Logger {
  readonly name: string
  readonly verbosity: number
  readonly colors: Colors
  /** Shown with -v: progress and connection messages, no prefix (OpenBSD nc's wording). */
  info(message: string): void
  /** Shown with -vv. */
  debug(message: string): void
  /** Always shown, prefixed `name: `. */
  warn(message: string): void
  /** Always shown, prefixed `name: `, in red on a colour terminal. */
  error(message: string): void
  /** Write one line as is (summaries, tables). */
  line(message: string): void
}

/**
 * A logger for diagnostics on stderr. stdout is data only and never passes through here; a
 * closed stderr only silences it (see diagnostics.ts).
 */
export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stderr
  const verbosity = options.verbosity ?? 0
  const colors = pc.createColors(options.color ?? colorEnabled(stream, options.env))
  // Through the one diagnostics writer: a stderr whose reader is gone drops lines, never raises.
  const write = (text: string) => {
    writeDiagnostic(text.endsWith('\n') ? text : `${text}\n`, stream)
  }
  return {
    name: options.name,
    verbosity,
    colors,
    info: (message) => {
      if (verbosity >= 1) write(message)
    },
    debug: (message) => {
      if (verbosity >= 2) write(colors.dim(message))
    },
    warn: (message) => write(`${colors.yellow(`${options.name}:`)} ${message}`),
    error: (message) => write(`${colors.red(`${options.name}:`)} ${message}`),
    line: write,
  }
}
