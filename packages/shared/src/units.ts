import { UsageError } from './errors.js'

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 }

/**
 * Parse a duration into milliseconds: `500ms`, `10s`, `2m`, `1h`, `1.5s`; a plain number is
 * seconds, as in nc's `-w 5`.
 */
export function parseDuration(input: string | number, what = 'duration'): number {
  const text = String(input).trim()
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|sec|m|min|h)?$/i.exec(text)
  if (!match) throw new UsageError(`invalid ${what}: ${JSON.stringify(text)} (examples: 500ms, 10s, 2m; a plain number is seconds)`)
  const value = Number(match[1]) * DURATION_UNITS[(match[2] ?? 's').toLowerCase()]!
  if (!Number.isFinite(value) || value > 2 ** 31 - 1) throw new UsageError(`${what} too large: ${text}`)
  return Math.round(value)
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/** Parse a size into bytes: `512`, `64k`, `1M`, `2G`, `16KiB`, `1MB` (all binary multiples). */
export function parseSize(input: string | number, what = 'size'): number {
  const text = String(input).trim()
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(text)
  if (!match) throw new UsageError(`invalid ${what}: ${JSON.stringify(text)} (examples: 512, 64k, 1M)`)
  const unit = match[2]!.toLowerCase()
  const value = Number(match[1]) * SIZE_UNITS[unit === '' && match[3] ? 'b' : unit]!
  if (!Number.isSafeInteger(Math.round(value))) throw new UsageError(`${what} too large: ${text}`)
  return Math.round(value)
}

/** Parse a whole number option with bounds, e.g. `--connections 100`. */
export function parseCount(input: string | number, what: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const text = String(input).trim()
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${what}: ${JSON.stringify(text)} (expected a whole number)`)
  const value = Number(text)
  if (value < min || value > max) throw new UsageError(`${what} out of range: ${text} (use ${min}-${max})`)
  return value
}

/**
 * Formatting for reports, one style for every tool:
 * - sizes and byte rates in IEC binary units (`KiB`, `MiB`, `GiB`), never mixed with SI (`MB`);
 * - counts and rates of things with thousands separators (`12,345`, `48,210/s`);
 * - a space between a number and its unit (`1.50 MiB`, `2.35 ms`), except in formatDuration's
 *   compact elapsed-time style (`850ms`, `2m05s`) kept for the tools' existing summaries;
 * - latencies always through formatLatency (`85 µs`, `2.35 ms`, `1.20 s`).
 */

/** `1.5 MiB`, `912 B`: sizes for people. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let i = 0
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024
    i++
  }
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[i]}`
}

/** `850ms`, `12.3s`, `2m05s`: durations for people. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return `${minutes}m${String(seconds).padStart(2, '0')}s`
}

/** `12,345`; fractions rounded to `digits` places (`1,234.57`). */
export function formatCount(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value)
  const [whole, fraction] = Math.abs(value).toFixed(digits).split('.')
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${value < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`
}

/** `48,210/s`: a rate of things (messages, connections, datagrams), whole numbers. */
export function formatPerSecond(count: number, ms: number): string {
  return `${formatCount(ms > 0 ? (count * 1000) / ms : 0)}/s`
}

/** `112 MiB/s`: a byte rate in the same IEC units as formatBytes. */
export function formatByteRate(bytes: number, ms: number): string {
  return `${formatBytes(ms > 0 ? Math.round((bytes * 1000) / ms) : 0)}/s`
}

/** `85 µs`, `2.35 ms`, `41.2 ms`, `1.20 s`: the one latency style of every report. */
export function formatLatency(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}
