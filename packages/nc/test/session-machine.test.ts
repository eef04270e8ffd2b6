/**
 * The half-close state machine (src/session/machine.ts) as a table: each row is a cell of the
 * README's "Half-close and exit" matrix (or a rule beside it), fed as a sequence of events; the
 * actions the driver would perform are compared in order. Pure: no sockets, runs in milliseconds.
 */
import { describe, expect, it } from 'vitest'
import { initialState, step, type SessionAction, type SessionEvent, type SessionPolicy } from '../src/session/machine.js'

const N: SessionPolicy = { shutdownOnEof: true }
const Q2: SessionPolicy = { quitAfterEofMs: 2000 }
const Q0: SessionPolicy = { quitAfterEofMs: 0 }
const NEITHER: SessionPolicy = {}
const EXEC: SessionPolicy = { localProgram: true }

const ev = (type: Exclude<SessionEvent['type'], 'error' | 'peer-close'>): SessionEvent => ({ type }) as SessionEvent
const boom = new Error('reset')
/** WebSocket mode: stdin EOF always sends a close frame (the transport's shutdown-write). */
const WS: SessionPolicy = { shutdownOnEof: true }
const close = (code: number, reason = ''): SessionEvent => ({ type: 'peer-close', code, reason })

/** Feed the events in order; the actions of every step, flattened, in a compact notation. */
function run(policy: SessionPolicy, events: SessionEvent[]): string[] {
  let state = initialState
  const out: string[] = []
  for (const event of events) {
    const next = step(state, event, policy)
    state = next.state
    out.push(...next.actions.map(show))
  }
  return out
}

function show(action: SessionAction): string {
  switch (action.type) {
    case 'arm-idle':
    case 'arm-quit':
      return `${action.type}(${action.ms})`
    case 'finish':
    case 'flush-then-finish':
      return `${action.type}(${action.reason})`
    case 'fail':
      return `fail(${(action.error as Error).message})`
    case 'fail-close':
      return `fail-close(${action.code} ${action.reason})`
    default:
      return action.type
  }
}

