/**
 * Every option a tool's --help lists (its commands' helps included) is documented in the tool's
 * README, as the man page test checks for the man page: an option added to the table and not
 * to the README fails here.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs build script, without declarations
import { commandNames, parseHelp } from '../build/man.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tools = ['nc', 'tcp-echo', 'udp-echo', 'http-get', 'ws-echo'].filter((name) => existsSync(path.join(root, 'packages', name, 'dist', 'cli.js')))

/** Every `-x` and `--long` spelling the help shows for an option (not commands or examples). */
async function helpFlags(name: string): Promise<string[]> {
  const cli = path.join(root, 'packages', name, 'dist', 'cli.js')
  const main = (await runCli(cli, ['--help'])).stdout.toString()
  const helps = [main, ...(await Promise.all(commandNames(main, name).map(async (c: string) => (await runCli(cli, [c, '--help'])).stdout.toString())))]
  const flags = new Set<string>()
  for (const help of helps) {
    for (const section of parseHelp(help).sections as Array<{ title: string; entries: Array<{ term: string }> }>) {
      if (section.title === 'Commands' || section.title === 'Examples' || section.title === 'Positionals') continue
      for (const entry of section.entries) for (const flag of entry.term.match(/(?<![\w-])--?\w[\w.-]*/g) ?? []) flags.add(flag)
    }
  }
  return [...flags]
}

describe.each(tools)('%s README', (name) => {
  it('documents every option of --help', async () => {
    const readme = readFileSync(path.join(root, 'packages', name, 'README.md'), 'utf8')
    const flags = await helpFlags(name)
    expect(flags).toContain('--help')
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
    // As a word of its own: `--port` does not count for `-p`, nor `--max-conns` for `--max`.
    const missing = flags.filter((flag) => !new RegExp(`(?<![\\w-])${escape(flag)}(?![\\w-])`).test(readme))
    expect({ name, missing }).toEqual({ name, missing: [] })
  })
})
