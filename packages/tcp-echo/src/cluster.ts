import cluster, { type Worker } from 'node:cluster'
import { ErrorCode, NetkitError, onShutdown, reviveError, serializeError, type SerializedError } from '@netkit/shared'
import { createTcpEchoServer, DEFAULT_GRACE_MS, type TcpEchoAddress, type TcpEchoServerOptions } from './server.js'
import type { TcpEchoEvent, TcpEchoSummary } from './events.js'

/**
 * `--cluster N`: N worker processes (node:cluster) share the listening port. The primary runs no
 * server; it forks the workers (each re-runs this CLI with the same arguments), prints the
 * listening line once, forwards SIGINT/SIGTERM as a graceful shutdown and adds up the workers'
 * summaries. Workers ignore the signals themselves: the primary decides when they stop.
 */

type ToPrimary =
  | { type: 'listening'; address: TcpEchoAddress }
  | { type: 'summary'; summary: TcpEchoSummary }
  | { type: 'fatal'; error: SerializedError }
type ToWorker = { type: 'shutdown'; grace: number }

export interface ClusterPrimaryOptions {
  workers: number
  grace?: number
  onListening(address: TcpEchoAddress, workers: number): void
  onSummary(summary: TcpEchoSummary): void
  onWarning(message: string): void
}

/** Add up the workers' summaries; `peak` is the sum of their peaks (an upper bound). */
export function mergeSummaries(summaries: readonly TcpEchoSummary[], durationMs: number): TcpEchoSummary {
  const total: TcpEchoSummary = { connections: 0, peak: 0, dropped: 0, bytesIn: 0, bytesEchoed: 0, forced: 0, durationMs }
  for (const s of summaries) {
    total.connections += s.connections
    total.peak += s.peak
    total.dropped += s.dropped
    total.bytesIn += s.bytesIn
    total.bytesEchoed += s.bytesEchoed
    total.forced += s.forced
  }
  return total
}

function ignoreSendError(): void {}

/** True in a process forked by runClusterPrimary (node:cluster sets NODE_UNIQUE_ID). */
export function isClusterWorker(): boolean {
  return cluster.isWorker
}

/**
 * Fork the workers and supervise them until a signal (then shut them down gracefully) or until
 * one fails to start (then stop the others and throw its error).
 */
export async function runClusterPrimary(options: ClusterPrimaryOptions): Promise<void> {
  const grace = options.grace ?? DEFAULT_GRACE_MS
  const started = Date.now()
  const workers = new Set<Worker>()
  const summaries: TcpEchoSummary[] = []
  let listening = 0
  let stopping = false
  let fatal: NetkitError | undefined

  await new Promise<void>((resolve) => {
    const shutdown = () => {
      if (stopping) return
      stopping = true
      // A worker that failed may be disconnecting right now: with a callback, a send that fails
      // (EPIPE) is reported to it instead of as an unhandled 'error'; its 'exit' follows anyway.
      for (const w of workers) if (w.isConnected()) w.send({ type: 'shutdown', grace } satisfies ToWorker, undefined, ignoreSendError)
      // Workers that do not finish in time are killed; bounded by grace + 5 s.
      setTimeout(() => {
        for (const w of workers) w.process.kill('SIGKILL')
      }, grace + 5_000).unref()
    }
    const removeSignals = onShutdown(shutdown)
    cluster.on('message', (worker, message: ToPrimary) => {
      if (message.type === 'listening') {
        listening++
        if (listening === 1) options.onListening(message.address, options.workers)
      } else if (message.type === 'summary') {
        summaries.push(message.summary)
      } else if (message.type === 'fatal') {
        fatal ??= reviveError(message.error)
        shutdown()
      }
    })
    cluster.on('exit', (worker, code, signal) => {
      workers.delete(worker)
      if (!stopping) {
        options.onWarning(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); ${workers.size} left`)
      }
      if (workers.size === 0) {
        removeSignals()
        resolve()
      }
    })
    for (let i = 0; i < options.workers; i++) workers.add(cluster.fork())
  })
  if (fatal) throw fatal
  if (!stopping) throw new NetkitError(ErrorCode.CLUSTER_FAILED, 'all cluster workers exited')
  options.onSummary(mergeSummaries(summaries, Date.now() - started))
}

/**
 * The server inside a cluster worker. Connection events go to `onEvent` (the CLI prints them from
 * the worker); listening and summary go to the primary.
 */
export async function runClusterWorker(
  options: TcpEchoServerOptions,
  onEvent?: (event: TcpEchoEvent & { worker?: number }) => void,
): Promise<void> {
  const send = (message: ToPrimary) => process.send?.(message)
  // The primary forwards signals as a 'shutdown' message; a terminal's Ctrl-C reaches us too.
  const ignore = () => {}
  process.on('SIGINT', ignore)
  process.on('SIGTERM', ignore)
  let server
  try {
    server = await createTcpEchoServer({
      ...options,
      // Connection ids are per worker: tag the events with the worker's id.
      onEvent: onEvent
        ? (e) => (e.event === 'listening' || e.event === 'summary' ? undefined : onEvent({ ...e, worker: cluster.worker?.id }))
        : undefined,
    })
  } catch (err) {
    send({ type: 'fatal', error: serializeError(err, ErrorCode.CLUSTER_WORKER) })
    process.disconnect?.()
    return
  }
  send({ type: 'listening', address: server.address })
  const stop = async (grace?: number) => {
    const summary = await server.close(grace)
    send({ type: 'summary', summary })
    process.off('SIGINT', ignore)
    process.off('SIGTERM', ignore)
    process.disconnect?.()
  }
  process.on('message', (message: ToWorker) => {
    if (message?.type === 'shutdown') void stop(message.grace)
  })
  // The primary went away without telling us: finish up on our own.
  process.once('disconnect', () => void server.close())
}
