import type { Ora } from 'ora'
import pc from 'picocolors'
import { diagnosticsOpen, guardDiagnostics, writeDiagnostic } from './diagnostics.js'
import { colorEnabled, spinnerAllowed, type TerminalStream } from './terminal.js'

export interface Spinner {
  /** Whether anything is shown at all (a TTY on stderr). */
  readonly active: boolean
  update(text: string): void
  /** Remove the spinner line; call before writing anything else to the terminal. */
  stop(): void
  succeed(text?: string): void
  fail(text?: string): void
}

type SpinnerStream = NodeJS.WritableStream & TerminalStream

export interface SpinnerOptions {
  stream?: SpinnerStream
  /** Override the TTY decision (tests). */
  enabled?: boolean
  /** Override the colour decision (tests); default: the rules of terminal.ts for `stream`. */
  color?: boolean
  env?: NodeJS.ProcessEnv
}

const silent: Spinner = { active: false, update() {}, stop() {}, succeed() {}, fail() {} }

/**
 * An ora spinner on stderr, loaded lazily (ora costs ~45 ms of start-up) and only on a TTY;
 * elsewhere a silent stand-in. Colour follows the same rules as the logs: where colour is off
 * (NO_COLOR) no escape sequence reaches the terminal at all, so the line is redrawn with carriage
 * returns by createPlainSpinner instead of ora (which hides the cursor and clears lines with
 * escape codes); where it is on, ora gets its colour and symbols from us, since its own colour
 * libraries decide from stdout. stdin is never touched (`discardStdin: false`), which nc needs. Without
 * ora installed (it is an optional peer of the library), the spinner stays silent.
 */
export function createSpinner(text: string, options: SpinnerOptions = {}): Spinner {
  const stream = options.stream ?? process.stderr
  if (!(options.enabled ?? spinnerAllowed(stream))) return silent
  guardDiagnostics(stream)
  const colors = pc.createColors(options.color ?? colorEnabled(stream, options.env))
  if (!colors.isColorSupported) return createPlainSpinner(text, stream)
  let ora: Ora | undefined
  let current = text
  let done: { kind: 'stop' | 'succeed' | 'fail'; text?: string } | undefined
  const finish = () => {
    if (!ora || !done) return
    if (!diagnosticsOpen(stream)) return
    if (done.kind === 'succeed') ora.stopAndPersist({ symbol: colors.green('✔'), text: done.text })
    else if (done.kind === 'fail') ora.stopAndPersist({ symbol: colors.red('✖'), text: done.text })
    else ora.stop()
  }
  void import('ora')
    .then(({ default: createOra }) => {
      if ((done && done.kind === 'stop') || !diagnosticsOpen(stream)) return
      ora = createOra({ text: current, stream, discardStdin: false, color: colors.isColorSupported ? 'cyan' : false })
      if (done) finish()
      else ora.start()
    })
    .catch(() => {})
  return {
    active: true,
    update(next) {
      current = next
      if (ora) ora.text = next
    },
    stop() {
      done ??= { kind: 'stop' }
      finish()
    },
    succeed(message) {
      done ??= { kind: 'succeed', text: message }
      finish()
    },
    fail(message) {
      done ??= { kind: 'fail', text: message }
      finish()
    },
  }
}

const PLAIN_FRAMES = ['-', '\\', '|', '/']
const PLAIN_INTERVAL_MS = 120

/**
 * A spinner drawn with `\r` and spaces only: no cursor hiding, no line clearing, no colour. The
 * line is cut to the terminal width so it never wraps (a wrapped line cannot be redrawn with `\r`).
 */
export function createPlainSpinner(text: string, stream: SpinnerStream = process.stderr): Spinner {
  guardDiagnostics(stream)
  let current = text
  let frame = 0
  let drawn = 0
  const width = () => Math.max(1, (stream.columns ?? 80) - 1)
  const draw = (line: string) => {
    const shown = line.slice(0, width())
    writeDiagnostic(`\r${shown}${' '.repeat(Math.max(0, drawn - shown.length))}`, stream)
    drawn = shown.length
  }
  const clear = () => {
    if (drawn > 0) writeDiagnostic(`\r${' '.repeat(drawn)}\r`, stream)
    drawn = 0
  }
  const tick = () => draw(`${PLAIN_FRAMES[frame++ % PLAIN_FRAMES.length]} ${current}`)
  let timer: NodeJS.Timeout | undefined = setInterval(tick, PLAIN_INTERVAL_MS)
  // A spinner is decoration: it must never keep the process alive.
  timer.unref()
  tick()
  const end = (symbol?: string, message?: string) => {
    if (timer === undefined) return
    clearInterval(timer)
    timer = undefined
    clear()
    if (symbol !== undefined) writeDiagnostic(`${symbol} ${message ?? current}\n`, stream)
  }
  return {
    active: true,
    update(next) {
      current = next
    },
    stop: () => end(),
    succeed: (message) => end('✔', message),
    fail: (message) => end('✖', message),
  }
}
