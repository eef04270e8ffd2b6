import type { Ora } from 'ora'

export interface Spinner {
  /** Whether anything is shown at all (a TTY on stderr). */
  readonly active: boolean
  update(text: string): void
  /** Remove the spinner line; call before writing anything else to the terminal. */
  stop(): void
  succeed(text?: string): void
  fail(text?: string): void
}

interface SpinnerStream extends NodeJS.WritableStream {
  isTTY?: boolean
  columns?: number
}

const silent: Spinner = { active: false, update() {}, stop() {}, succeed() {}, fail() {} }

/** Spinners only on a real terminal: a 0-column pty makes ora loop, and pipes get nothing. */
export function spinnerAllowed(stream: SpinnerStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0
}

/**
 * An ora spinner on stderr, loaded lazily (ora costs ~45 ms of start-up) and only on a TTY;
 * elsewhere a silent stand-in. stdin is never touched (`discardStdin: false`), which nc needs.
 */
export function createSpinner(text: string, options: { stream?: SpinnerStream; enabled?: boolean } = {}): Spinner {
  const stream = options.stream ?? process.stderr
  if (!(options.enabled ?? spinnerAllowed(stream))) return silent
  let ora: Ora | undefined
  let current = text
  let done: { kind: 'stop' | 'succeed' | 'fail'; text?: string } | undefined
  const finish = () => {
    if (!ora || !done) return
    if (done.kind === 'succeed') ora.succeed(done.text)
    else if (done.kind === 'fail') ora.fail(done.text)
    else ora.stop()
  }
  void import('ora').then(({ default: createOra }) => {
    if (done && done.kind === 'stop') return
    ora = createOra({ text: current, stream: stream as NodeJS.WritableStream, discardStdin: false })
    if (done) finish()
    else ora.start()
  })
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
