import { formatBytes, formatDuration } from '@netkit/shared'
import type { WsBenchResult } from './bench.js'
import type { WsEchoSummary } from './events.js'

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const rate = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })
const plural = (n: number, word: string) => `${count.format(n)} ${word}${n === 1 ? '' : 's'}`

/** `served 12 connections, 3,400 messages (1.2 MiB in, 1.3 MiB out), peak 5 concurrent, protocol errors 1002×2, in 12.3s` */
export function formatSummary(s: WsEchoSummary): string {
  const parts = [
    `served ${plural(s.connections, 'connection')}`,
    `${plural(s.messages, 'message')} (${formatBytes(s.bytesIn)} in, ${formatBytes(s.bytesOut)} out)`,
    `peak ${count.format(s.peak)} concurrent`,
  ]
  const errors = Object.entries(s.protocolErrors)
  if (errors.length > 0) parts.push(`protocol errors ${errors.map(([code, n]) => `${code}×${n}`).join(' ')}`)
  if (s.rejected > 0) parts.push(`rejected ${plural(s.rejected, 'request')}`)
  if (s.timeouts > 0) parts.push(`timed out ${count.format(s.timeouts)}`)
  if (s.forced > 0) parts.push(`terminated ${count.format(s.forced)} still open after the grace period`)
  return `${parts.join(', ')}, in ${formatDuration(s.durationMs)}`
}

/** Microseconds for people: `812µs`, `1.27ms`, `2.4s`. */
function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)}µs`
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`
  return formatDuration(us / 1000)
}

/** The final table of `ws-echo bench`, one `label  value` row per line. */
export function formatBenchTable(r: WsBenchResult): string {
  const rows: Array<[string, string]> = [
    ['target', r.url],
    ['mode', `${r.mode}, ${plural(r.connections, 'connection')}, ${formatBytes(r.size)} ${r.binary ? 'binary' : 'text'} messages`],
    ['duration', `${formatDuration(r.durationMs)}${r.aborted ? ' (interrupted)' : ''}`],
    ['messages', `${count.format(r.completed)}  (${rate.format(r.perSecond)} msgs/s)`],
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
