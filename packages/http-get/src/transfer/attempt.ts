import { ErrorCode, NetkitError } from '@netkit/shared'
import { CurlExit } from '../errors.js'
import type { RequestTarget } from '../url.js'
import { connect, type ConnectionPool, type Connection, type ConnectOptions } from './connection.js'
import { Exchange, type ExchangeHooks, type ExchangeResult } from './exchange.js'
import type { Timings } from './types.js'

/** What one request needs from the transfer it belongs to. */
export interface AttemptContext {
  pool: ConnectionPool
  /** Connect options, the transfer's abort signal included. */
  connectOptions: ConnectOptions & { signal: AbortSignal }
  method: string
  maxHeaderSize?: number
  log?: (line: string) => void
  /** The exchange in progress (or undefined when none), so max-time can abort it. */
  current(exchange: Exchange | undefined): void
  /** A new connection was opened (num_connects, the connect timings). */
  opened(conn: Connection): void
  /** An exchange ended, answered or not: its counters and times are the transfer's (-w). */
  ended(exchange: Exchange): void
}

export interface AttemptOutcome {
  result: ExchangeResult
  connection: Connection
}

/**
 * Send one request to `target` and read its response, on a kept-alive connection from the pool
 * when there is one. A reused connection the server closed meanwhile fails before any byte
 * arrives: that is retried once on a fresh connection, as curl does.
 */
export async function requestOnce(context: AttemptContext, target: RequestTarget, requestHead: string, hooks: ExchangeHooks): Promise<AttemptOutcome> {
  const signal = context.connectOptions.signal
  for (let attempt = 0; ; attempt++) {
    const conn = attempt === 0 ? context.pool.take(target.origin) : undefined
    const used = conn ?? (await openConnection(context, target))
    if (conn) context.log?.(`* Re-using existing connection #${conn.id} with host ${target.host}`)
    used.uses++
    if (context.log) for (const line of requestHead.split('\r\n').slice(0, -1)) context.log(`> ${line}`)
    const exchange = new Exchange(used, requestHead, context.method, hooks, context.maxHeaderSize)
    context.current(exchange)
    try {
      return { result: await exchange.start(), connection: used }
    } catch (err) {
      const retry = attempt === 0 && used.uses > 1 && exchange.received === 0 && isRetryable(err) && !signal.aborted
      if (!retry) throw err
      context.log?.('* Connection died, retrying on a new connection')
    } finally {
      context.ended(exchange)
      context.current(undefined)
    }
  }
}

async function openConnection(context: AttemptContext, target: RequestTarget): Promise<Connection> {
  const conn = await connect(target, context.connectOptions, performance.now())
  context.opened(conn)
  const signal = context.connectOptions.signal
  if (signal.aborted) {
    conn.destroy()
    throw signal.reason
  }
  return conn
}

function isRetryable(err: unknown): boolean {
  return err instanceof NetkitError && (err.code === ErrorCode.HTTP_EMPTY_REPLY || err.exitCode === CurlExit.RecvError)
}

/** The -w times of a new connection, in seconds since the transfer started. */
export function recordConnectTimings(conn: Connection, timings: Timings, seconds: (at: number) => number): void {
  const at = (ms: number | undefined) => (ms === undefined ? 0 : seconds(conn.startedAt + ms))
  timings.namelookup = at(conn.timings.lookup)
  timings.connect = at(conn.timings.connect)
  timings.appconnect = at(conn.timings.secure)
}
