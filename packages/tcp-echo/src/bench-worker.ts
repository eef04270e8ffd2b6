/**
 * Entry point of a load-tester worker thread (see bench-threads.ts): runs its share of the load
 * in this thread and posts the result, histogram included, back to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { NetkitError } from '@netkit/shared'
import { runLocal, type TcpBenchProgress, type TcpBenchResult } from './bench.js'

export type WorkerRequest = { type: 'stop' }
export type WorkerReply =
  | { type: 'progress'; progress: TcpBenchProgress }
  | { type: 'result'; result: TcpBenchResult; histogram: { counts: Uint32Array; count: number; sum: number; max: number } }
  | { type: 'error'; code: string; message: string; exitCode: number }

const port = parentPort
if (port) {
  const { options, progress } = workerData as { options: Parameters<typeof runLocal>[0]; progress: boolean }
  const controller = new AbortController()
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'stop') controller.abort()
  })
  const post = (reply: WorkerReply) => port.postMessage(reply)
  try {
    const { result, histogram } = await runLocal(
      options,
      progress ? (p) => post({ type: 'progress', progress: p }) : undefined,
      controller.signal,
    )
    const { counts, count, sum, max } = histogram
    post({ type: 'result', result, histogram: { counts, count, sum, max } })
  } catch (err) {
    const known = err instanceof NetkitError
    post({
      type: 'error',
      code: known ? err.code : 'NETKIT_BENCH_WORKER',
      message: err instanceof Error ? err.message : String(err),
      exitCode: known ? err.exitCode : 1,
    })
  }
  port.close()
}
