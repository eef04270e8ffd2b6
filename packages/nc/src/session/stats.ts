import { formatBytes, formatDuration } from '@netkit/shared'

export interface SessionStats {
  sent: number
  received: number
  durationMs: number
}

/** `sent 1048576 bytes (1.00 MiB), received 12 bytes (12 B) in 0.52s` for --stats. */
export function formatStats(stats: SessionStats): string {
  const rate = stats.durationMs > 0 ? ` (${formatBytes(Math.round(((stats.sent + stats.received) * 1000) / stats.durationMs))}/s)` : ''
  return `sent ${stats.sent} bytes (${formatBytes(stats.sent)}), received ${stats.received} bytes (${formatBytes(stats.received)}) in ${formatDuration(stats.durationMs)}${rate}`
}

/** Add up several sessions (-k). */
export function addStats(a: SessionStats, b: SessionStats): SessionStats {
  return { sent: a.sent + b.sent, received: a.received + b.received, durationMs: a.durationMs + b.durationMs }
}
