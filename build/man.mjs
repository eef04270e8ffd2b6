#!/usr/bin/env node
/**
 * Build-time man page generator: `node ../../build/man.mjs` in a CLI package, after tsup, writes
 * `man/<bin>.1` for the package's bin (the one named after the package). The page is made from
 * the built CLI's own `--help` (and each command's `--help`), which yargs renders from the one
 * option declaration, so the man page cannot list an option the tool does not have or miss one
 * it has.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Split yargs help text into the usage block and titled sections of entries. */
export function parseHelp(text) {
  const lines = text.replace(/\r/g, '').split('\n')
  const usage = []
  const sections = []
  const epilog = []
  let current
  for (const line of lines) {
    if (epilog.length > 0) {
      epilog.push(line)
    } else if (/^\S.*:$/.test(line)) {
      current = { title: line.slice(0, -1), entries: [] }
      sections.push(current)
    } else if (!current) {
      usage.push(line)
    } else if (/^\S/.test(line)) {
      // Text at the left margin after the sections: yargs' epilogue.
      epilog.push(line)
    } else if (line.trim() === '') {
      continue
    } else if (current.title === 'Examples') {
      current.entries.push({ term: line.trim(), text: '' })
    } else if (/^ {2}\S/.test(line) || /^ {6}-/.test(line)) {
      const body = line.trim()
      const split = /^(.*?\S)(?: {2,}(.*))?$/.exec(body)
      current.entries.push({ term: split[1], text: (split[2] ?? '').replace(/\s{2,}/g, ' ').trim() })
    } else if (current.entries.length > 0) {
      const last = current.entries[current.entries.length - 1]
      last.text = `${last.text} ${line.trim()}`.replace(/\s{2,}/g, ' ').trim()
    }
  }
  const blocks = usage.join('\n').trim().split(/\n\s*\n/)
  return { usage: blocks[0] ?? '', description: blocks.slice(1).join('\n\n'), sections, epilog: epilog.join('\n').trim() }
}

/** roff text: backslashes and leading control characters escaped. */
const roff = (text) => text.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1')
/** An option or command term: hyphens are minus signs, so `--port` can be searched and copied. */
const term = (text) => roff(text).replace(/-/g, '\\-')

function renderSection(title, entries) {
  const out = [`.SH ${JSON.stringify(title.toUpperCase())}`]
  for (const entry of entries) out.push('.TP', `.B ${term(entry.term)}`, roff(entry.text || ' '))
  return out
}

/**
 * One man page from the tool's main help and each command's help. Options shown by every
 * command (--help, --verbose) are listed once, under the main OPTIONS.
 */
export function helpToRoff({ name, packageName, version, description, homepage, bugs, main, commands = [] }) {
  const top = parseHelp(main)
  const out = [
    `.TH ${JSON.stringify(name.toUpperCase())} 1 "" ${JSON.stringify(`${packageName} ${version}`)} "User Commands"`,
    '.SH NAME',
    `${term(name)} \\- ${roff(description)}`,
    '.SH SYNOPSIS',
    '.nf',
    ...top.usage.split('\n').map((l) => roff(l.trim())),
    '.fi',
  ]
  if (top.description) out.push('.SH DESCRIPTION', roff(top.description))
  const seen = new Set()
  const examples = []
  for (const section of top.sections) {
    if (section.title === 'Examples') examples.push(...section.entries)
    else {
      out.push(...renderSection(section.title === 'Options' ? 'Options' : `${section.title}`, section.entries))
      for (const entry of section.entries) seen.add(`${entry.term}\t${entry.text}`)
    }
  }
  for (const command of commands) {
    const help = parseHelp(command.help)
    out.push(`.SH ${JSON.stringify(`${name} ${command.name}`.toUpperCase())}`, '.nf', roff(help.usage.trim()), '.fi')
    if (help.description) out.push(roff(help.description))
    for (const section of help.sections) {
      if (section.title === 'Examples') {
        examples.push(...section.entries)
        continue
      }
      const fresh = section.entries.filter((entry) => !seen.has(`${entry.term}\t${entry.text}`))
      if (fresh.length === 0) continue
      out.push(`.SS ${JSON.stringify(section.title)}`)
      for (const entry of fresh) out.push('.TP', `.B ${term(entry.term)}`, roff(entry.text || ' '))
    }
  }
  if (examples.length > 0) out.push('.SH EXAMPLES', '.nf', ...examples.map((e) => roff(e.term)), '.fi')
  if (top.epilog) out.push('.SH NOTES', ...top.epilog.split(/\n\s*\n/).flatMap((p, i) => [...(i > 0 ? ['.PP'] : []), roff(p.replace(/\s*\n\s*/g, ' '))]))
  out.push('.SH EXIT STATUS', `See the README of ${roff(packageName)}: 0 on success; usage errors and failures have documented codes.`)
  if (homepage) out.push('.SH SEE ALSO', roff(homepage))
  if (bugs) out.push('.SH BUGS', `Report bugs at ${roff(bugs)}`)
  return `${out.join('\n')}\n`
}

/** The named (non-default) commands listed in a help text's Commands section. */
export function commandNames(help, name) {
  const section = parseHelp(help).sections.find((s) => s.title === 'Commands')
  if (!section) return []
  return section.entries
    .map((entry) => entry.term.split(/\s+/))
    .filter((words) => words[0] === name && words[1] && !/^[<[]/.test(words[1]))
    .map((words) => words[1])
}

/** Write man/<bin>.1 for the package in `dir` from its built CLI. */
export function buildManPage(dir = process.cwd()) {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
  const name = pkg.name.replace(/^@[^/]+\//, '')
  const cli = path.join(dir, pkg.bin?.[name] ?? 'dist/cli.js')
  // A pipe for stderr: the help is laid out at the fixed width, whatever terminal runs the build.
  const help = (args) => execFileSync(process.execPath, [cli, ...args, '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const main = help([])
  const commands = commandNames(main, name).map((command) => ({ name: command, help: help([command]) }))
  const page = helpToRoff({
    name,
    packageName: pkg.name,
    version: pkg.version,
    description: pkg.description ?? '',
    homepage: typeof pkg.homepage === 'string' ? pkg.homepage : undefined,
    bugs: typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url,
    main,
    commands,
  })
  mkdirSync(path.join(dir, 'man'), { recursive: true })
  const file = path.join(dir, 'man', `${name}.1`)
  writeFileSync(file, page)
  return file
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildManPage(process.argv[2] ? path.resolve(process.argv[2]) : process.cwd())
}
