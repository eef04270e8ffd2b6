/**
 * The terminal rules every diagnostic follows, logs and spinners alike, decided from stderr (our
 * diagnostics stream; picocolors would look at stdout, which carries data):
 * - colour: `NO_COLOR` (non-empty) turns it off, even with `FORCE_COLOR`; `FORCE_COLOR` (other than
 *   `0`/`false`) turns it on; otherwise only a TTY that reports colour support gets it;
 * - spinners: only on a TTY with a known, non-zero width (a 0-column pty makes ora loop forever);
 *   a pipe or a file gets nothing.
 */

export interface TerminalStream {
  isTTY?: boolean
  columns?: number
  hasColors?: () => boolean
}

/** Whether to colour diagnostics written to `stream`. */
export function colorEnabled(stream: TerminalStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force !== 'false'
  if (!stream.isTTY) return false
  return typeof stream.hasColors === 'function' ? stream.hasColors() : true
}

/** Whether a spinner (or any other redrawn line) may be shown on `stream`. */
export function spinnerAllowed(stream: TerminalStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0
}
