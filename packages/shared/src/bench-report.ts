import type { BenchProgress, BenchTotals } from './bench-run.js'
import { benchFailure } from './bench-run.js'
import type { LatencySummary } from './histogram.js'
import type { Logger } from './logger.js'
import { exitQuietlyOnBrokenPipe, onShutdown, writeJsonLine } from './process.js'
import { createSpinner } from './spinner.js'
import { formatByteRate, formatBytes, formatCount, formatDuration, formatLatency, formatPerSecond } from './units.js'
import { plural } from './wording.js'

/**
 * How the family's load testers report: a spinner line while running (on a TTY only), then the
 * result as a `label  value` table on stderr for a person, or as one JSON object on stdout with
 * --json, and exit 1 (one line) when any echo was wrong or any error happened.
 */

export type ReportRow = readonly [label: string, value: string]

/** Rows as a two-column table, labels padded to the longest. */
export function formatReportRows(rows: readonly ReportRow[]): string {
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')
}

/** p50/p90/p99/max of a summary in microseconds, in the one latency style. */
export function formatLatencyRow(latency: LatencySummary): string {
  const us = (value: number) => formatLatency(value / 1000)
  return `p50 ${us(latency.p50)}  p90 ${us(latency.p90)}  p99 ${us(latency.p99)}  max ${us(latency.max)}`
}

/**
 * The rows every report ends with: duration, `unit` count and rate, throughput, latency (when
 * measured), errors, mismatches and their samples.
 */
export function benchTotalsRows(r: BenchTotals & { latency?: LatencySummary }, unit: string): ReportRow[] {
  const rows: ReportRow[] = [
    ['duration', `${formatDuration(r.durationMs)}${r.aborted ? ' (interrupted)' : ''}`],
    [unit, `${formatCount(r.completed)}  (${formatPerSecond(r.perSecond, 1000)})`],
    ['throughput', `${formatBytes(r.bytes)} echoed  (${formatByteRate(r.bytesPerSecond, 1000)})`],
  ]
  if (r.latency && r.latency.count > 0) rows.push(['latency', formatLatencyRow(r.latency)])
  rows.push(['errors', formatCount(r.errors)], ['mismatches', formatCount(r.mismatches)])
  for (const sample of r.errorSamples) rows.push(['  e.g.', sample])
  return rows
}

export interface BenchCommand<R extends BenchTotals> {
  /** `pingpong against 127.0.0.1:7007`: the spinner's prefix. */
  label: string
  /** What `completed` counts, for the progress line (`msgs`, `conns`, `writes`). */
  unit: string
  json: boolean
  log: Logger
  /** Run the load; stop early on `signal` (SIGINT/SIGTERM) and report progress when asked. */
  run: (signal: AbortSignal, onProgress: ((progress: BenchProgress) => void) | undefined) => Promise<R>
  /** The human report of a result. */
  format: (result: R) => string
}

/** Run a load tester from a CLI: spinner, signals, the report, and the failure as a thrown error. */
export async function runBenchCommand<R extends BenchTotals>(command: BenchCommand<R>): Promise<R> {
  const controller = new AbortController()
  const removeSignals = onShutdown(() => controller.abort())
  const spinner = createSpinner(`${command.label}: connecting`)
  const onProgress = spinner.active
    ? (p: BenchProgress) =>
        spinner.update(
          `${command.label}: ${formatCount(p.completed)} ${command.unit} (${formatPerSecond(p.completed, p.elapsedMs)}), ` +
            `${formatBytes(p.bytes)}, ${plural(p.errors, 'error')}, ${plural(p.mismatches, 'mismatch', 'mismatches')}, ${formatDuration(p.elapsedMs)}`,
        )
    : undefined
  let result: R
  try {
    result = await command.run(controller.signal, onProgress)
  } finally {
    spinner.stop()
    removeSignals()
  }
  if (command.json) {
    exitQuietlyOnBrokenPipe(process.stdout)
    writeJsonLine(result)
  } else {
    command.log.line(command.format(result))
  }
  const failure = benchFailure(result)
  if (failure) throw failure
  return result
}
