import { InvalidArgumentError, isBrokenPipe, NetkitError } from '@netkit/shared'
import { httpGet } from './client.js'
import { transferReport } from './report.js'
import { ConnectionPool } from './transfer/connection.js'
import { borrow, SinkQueue, type Sink } from './transfer/output.js'
import type { HttpGetOptions, HttpGetResult, OutputSpec } from './types.js'
import { formatWriteOut, type WriteOutData } from './write-out.js'

/** One URL of fetchUrls and where its body goes (default: the shared `output` option). */
export interface UrlJob {
  url: string
  output?: OutputSpec
}

export interface FetchUrlsOptions extends Omit<HttpGetOptions, 'pool' | 'output'> {
  /** Transfers at once (--parallel, default 1: in order, reusing kept-alive connections). */
  parallel?: number
  /** Called when each transfer ends (in completion order), before the next one of its worker starts. */
  onDone?: (index: number, outcome: HttpGetResult | Error) => void | Promise<void>
}

/**
 * Fetch several URLs, `parallel` at a time (in order when 1), sharing one pool of keep-alive
 * connections, so consecutive URLs on one origin use one connection. Never rejects for a failed
 * transfer: each outcome is a result or the error, in URL order.
 */
export async function fetchUrls(jobs: ReadonlyArray<UrlJob | string>, options: FetchUrlsOptions = {}): Promise<Array<HttpGetResult | Error>> {
  const pool = new ConnectionPool()
  const outcomes: Array<HttpGetResult | Error> = new Array(jobs.length)
  const parallel = Math.max(1, Math.min(options.parallel ?? 1, jobs.length))
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++
      const job = jobs[index]!
      const { url, output } = typeof job === 'string' ? { url: job, output: undefined } : job
      let outcome: HttpGetResult | Error
      try {
        outcome = await httpGet(url, { ...options, output, pool })
      } catch (err) {
        outcome = err instanceof Error ? err : new Error(String(err))
      }
      outcomes[index] = outcome
      await options.onDone?.(index, outcome)
    }
  }
  try {
    await Promise.all(Array.from({ length: parallel }, worker))
  } finally {
    pool.closeAll()
  }
  return outcomes
}

/** Where each URL's body goes, as curl pairs -o and -O with URLs. */
export type OutputTarget = 'stdout' | { file: string } | { remoteName: true }

/**
 * Pair outputs with URLs as curl does: the i-th `-o FILE` goes with the i-th URL (`-` is stdout),
 * the next `remoteNames` URLs save under their remote name (-O), the rest go to stdout.
 */
export function planOutputs(urlCount: number, outputs: readonly string[] = [], remoteNames = 0): OutputTarget[] {
  if (outputs.length + remoteNames > urlCount) {
    throw new InvalidArgumentError(`more -o/-O (${outputs.length + remoteNames}) than URLs (${urlCount})`)
  }
  return Array.from({ length: urlCount }, (_, index): OutputTarget => {
    if (index < outputs.length) return outputs[index] === '-' ? 'stdout' : { file: outputs[index]! }
    return index < outputs.length + remoteNames ? { remoteName: true } : 'stdout'
  })
}

export interface FetchToOutputsOptions extends Omit<FetchUrlsOptions, 'onDone'> {
  /** Where each body goes (planOutputs); default stdout for all. */
  targets?: readonly OutputTarget[]
  /** The stdout every 'stdout' body, -i head and -w line shares, in URL order. */
  stdout: Sink
  /** -w template, expanded after each transfer onto stdout. */
  writeOut?: string
  /** Called with every transfer's -w data as it ends, in completion order (--json). */
  onReport?: (data: WriteOutData) => void
  /** Unknown -w variables and similar notes. */
  warn?: (message: string) => void
  /** A transfer failed (not by a closed stdout); throwing here ends the run with that error. */
  onFailure?: (err: Error) => void
}

/**
 * What the CLI runs: fetch every URL into its target, writing stdout in URL order (bodies, -i
 * heads and -w lines never interleave, even with parallel transfers). Resolves with the exit
 * code: the last failure's curl code, or 0; a closed stdout ends quietly and keeps the code of
 * a failure before it.
 */
export async function fetchToOutputs(urls: readonly string[], options: FetchToOutputsOptions): Promise<number> {
  const { targets, stdout: stdoutSink, writeOut, onReport, warn, onFailure, ...fetchOptions } = options
  const stdout = new SinkQueue(stdoutSink)
  const slots = urls.map((_, index) => stdout.slot(index))
  // Borrowed: each slot is closed here after its -w line, not by the transfer, to keep stdout in order.
  const jobs = urls.map((url, index) => {
    const target = targets?.[index] ?? 'stdout'
    return { url, output: target === 'stdout' ? borrow(slots[index]!) : target, toFile: target !== 'stdout' }
  })
  let exitCode = 0
  let brokenPipe = false
  const report = (err: Error) => {
    if (isBrokenPipe(err)) {
      brokenPipe = true
      return
    }
    exitCode = err instanceof NetkitError ? err.exitCode : 1
    onFailure?.(err)
  }
  const closingFiles: Array<Promise<void>> = []
  await fetchUrls(jobs, {
    ...fetchOptions,
    onDone: async (index, outcome) => {
      const slot = slots[index]!
      if (outcome instanceof Error) report(outcome)
      const data = writeOut !== undefined || onReport ? transferReport(urls[index]!, outcome, { urlNum: index, method: fetchOptions.method }) : undefined
      if (data) onReport?.(data)
      if (data && writeOut !== undefined && !brokenPipe) slot.write(Buffer.from(formatWriteOut(writeOut, data, warn), 'utf8'), false)
      // Closing waits for this slot's turn on stdout. A transfer whose body went to stdout waits
      // before its worker starts the next URL (what waits in memory stays one held read per
      // transfer); one that wrote a file has only its -w line held, so its worker goes on.
      const closing = slot.close().catch((err: unknown) => {
        // stdout's write error: already reported when it is what failed this transfer.
        if (err !== outcome) report(err as Error)
      })
      if (jobs[index]!.toFile) closingFiles.push(closing)
      else await closing
    },
  })
  await Promise.all(closingFiles)
  return exitCode
}
