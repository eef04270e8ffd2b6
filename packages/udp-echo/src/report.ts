import { formatBytes } from '@netkit/shared'
import type { UdpBenchResult } from './bench.js'
import type { UdpEchoStats } from './server.js'

const percent = (ratio: number) => `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.001 ? 3 : 2)}%`

/** The load tester's result as aligned lines for people (the CLI prints it on stdout). */
export function formatUdpBenchResult(result: UdpBenchResult): string {
  const { latency } = result
  const lines = [
    ['target', `${result.host.includes(':') ? `[${result.host}]` : result.host}:${result.port} (udp), window ${result.window}, ${result.size} B datagrams, ${(result.durationMs / 1000).toFixed(2)}s`],
    ['sent', `${result.sent}`],
    ['verified', `${result.verified}`],
    ['mismatches', `${result.mismatches}`],
    ['lost', `${result.lost} (${percent(result.lossRate)})${result.late > 0 ? `, ${result.late} late` : ''}`],
    ['errors', `${result.errors}${result.firstError ? ` (${result.firstError})` : ''}`],
    ['rate', `${result.datagramsPerSecond} datagrams/s, ${formatBytes(result.bytesPerSecond)}/s`],
    ['latency', `p50 ${latency.p50}ms  p90 ${latency.p90}ms  p99 ${latency.p99}ms  max ${latency.max}ms  mean ${latency.mean}ms`],
  ]
  return lines.map(([k, v]) => `${k!.padEnd(11)}${v}`).join('\n')
}

/** The server's counters as one summary line, printed on shutdown. */
export function formatUdpEchoStats(stats: UdpEchoStats): string {
  const dropped = [
    stats.droppedTooLarge > 0 ? `${stats.droppedTooLarge} too large` : '',
    stats.droppedRateLimited > 0 ? `${stats.droppedRateLimited} rate-limited` : '',
    stats.droppedSendQueue > 0 ? `${stats.droppedSendQueue} send queue full` : '',
  ].filter(Boolean)
  return (
    `${stats.received} datagrams received, ${stats.echoed} echoed (${formatBytes(stats.bytesEchoed)}), ` +
    `dropped ${dropped.length ? dropped.join(', ') : 'none'}, ${stats.sendErrors} send errors, ` +
    `${stats.sources} sources, up ${(stats.uptimeMs / 1000).toFixed(1)}s`
  )
}
