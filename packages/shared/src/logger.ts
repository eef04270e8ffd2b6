import pc from 'picocolors'

export type Colors = ReturnType<typeof pc.createColors>

interface ColorStream {
  isTTY?: boolean
  hasColors?: () => boolean
}

/**
 * Whether to colour diagnostics written to `stream` (stderr, not stdout as picocolors assumes):
 * `NO_COLOR` (non-empty) turns colour off, `FORCE_COLOR` (other than `0`/`false`) turns it on,
 * otherwise only a TTY that reports colour support gets it.
 */
export function colorEnabled(stream: ColorStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force !== 'false'
  if (!stream.isTTY) return false
  return typeof stream.hasColors === 'function' ? stream.hasColors() : true
}

export interface LoggerOptions {
  /** Program name, the prefix of warnings and errors (`nc: ...`). */
  name: string
  /** 0 quiet, 1 with -v, 2 with -vv. */
  verbosity?: number
  stream?: NodeJS.WritableStream & ColorStream
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

/** A logger for diagnostics on stderr. stdout is data only and never passes through here. */
export function createLogger(options: LoggerOptions): Logger {
  const stream = options.stream ?? process.stderr
  const verbosity = options.verbosity ?? 0
  const colors = pc.createColors(options.color ?? colorEnabled(stream, options.env))
  const write = (text: string) => {
    stream.write(text.endsWith('\n') ? text : `${text}\n`)
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
