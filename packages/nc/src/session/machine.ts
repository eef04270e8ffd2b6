/**
 * The half-close rules of an nc session as a pure state machine: `step(state, event, policy)`
 * returns the next state and the actions to perform. No I/O, no timers: the driver (driver.ts)
 * performs the actions, the transports (stream, buffer, exec) report the events. Every cell of
 * the README's "Half-close and exit" table is a row of test/session-machine.test.ts.
 */

/** How a session ended. */
export type SessionEnd = 'peer-eof' | 'quit' | 'idle' | 'aborted'

/** The options that decide what an event does. */
export interface SessionPolicy {
  /** -N: on input EOF shut down the connection's write side, then wait for the peer. */
  shutdownOnEof?: boolean
  /** -q: end this many ms after input EOF (0 or less = at once; undefined = wait for the peer). */
  quitAfterEofMs?: number
  /** -w: end when no byte moved either way for this long. */
  idleTimeoutMs?: number
  /**
   * The local side is a program answering the peer (-e/-c): the peer's EOF only ends the
   * program's input, input EOF (the program closed its output) always shuts down the write
   * side, and the session ends once the program exited and its output is out.
   */
  localProgram?: boolean
}

export type SessionEvent =
  /** The transport is wired: arm what the policy asks for. */
  | { type: 'start' }
  /** Bytes moved either way. */
  | { type: 'activity' }
  /** The local input (stdin, a file, a program's output) ended, or failed to read. */
  | { type: 'input-eof' }
  /** The peer shut down its write side. */
  | { type: 'peer-eof' }
  /** The connection closed in both directions (possibly without an EOF first). */
  | { type: 'peer-closed' }
  /**
   * A message connection (WebSocket) closed with a close code: 1000/1001/1005 end it as peer-closed
   * does; any other code (1006: no close frame at all) is a failure, after what arrived is out.
   */
  | { type: 'peer-close'; code: number; reason: string }
  /** Everything received was handed to the local output (after flush-then-finish). */
  | { type: 'output-drained' }
  /** Our write side finished sending after shutdown-write. */
  | { type: 'write-finished' }
  /** The local program exited. */
  | { type: 'local-exit' }
  /** The local program could not run: nothing more will come from it or go to it. */
  | { type: 'local-gone' }
  /** The local output failed (its reader went away): nothing more can be delivered. */
  | { type: 'output-error' }
  | { type: 'quit-timer' }
  | { type: 'idle-timer' }
  | { type: 'abort' }
  /** The connection failed (reset, TLS alert, bad frame). */
  | { type: 'error'; error: unknown }

export type SessionAction =
  | { type: 'arm-idle'; ms: number }
  | { type: 'refresh-idle' }
  | { type: 'shutdown-write' }
  | { type: 'arm-quit'; ms: number }
  /** End the local output (a program's stdin) so it sees EOF. */
  | { type: 'end-output' }
  /** Hand everything received to the local output, then report output-drained. */
  | { type: 'flush-then-finish'; reason: SessionEnd }
  /** Stop moving bytes, close the connection, resolve with the reason. */
  | { type: 'finish'; reason: SessionEnd }
  /** Stop moving bytes, destroy the connection, reject with the error. */
  | { type: 'fail'; error: unknown }
  /** As fail, with the transport's error for an abnormal close code (peer-close). */
  | { type: 'fail-close'; code: number; reason: string }

export interface SessionState {
  /** open: bytes move; flushing: waiting for output-drained; done: nothing more happens. */
  readonly phase: 'open' | 'flushing' | 'done'
  readonly inputEof: boolean
  readonly peerEof: boolean
  readonly writeShut: boolean
  readonly writeFinished: boolean
  readonly localExited: boolean
  /** The reason flush-then-finish will end with. */
  readonly pending?: SessionEnd
}

export interface Step {
  state: SessionState
  actions: readonly SessionAction[]
}

export const initialState: SessionState = {
  phase: 'open',
  inputEof: false,
  peerEof: false,
  writeShut: false,
  writeFinished: false,
  localExited: false,
}

const NONE: readonly SessionAction[] = Object.freeze([])
const REFRESH: readonly SessionAction[] = Object.freeze([{ type: 'refresh-idle' }])

/**
 * Close codes that end a message connection normally: 1000 (normal closure), 1001 (going away),
 * and 1005 (a close frame without a code: the closing handshake still completed).
 */
export function isCleanClose(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1005
}

