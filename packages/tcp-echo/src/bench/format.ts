import { benchTotalsRows, formatBytes, formatHostPort, formatReportRows, plural } from '@netkit/shared'
import type { TcpBenchResult } from './options.js'

const UNIT: Record<TcpBenchResult['mode'], string> = { churn: 'connections', pingpong: 'messages', stream: 'writes' }

/** The final table of `tcp-echo bench`, one `label  value` row per line. */
export function formatBenchTable(r: TcpBenchResult): string {
  return formatReportRows([
    ['target', formatHostPort(r.host, r.port)],
    ['mode', `${r.mode}, ${plural(r.connections, 'connection')}, ${formatBytes(r.size)} ${r.mode === 'stream' ? 'writes' : 'messages'}, ${plural(r.threads, 'thread')}`],
    ...benchTotalsRows(r, UNIT[r.mode]),
  ])
}
