import type { Duplex } from 'node:stream'
import { ErrorCode, NetkitError, NetworkError, toNetworkError } from '@netkit/shared'
import { initialState, step, type SessionAction, type SessionEnd, type SessionEvent, type SessionPolicy } from './machine.js'

/**
 * What a transport is to the driver: it moves the bytes between the connection and the local
 * side its own way (streams with taps, a reusable buffer, a child process, WebSocket messages)
 * and reports what happens as events; the driver decides, through `step()`, what that means.
 */
export interface Transport {
  /**
   * Start moving bytes; report events through `emit` from now on (never synchronously from
   * here) and the bytes moved through `meter`.
   */
  start(emit: (event: SessionEvent) => void, meter: SessionMeter): void
  /** End the connection's write side (the peer sees EOF); keep reading. */
  shutdownWrite(): void
  /** End the local output (a program's stdin); transports without one ignore it. */
  endOutput?(): void
  /** Call `done` once everything received has been handed to the local output. */
  flushOutput(done: () => void): void
  /** The session is over: stop moving bytes and remove every listener the transport added. */
  stop(): void
  /** The error for an abnormal close code (a message transport's peer-close event). */
  closeError?(code: number, reason: string): unknown
  /** Close the connection: gracefully after a finish, at once after a failure. May wait (a child being reaped). */
  close(outcome: SessionEnd | 'failed'): void | Promise<void>
}

/** Counts the bytes a transport moved; each count is activity for the idle timer. */
export interface SessionMeter {
  /** Bytes written to the connection. */
  sent(bytes: number): void
  /** Bytes read from the connection. */
  received(bytes: number): void
}

export interface RelayResult {
  /** Bytes written to the connection and read from it. */
  sent: number
  received: number
  durationMs: number
  /** Why the session ended. */
  reason: SessionEnd
}

const ACTIVITY: SessionEvent = { type: 'activity' }
const ABORT: SessionEvent = { type: 'abort' }
const QUIT: SessionEvent = { type: 'quit-timer' }
const IDLE: SessionEvent = { type: 'idle-timer' }
const DRAINED: SessionEvent = { type: 'output-drained' }
const START: SessionEvent = { type: 'start' }

/**
 * Run one session: start the transport, feed its events through the half-close state machine
 * and perform the actions (timers, shutdown, flush, teardown). One way to end (`finish`: resolve
 * with the counters and the reason) and one way to fail (`fail`: destroy the connection, reject
 * with a NetkitError).
 */
export function driveSession(transport: Transport, policy: SessionPolicy, signal?: AbortSignal): Promise<RelayResult> {
  const started = performance.now()
  return new Promise<RelayResult>((resolve, reject) => {
    let state = initialState
    let quitTimer: NodeJS.Timeout | undefined
    let idleTimer: NodeJS.Timeout | undefined
    let sent = 0
    let received = 0
    const meter: SessionMeter = {
      sent(bytes) {
        sent += bytes
        emit(ACTIVITY)
      },
      received(bytes) {
        received += bytes
        emit(ACTIVITY)
      },
    }
    const emit = (event: SessionEvent): void => {
      const next = step(state, event, policy)
      state = next.state
      for (const action of next.actions) perform(action)
    }
    const onAbort = () => emit(ABORT)

    function release() {
      clearTimeout(quitTimer)
      clearTimeout(idleTimer)
      signal?.removeEventListener('abort', onAbort)
      transport.stop()
    }

    function perform(action: SessionAction) {
      switch (action.type) {
        case 'arm-idle':
          idleTimer = setTimeout(emit, action.ms, IDLE)
          break
        case 'refresh-idle':
          idleTimer?.refresh()
          break
        case 'shutdown-write':
          transport.shutdownWrite()
          break
        case 'arm-quit':
          quitTimer = setTimeout(emit, action.ms, QUIT)
          break
        case 'end-output':
          transport.endOutput?.()
          break
        case 'flush-then-finish':
          transport.flushOutput(() => emit(DRAINED))
          break
        case 'finish': {
          release()
          const closed = transport.close(action.reason)
          const settle = () => resolve({ sent, received, durationMs: performance.now() - started, reason: action.reason })
          if (closed) void closed.then(settle)
          else settle()
          break
        }
        case 'fail':
        case 'fail-close':
          fail(action.type === 'fail' ? action.error : closeFailure(transport, action.code, action.reason))
          break
      }
    }

    function fail(error: unknown) {
      release()
      void transport.close('failed')
      reject(error instanceof NetkitError ? error : toNetworkError(error, {}))
    }

    transport.start(emit, meter)
    emit(START)
    if (signal?.aborted) emit(ABORT)
    else signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The error for a peer's abnormal close code: the transport's wording, or a generic one. */
function closeFailure(transport: Transport, code: number, reason: string): unknown {
  return transport.closeError?.(code, reason) ?? new NetworkError(ErrorCode.WS_CLOSED, `connection closed with code ${code}`, undefined, {})
}

/** How long a closing connection may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000

/** End our side and let buffered bytes go out; destroy if the peer does not take them soon. */
export function closeSocket(socket: Duplex): void {
  if (socket.destroyed) return
  if (!socket.writableEnded) socket.end()
  if (socket.writableFinished) {
    socket.destroy()
    return
  }
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS)
  socket.once('finish', () => {
    clearTimeout(timer)
    socket.destroy()
  })
  socket.once('close', () => clearTimeout(timer))
  socket.on('error', () => {}) // the session is over; a late reset is not news
}
