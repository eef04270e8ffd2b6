/**
 * Entry point of a load-tester worker thread (see threads.ts): runs its share of the load in this
 * thread and posts the result, histogram included, back to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { ErrorCode, serializeError } from '@netkit/shared'
import type { WorkerInput, WorkerReply, WorkerRequest } from './messages.js'
import { runLocal } from './run.js'

const port = parentPort
if (port) {
  const { options, progress } = workerData as WorkerInput
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
    post({ type: 'result', result, histogram: histogram.serialize() })
  } catch (err) {
    post({ type: 'error', error: serializeError(err, ErrorCode.BENCH_WORKER) })
  }
  port.close()
}
