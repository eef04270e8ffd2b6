import { formatBytes, formatDuration, formatHostPort } from '@netkit/shared'
import type { TcpBenchResult } from './bench/options.js'
import type { TcpEchoSummary } from './events.js'

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const rate = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })

/** `served 12 connections, echoed 1.2 MiB, peak 5 concurrent, in 12.3s` */
export function formatSummary(s: TcpEchoSummary): string {
  const parts = [
    `served ${count.format(s.connections)} connection${s.connections === 1 ? '' : 's'}`,
    `echoed ${formatBytes(s.bytesEchoed)}`,
    `peak ${count.format(s.peak)} concurrent`,
  ]
  if (s.dropped > 0) parts.push(`dropped ${count.format(s.dropped)} over max-conns`)
  if (s.forced > 0) parts.push(`closed ${count.format(s.forced)} still open after the grace period`)
  return `${parts.join(', ')}, in ${formatDuration(s.durationMs)}`
}

/** Microseconds for people: `812µs`, `1.27ms`, `2.4s`. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)}µs`
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`
  return formatDuration(us / 1000)
}

const UNIT: Record<TcpBenchResult['mode'], string> = { churn: 'connections', pingpong: 'messages', stream: 'writes' }
const RATE: Record<TcpBenchResult['mode'], string> = { churn: 'conns/s', pingpong: 'msgs/s', stream: 'writes/s' }

/** The final table of `tcp-echo bench`, one `label  value` row per line. */
export function formatBenchTable(r: TcpBenchResult): string {
  const rows: Array<[string, string]> = [
    ['target', formatHostPort(r.host, r.port)],
    ['mode', `${r.mode}, ${count.format(r.connections)} connection${r.connections === 1 ? '' : 's'}, ${formatBytes(r.size)} ${r.mode === 'stream' ? 'writes' : 'messages'}, ${r.threads} thread${r.threads === 1 ? '' : 's'}`],
    ['duration', `${formatDuration(r.durationMs)}${r.aborted ? ' (interrupted)' : ''}`],
    [UNIT[r.mode], `${count.format(r.completed)}  (${rate.format(r.perSecond)} ${RATE[r.mode]})`],
    ['throughput', `${formatBytes(r.bytes)} echoed  (${(r.bytesPerSecond / 1e6).toFixed(2)} MB/s)`],
  ]
  if (r.latency && r.latency.count > 0) {
    const l = r.latency
    rows.push(['latency', `p50 ${formatMicros(l.p50)}  p90 ${formatMicros(l.p90)}  p99 ${formatMicros(l.p99)}  max ${formatMicros(l.max)}`])
  }
  rows.push(['errors', count.format(r.errors)])
  rows.push(['mismatches', count.format(r.mismatches)])
  for (const sample of r.errorSamples) rows.push(['  e.g.', sample])
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')
}
