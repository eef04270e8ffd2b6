import { benchTotalsRows, formatBytes, formatCount, formatDuration, formatReportRows, plural } from '@netkit/shared'
import type { WsBenchResult } from './bench.js'
import type { WsEchoSummary } from './events.js'

/** `served 12 connections, 3,400 messages (1.2 MiB in, 1.3 MiB out), peak 5 concurrent, protocol errors 1002×2, in 12.3s` */
export function formatSummary(s: WsEchoSummary): string {
  const parts = [
    `served ${plural(s.connections, 'connection')}`,
    `${plural(s.messages, 'message')} (${formatBytes(s.bytesIn)} in, ${formatBytes(s.bytesOut)} out)`,
    `peak ${formatCount(s.peak)} concurrent`,
  ]
  const errors = Object.entries(s.protocolErrors)
  if (errors.length > 0) parts.push(`protocol errors ${errors.map(([code, n]) => `${code}×${n}`).join(' ')}`)
  if (s.rejected > 0) parts.push(`rejected ${plural(s.rejected, 'request')}`)
  if (s.timeouts > 0) parts.push(`timed out ${formatCount(s.timeouts)}`)
  if (s.forced > 0) parts.push(`terminated ${formatCount(s.forced)} still open after the grace period`)
  return `${parts.join(', ')}, in ${formatDuration(s.durationMs)}`
}

/** The final table of `ws-echo bench`, one `label  value` row per line. */
export function formatBenchTable(r: WsBenchResult): string {
  return formatReportRows([
    ['target', r.url],
    ['mode', `${r.mode}, ${plural(r.connections, 'connection')}, ${formatBytes(r.size)} ${r.binary ? 'binary' : 'text'} messages`],
    ...benchTotalsRows(r, 'messages'),
  ])
}