/** -q given (the CLI reads Debian's `-q -1`, "wait forever", as no -q). */
function quits(policy: SessionPolicy): policy is SessionPolicy & { quitAfterEofMs: number } {
  return policy.quitAfterEofMs !== undefined
}

const done = (state: SessionState, reason: SessionEnd): Step => ({ state: { ...state, phase: 'done' }, actions: [{ type: 'finish', reason }] })

const flush = (state: SessionState, reason: SessionEnd): Step => ({
  state: { ...state, phase: 'flushing', pending: reason },
  actions: [{ type: 'flush-then-finish', reason }],
})

/** The program exited and its output is out (or the connection cannot take more): the exec session is over. */
function programDone(state: SessionState): Step {
  return state.localExited && state.writeFinished ? done(state, 'peer-eof') : { state, actions: NONE }
}

function onInputEof(state: SessionState, policy: SessionPolicy): Step {
  if (state.inputEof) return { state, actions: NONE }
  const next = { ...state, inputEof: true }
  // -q shuts down too, as Debian's nc does: the peer sees EOF now, nc exits q secs later.
  const shut = policy.localProgram || policy.shutdownOnEof || quits(policy)
  const actions: SessionAction[] = []
  if (shut && !state.writeShut) actions.push({ type: 'shutdown-write' })
  const shutState = shut ? { ...next, writeShut: true } : next
  if (!policy.localProgram && quits(policy)) {
    if (policy.quitAfterEofMs <= 0) return { state: { ...shutState, phase: 'done' }, actions: [...actions, { type: 'finish', reason: 'quit' }] }
    actions.push({ type: 'arm-quit', ms: policy.quitAfterEofMs })
  }
  return { state: shutState, actions }
}

function onPeerEof(state: SessionState, policy: SessionPolicy): Step {
  if (state.peerEof) return { state, actions: NONE }
  const next = { ...state, peerEof: true }
  // A program may still answer what it was sent: only its input ends.
  if (policy.localProgram) return { state: next, actions: [{ type: 'end-output' }] }
  return flush(next, 'peer-eof')
}

function onPeerClose(state: SessionState, code: number, reason: string): Step {
  const closed = { ...state, peerEof: true }
  if (isCleanClose(code)) return flush(closed, 'peer-eof')
  return { state: { ...closed, phase: 'done' }, actions: [{ type: 'fail-close', code, reason }] }
}

/** Events that end the session whatever phase it is in (before done). */
function ending(state: SessionState, event: SessionEvent): Step | undefined {
  switch (event.type) {
    case 'quit-timer':
      return done(state, 'quit')
    case 'idle-timer':
      return done(state, 'idle')
    case 'abort':
    case 'output-error':
      return done(state, 'aborted')
    case 'local-gone':
      return done(state, 'peer-eof')
    case 'error':
      return { state: { ...state, phase: 'done' }, actions: [{ type: 'fail', error: event.error }] }
    default:
      return undefined
  }
}

/** One event: the next state and what to do. Events after the session is done do nothing. */
export function step(state: SessionState, event: SessionEvent, policy: SessionPolicy): Step {
  if (state.phase === 'done') return { state, actions: NONE }
  const end = ending(state, event)
  if (end) return end
  if (state.phase === 'flushing') {
    if (event.type === 'output-drained') return done(state, state.pending ?? 'peer-eof')
    return { state, actions: event.type === 'activity' ? REFRESH : NONE }
  }
  switch (event.type) {
    case 'start':
      return { state, actions: policy.idleTimeoutMs !== undefined && policy.idleTimeoutMs > 0 ? [{ type: 'arm-idle', ms: policy.idleTimeoutMs }] : NONE }
    case 'activity':
      return { state, actions: REFRESH }
    case 'input-eof':
      return onInputEof(state, policy)
    case 'peer-eof':
      return onPeerEof(state, policy)
    case 'peer-closed':
      // Gone both ways: nothing a program writes can go anywhere; what arrived is still delivered.
      return policy.localProgram ? done({ ...state, peerEof: true }, 'peer-eof') : flush({ ...state, peerEof: true }, 'peer-eof')
    case 'peer-close':
      return onPeerClose(state, event.code, event.reason)
    case 'write-finished':
      return policy.localProgram ? programDone({ ...state, writeFinished: true }) : { state: { ...state, writeFinished: true }, actions: NONE }
    case 'local-exit':
      return policy.localProgram ? programDone({ ...state, localExited: true }) : { state, actions: NONE }
    default:
      return { state, actions: NONE }
  }
}
