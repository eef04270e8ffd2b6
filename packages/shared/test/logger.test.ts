import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { colorEnabled, createLogger, createSpinner, spinnerAllowed } from '../src/index.js'

class Capture extends Writable {
  text = ''
  isTTY?: boolean
  columns?: number
  constructor(tty = false, private colors = true) {
    super()
    if (tty) {
      this.isTTY = true
      this.columns = 80
    }
  }
  hasColors() {
    return this.colors
  }
  // What ora needs from a TTY stream.
  cursorTo(_x: number, cb?: () => void) {
    cb?.()
    return true
  }
  moveCursor(_dx: number, _dy: number, cb?: () => void) {
    cb?.()
    return true
  }
  clearLine(_dir: number, cb?: () => void) {
    cb?.()
    return true
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString()
    cb()
  }
}

const ESC = '\u001b['

describe('colorEnabled (decided from stderr, not stdout)', () => {
  it('is off for a pipe or file', () => {
    expect(colorEnabled(new Capture(false), {})).toBe(false)
  })
  it('is on for a colour TTY', () => {
    expect(colorEnabled(new Capture(true), {})).toBe(true)
  })
  it('is off for a TTY without colour support', () => {
    expect(colorEnabled(new Capture(true, false), {})).toBe(false)
  })
  it('honours NO_COLOR on a TTY, even with FORCE_COLOR', () => {
    expect(colorEnabled(new Capture(true), { NO_COLOR: '1' })).toBe(false)
    expect(colorEnabled(new Capture(true), { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false)
  })
  it('ignores an empty NO_COLOR, as the convention says', () => {
    expect(colorEnabled(new Capture(true), { NO_COLOR: '' })).toBe(true)
  })
  it('honours FORCE_COLOR on a pipe, and FORCE_COLOR=0 on a TTY', () => {
    expect(colorEnabled(new Capture(false), { FORCE_COLOR: '1' })).toBe(true)
    expect(colorEnabled(new Capture(true), { FORCE_COLOR: '0' })).toBe(false)
  })
})

describe('createLogger', () => {
  it('shows info only with -v and debug only with -vv', () => {
    for (const verbosity of [0, 1, 2]) {
      const out = new Capture()
      const log = createLogger({ name: 'nc', verbosity, stream: out, env: {} })
      log.info('info line')
      log.debug('debug line')
      expect(out.text).toBe(['', 'info line\n', 'info line\ndebug line\n'][verbosity])
    }
  })
  it('prefixes warnings and errors with the program name, uncoloured on a pipe', () => {
    const out = new Capture()
    const log = createLogger({ name: 'nc', stream: out, env: {} })
    log.warn('careful')
    log.error('connect to 127.0.0.1 port 5 (tcp) failed: Connection refused')
    expect(out.text).toBe('nc: careful\nnc: connect to 127.0.0.1 port 5 (tcp) failed: Connection refused\n')
  })
  it('colours on a TTY and not with NO_COLOR', () => {
    const tty = new Capture(true)
    createLogger({ name: 'nc', stream: tty, env: {} }).error('boom')
    expect(tty.text).toContain(ESC)
    expect(tty.text).toContain('boom')
    const noColor = new Capture(true)
    createLogger({ name: 'nc', stream: noColor, env: { NO_COLOR: '1' } }).error('boom')
    expect(noColor.text).toBe('nc: boom\n')
  })
})

describe('createSpinner', () => {
  it('is silent and inactive when stderr is not a TTY', async () => {
    const out = new Capture(false)
    const spinner = createSpinner('working', { stream: out })
    spinner.update('still working')
    spinner.succeed('done')
    await new Promise((r) => setTimeout(r, 50))
    expect(spinner.active).toBe(false)
    expect(out.text).toBe('')
  })
  it('is not allowed on a 0-column pty', () => {
    const zero = new Capture(true)
    zero.columns = 0
    expect(spinnerAllowed(zero)).toBe(false)
    expect(spinnerAllowed(new Capture(true))).toBe(true)
  })
  it('draws with ora on a TTY and ends with the final text', async () => {
    const out = new Capture(true)
    const spinner = createSpinner('working', { stream: out })
    expect(spinner.active).toBe(true)
    const deadline = Date.now() + 5000
    while (!out.text.includes('working') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    spinner.succeed('finished')
    expect(out.text).toContain('working')
    expect(out.text).toContain('finished')
  })
})