const rows: Array<[string, SessionPolicy, SessionEvent[], string[]]> = [
  // -N
  ['-N, stdin EOF first: shut down, keep printing, exit when the peer closes', N, [ev('input-eof'), ev('activity'), ev('peer-eof'), ev('output-drained')], ['shutdown-write', 'refresh-idle', 'flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['-N, peer closes first: print what it sent, exit (stdin still open)', N, [ev('peer-eof'), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  // -q secs
  ['-q 2, stdin EOF first: shut down, exit when the quit timer fires', Q2, [ev('input-eof'), ev('activity'), ev('quit-timer')], ['shutdown-write', 'arm-quit(2000)', 'refresh-idle', 'finish(quit)']],
  ['-q 2, stdin EOF first, the peer closes sooner: exit then', Q2, [ev('input-eof'), ev('peer-eof'), ev('output-drained'), ev('quit-timer')], ['shutdown-write', 'arm-quit(2000)', 'flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['-q 0, stdin EOF first: shut down and exit at once', Q0, [ev('input-eof'), ev('peer-eof')], ['shutdown-write', 'finish(quit)']],
  ['-q 2, peer closes first: print what it sent, exit', Q2, [ev('peer-eof'), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  // neither
  ['neither, stdin EOF first: keep the write side open, exit when the peer closes', NEITHER, [ev('input-eof'), ev('activity'), ev('peer-eof'), ev('output-drained')], ['refresh-idle', 'flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['neither, peer closes first: print what it sent, exit', NEITHER, [ev('peer-eof'), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  // -d: no input, so no input-eof ever comes
  ['-d, peer closes: print what it sent, exit', N, [ev('activity'), ev('peer-eof'), ev('output-drained')], ['refresh-idle', 'flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  // -w
  ['-w: arms the idle timer at start; bytes refresh it; it ends the session quietly', { idleTimeoutMs: 3000 }, [ev('start'), ev('activity'), ev('idle-timer'), ev('peer-eof')], ['arm-idle(3000)', 'refresh-idle', 'finish(idle)']],
  ['-w ends a session waiting for the peer after -N', { shutdownOnEof: true, idleTimeoutMs: 500 }, [ev('start'), ev('input-eof'), ev('idle-timer')], ['arm-idle(500)', 'shutdown-write', 'finish(idle)']],
  ['no -w: start arms nothing', NEITHER, [ev('start')], []],
  // beside the matrix
  ['a connection closed without EOF (a reset seen as close) still flushes what arrived', NEITHER, [ev('peer-closed'), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['a second EOF or close while flushing changes nothing', N, [ev('peer-eof'), ev('peer-closed'), ev('peer-eof'), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['input EOF twice shuts down once', N, [ev('input-eof'), ev('input-eof')], ['shutdown-write']],
  ['the reader of stdout went away: end quietly', NEITHER, [ev('output-error')], ['finish(aborted)']],
  ['abort (SIGINT) ends even a flushing session', NEITHER, [ev('peer-eof'), ev('abort'), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(aborted)']],
  ['a connection error fails the session, once', N, [ev('input-eof'), { type: 'error', error: boom }, { type: 'error', error: boom }, ev('peer-eof')], ['shutdown-write', 'fail(reset)']],
  ['nothing happens after the end', Q0, [ev('input-eof'), ev('quit-timer'), ev('idle-timer'), ev('abort')], ['shutdown-write', 'finish(quit)']],
  // exec (-e/-c): the local side is a program
  ['exec: the peer EOF ends the program input only; it exits after its output went out', EXEC, [ev('peer-eof'), ev('input-eof'), ev('local-exit'), ev('write-finished')], ['end-output', 'shutdown-write', 'finish(peer-eof)']],
  ['exec: the program exits first, then its output finishes', EXEC, [ev('input-eof'), ev('write-finished'), ev('local-exit')], ['shutdown-write', 'finish(peer-eof)']],
  ['exec: the program keeps running after the peer EOF', EXEC, [ev('peer-eof'), ev('activity')], ['end-output', 'refresh-idle']],
  ['exec: the connection gone both ways ends the session at once', EXEC, [ev('peer-closed'), ev('output-drained')], ['finish(peer-eof)']],
  ['exec: a program that cannot run ends the session', EXEC, [ev('local-gone')], ['finish(peer-eof)']],
  ['exec ignores -q and -N: input EOF only shuts down', { ...EXEC, quitAfterEofMs: 0, shutdownOnEof: true }, [ev('input-eof')], ['shutdown-write']],
  // WebSocket (a message transport): stdin EOF sends close 1000 (shutdown-write) and waits for the peer's close
  ['ws, stdin EOF: send close 1000, wait; the peer answers 1000: exit 0', WS, [ev('input-eof'), ev('activity'), close(1000), ev('output-drained')], ['shutdown-write', 'refresh-idle', 'flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['ws, the peer closes first with 1000: print what it sent, exit 0', WS, [close(1000), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['ws, the peer closes with 1001 (going away): exit 0', WS, [close(1001, 'bye'), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['ws, an empty close frame (1005, no code): the handshake completed, exit 0', WS, [close(1005), ev('output-drained')], ['flush-then-finish(peer-eof)', 'finish(peer-eof)']],
  ['ws, the peer closes with 1002 (protocol error): fail with the code', WS, [close(1002, 'bad'), ev('output-drained')], ['fail-close(1002 bad)']],
  ['ws, the peer closes with 1011 after our close 1000: fail with the code', WS, [ev('input-eof'), close(1011, 'oops')], ['shutdown-write', 'fail-close(1011 oops)']],
  ['ws, abnormal closure (no close frame, 1006): fail', WS, [close(1006)], ['fail-close(1006 )']],
  ['ws, -q 0: send close 1000 and exit at once', { ...WS, quitAfterEofMs: 0 }, [ev('input-eof'), close(1006)], ['shutdown-write', 'finish(quit)']],
]

describe('session state machine: the half-close matrix', () => {
  for (const [name, policy, events, expected] of rows) {
    it(name, () => {
      expect(run(policy, events)).toEqual(expected)
    })
  }

  it('never mutates the state it is given', () => {
    const before = JSON.stringify(initialState)
    step(initialState, { type: 'input-eof' }, N)
    step(initialState, { type: 'peer-eof' }, NEITHER)
    expect(JSON.stringify(initialState)).toBe(before)
  })
})
