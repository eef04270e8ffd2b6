import { formatByteRate, formatBytes, formatCount, formatDuration, formatHostPort, formatLatency, formatReportRows, plural } from '@netkit/shared'
import type { UdpBenchResult } from './bench.js'
import type { UdpEchoStats } from './server.js'

const percent = (ratio: number) => `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.001 ? 3 : 2)}%`

/** The load tester's result as aligned lines for people (the CLI prints it on stdout). */
export function formatUdpBenchResult(result: UdpBenchResult): string {
  const { latency } = result
  const lines = [
    ['target', `${formatHostPort(result.host, result.port)} (udp), window ${result.window}, ${formatBytes(result.size)} datagrams, ${formatDuration(result.durationMs)}`],
    ['sent', formatCount(result.sent)],
    ['verified', formatCount(result.verified)],
    ['mismatches', formatCount(result.mismatches)],
    ['lost', `${formatCount(result.lost)} (${percent(result.lossRate)})${result.late > 0 ? `, ${formatCount(result.late)} late` : ''}`],
    ['errors', `${formatCount(result.errors)}${result.firstError ? ` (${result.firstError})` : ''}`],
    ['rate', `${formatCount(result.datagramsPerSecond)} datagrams/s, ${formatByteRate(result.bytesPerSecond, 1000)}`],
    [
      'latency',
      `p50 ${formatLatency(latency.p50)}  p90 ${formatLatency(latency.p90)}  p99 ${formatLatency(latency.p99)}  max ${formatLatency(latency.max)}  mean ${formatLatency(latency.mean)}`,
    ],
  ]
  return formatReportRows(lines as Array<[string, string]>)
}

/** The server's counters as one summary line, printed on shutdown. */
export function formatUdpEchoStats(stats: UdpEchoStats): string {
  const dropped = [
    stats.droppedTooLarge > 0 ? `${formatCount(stats.droppedTooLarge)} too large` : '',
    stats.droppedRateLimited > 0 ? `${formatCount(stats.droppedRateLimited)} rate-limited` : '',
    stats.droppedSendQueue > 0 ? `${formatCount(stats.droppedSendQueue)} send queue full` : '',
  ].filter(Boolean)
  return (
    `${plural(stats.received, 'datagram')} received, ${formatCount(stats.echoed)} echoed (${formatBytes(stats.bytesEchoed)}), ` +
    `dropped ${dropped.length ? dropped.join(', ') : 'none'}, ${plural(stats.sendErrors, 'send error')}, ` +
    `${plural(stats.sources, 'source')}, up ${formatDuration(stats.uptimeMs)}`
  )
}
