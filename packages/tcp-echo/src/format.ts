import { formatByteRate, formatBytes, formatCount, formatDuration, formatHostPort, formatLatency, formatPerSecond, plural } from '@netkit/shared'
import type { TcpBenchResult } from './bench/options.js'
import type { TcpEchoSummary } from './events.js'

/** `served 12 connections, echoed 1.2 MiB, peak 5 concurrent, in 12.3s` */
export function formatSummary(s: TcpEchoSummary): string {
  const parts = [`served ${plural(s.connections, 'connection')}`, `echoed ${formatBytes(s.bytesEchoed)}`, `peak ${formatCount(s.peak)} concurrent`]
  if (s.dropped > 0) parts.push(`dropped ${formatCount(s.dropped)} over max-conns`)
  if (s.forced > 0) parts.push(`closed ${formatCount(s.forced)} still open after the grace period`)
  return `${parts.join(', ')}, in ${formatDuration(s.durationMs)}`
}

const UNIT: Record<TcpBenchResult['mode'], string> = { churn: 'connections', pingpong: 'messages', stream: 'writes' }

/** The final table of `tcp-echo bench`, one `label  value` row per line (latencies in µs). */
export function formatBenchTable(r: TcpBenchResult): string {
  const us = (value: number) => formatLatency(value / 1000)
  const rows: Array<[string, string]> = [
    ['target', formatHostPort(r.host, r.port)],
    ['mode', `${r.mode}, ${plural(r.connections, 'connection')}, ${formatBytes(r.size)} ${r.mode === 'stream' ? 'writes' : 'messages'}, ${plural(r.threads, 'thread')}`],
    ['duration', `${formatDuration(r.durationMs)}${r.aborted ? ' (interrupted)' : ''}`],
    [UNIT[r.mode], `${formatCount(r.completed)}  (${formatPerSecond(r.perSecond, 1000)})`],
    ['throughput', `${formatBytes(r.bytes)} echoed  (${formatByteRate(r.bytesPerSecond, 1000)})`],
  ]
  if (r.latency && r.latency.count > 0) {
    const l = r.latency
    rows.push(['latency', `p50 ${us(l.p50)}  p90 ${us(l.p90)}  p99 ${us(l.p99)}  max ${us(l.max)}`])
  }
  rows.push(['errors', formatCount(r.errors)])
  rows.push(['mismatches', formatCount(r.mismatches)])
  for (const sample of r.errorSamples) rows.push(['  e.g.', sample])
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')
}
