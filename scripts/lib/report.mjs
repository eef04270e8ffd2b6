// Helpers shared by the benchmark scripts: a Markdown table, and rewriting one section of
// BENCHMARKS.md (between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`) without touching
// the sections other scripts own.
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** A GitHub Markdown table from a header row and data rows. */
export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c)).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** One line naming the machine, Node version and date, for the top of every table. */
export function machineLine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  return `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`
}

/** Replace (or append) the section `name` of the Markdown file `file` (default BENCHMARKS.md at the root). */
export function writeSection(name, body, file = path.join(repoRoot, 'BENCHMARKS.md')) {
  const open = `<!-- bench:${name} -->`
  const close = `<!-- /bench:${name} -->`
  const block = `${open}\n${body.trim()}\n${close}`
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n'
  const start = text.indexOf(open)
  const end = text.indexOf(close)
  text = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + close.length) : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(file, text)
}

/** The path of a program on PATH, or undefined: peers that are missing are reported as skipped. */
export function which(program) {
  try {
    return execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/** The median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
