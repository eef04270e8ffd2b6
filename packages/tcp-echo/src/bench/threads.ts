import { Worker } from 'node:worker_threads'
import { ErrorCode, LatencyHistogram, NetkitError, reviveError } from '@netkit/shared'
import type { WorkerInput, WorkerReply, WorkerRequest } from './messages.js'
import type { ResolvedBenchOptions, TcpBenchOptions, TcpBenchProgress, TcpBenchResult } from './options.js'

type ResultReply = Extract<WorkerReply, { type: 'result' }>

/**
 * The worker script: `dist/bench/worker.js` once built (this module is then a chunk in
 * `dist/`). Run from sources (vitest), this module is a .ts file and worker threads cannot load
 * TypeScript, so use the built one.
 */
function workerUrl(): URL {
  const here = import.meta.url
  return here.endsWith('.ts') ? new URL('../../dist/bench/worker.js', here) : new URL('./bench/worker.js', here)
}

/** Split `total` into `parts` nearly equal whole shares, the larger ones first. */
function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0)
}

/** Sum the threads' latest progress reports every 250 ms. */
function reportProgress(progress: TcpBenchProgress[], onProgress: (progress: TcpBenchProgress) => void): NodeJS.Timeout {
  return setInterval(() => {
    if (progress.length === 0) return
    const sum: TcpBenchProgress = { elapsedMs: 0, completed: 0, bytes: 0, errors: 0, mismatches: 0 }
    for (const p of progress) {
      if (!p) continue
      sum.elapsedMs = Math.max(sum.elapsedMs, p.elapsedMs)
      sum.completed += p.completed
      sum.bytes += p.bytes
      sum.errors += p.errors
      sum.mismatches += p.mismatches
    }
    onProgress(sum)
  }, 250)
}

/** Start one worker on its share and wait for its result; progress goes into `progress[index]`. */
function runWorker(index: number, progress: TcpBenchProgress[], worker: Worker): Promise<ResultReply> {
  return new Promise<ResultReply>((resolve, reject) => {
    let settled = false
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'progress') progress[index] = reply.progress
      else if (reply.type === 'result') {
        settled = true
        resolve(reply)
      } else {
        settled = true
        reject(reviveError(reply.error))
      }
    })
    worker.on('error', (err) => {
      settled = true
      reject(err)
    })
    worker.on('exit', (code) => {
      if (!settled) reject(new NetkitError(ErrorCode.BENCH_WORKER, `bench worker thread ${index} exited with code ${code}`))
    })
  })
}

/** One result from the threads' results: counts add up, histograms merge, the duration is the longest thread's. */
function mergeResults(options: ResolvedBenchOptions, threads: number, replies: ResultReply[]): TcpBenchResult {
  const histogram = new LatencyHistogram()
  for (const r of replies) histogram.merge(r.histogram)
  const results = replies.map((r) => r.result)
  const durationMs = Math.max(...results.map((r) => r.durationMs))
  const sum = (pick: (r: TcpBenchResult) => number) => results.reduce((a, r) => a + pick(r), 0)
  const completed = sum((r) => r.completed)
  const bytes = sum((r) => r.bytes)
  const seconds = durationMs / 1000
  return {
    ...results[0]!,
    connections: options.connections,
    threads,
    durationMs,
    connects: sum((r) => r.connects),
    completed,
    bytes,
    perSecond: seconds > 0 ? completed / seconds : 0,
    bytesPerSecond: seconds > 0 ? bytes / seconds : 0,
    ...(options.mode === 'stream' ? {} : { latency: histogram.summary() }),
    errors: sum((r) => r.errors),
    mismatches: sum((r) => r.mismatches),
    errorSamples: [...new Set(results.flatMap((r) => r.errorSamples))].slice(0, 5),
    aborted: results.some((r) => r.aborted),
  }
}

/**
 * Run the load on `threads` worker threads, each with its share of the connections (and
 * requests), and merge their results.
 */
export async function runThreads(
  options: ResolvedBenchOptions,
  onProgress: TcpBenchOptions['onProgress'],
  signal: AbortSignal | undefined,
): Promise<TcpBenchResult> {
  // A thread with no connection or no request to make would wait for work it never gets.
  const threads = Math.min(options.threads, options.connections, options.requests ?? Number.POSITIVE_INFINITY)
  const progress: TcpBenchProgress[] = []
  const workers: Worker[] = []
  const url = workerUrl()
  const stopAll = () => {
    for (const w of workers) w.postMessage({ type: 'stop' } satisfies WorkerRequest)
  }
  signal?.addEventListener('abort', stopAll, { once: true })
  const timer = onProgress ? reportProgress(progress, onProgress) : undefined
  try {
    const replies = await Promise.all(
      Array.from({ length: threads }, (_, i) => {
        const part: ResolvedBenchOptions = {
          ...options,
          threads: 1,
          connections: share(options.connections, threads, i),
          requests: options.requests === undefined ? undefined : share(options.requests, threads, i),
        }
        const input: WorkerInput = { options: part, progress: onProgress !== undefined }
        const worker = new Worker(url, { workerData: input })
        workers.push(worker)
        if (signal?.aborted) worker.postMessage({ type: 'stop' } satisfies WorkerRequest)
        return runWorker(i, progress, worker)
      }),
    )
    return mergeResults(options, threads, replies)
  } catch (err) {
    stopAll()
    throw err
  } finally {
    clearInterval(timer)
    signal?.removeEventListener('abort', stopAll)
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
