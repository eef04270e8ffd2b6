import { formatBytes, formatCount, formatDuration, plural } from '@netkit/shared'
import type { TcpEchoSummary } from './events.js'

/** `served 12 connections, echoed 1.2 MiB, peak 5 concurrent, in 12.3s` */
export function formatSummary(s: TcpEchoSummary): string {
  const parts = [`served ${plural(s.connections, 'connection')}`, `echoed ${formatBytes(s.bytesEchoed)}`, `peak ${formatCount(s.peak)} concurrent`]
  if (s.dropped > 0) parts.push(`dropped ${formatCount(s.dropped)} over max-conns`)
  if (s.forced > 0) parts.push(`closed ${formatCount(s.forced)} still open after the grace period`)
  return `${parts.join(', ')}, in ${formatDuration(s.durationMs)}`
}
