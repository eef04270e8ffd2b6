/**
 * The conventions every @netkit tool shares, checked the same way for each built bin (spawned
 * from packages/X/dist): -h/--help, --version, Examples on every command, the kit's wording for
 * missing arguments, no colour with NO_COLOR on a terminal, bash completion, and exit 2 for a
 * usage error even when nobody reads stderr. It lives at the root (packaging project) because it
 * spans every tool; a package's own tests cover only that package.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { bashCompletions, runCli, runInPty, spawnCli } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs build script, without declarations
import { commandNames, parseHelp } from '../build/man.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface Tool {
  name: string
  /** A line missing its required positionals, and the kit's answer to it (null: the tool has none). */
  missing: { args: string[]; message: string } | null
  /** What bash completes after `--p`-style prefixes: [word typed, an option it must offer]. */
  completes: [string, string]
}

// ws-echo is checked once its package is built (packages/ws-echo/dist/cli.js exists).
const tools: Tool[] = [
  { name: 'nc', missing: { args: [], message: "nc: missing destination: use `nc host port` or `nc -l port` (see 'nc --help')\n" }, completes: ['--ss', '--ssl'] },
  { name: 'tcp-echo', missing: { args: ['bench'], message: "tcp-echo: missing HOST and PORT: use `tcp-echo bench HOST PORT` (see 'tcp-echo --help')\n" }, completes: ['--max', '--max-conns'] },
  { name: 'udp-echo', missing: { args: ['bench'], message: "udp-echo: missing HOST: use `udp-echo bench HOST` (see 'udp-echo --help')\n" }, completes: ['--rate', '--rate-limit'] },
  // http-get's URLs are optional to yargs (see its cli-spec.ts) and curl's wording answers none.
  { name: 'http-get', missing: { args: [], message: "http-get: no URL specified (see 'http-get --help')\n" }, completes: ['--wri', '--write-out'] },
  { name: 'ws-echo', missing: null, completes: ['--pre', '--prefix'] },
]

const cliOf = (name: string) => path.join(root, 'packages', name, 'dist', 'cli.js')
const versionOf = (name: string) => JSON.parse(readFileSync(path.join(root, 'packages', name, 'package.json'), 'utf8')).version as string
const present = tools.filter((tool) => existsSync(cliOf(tool.name)))
const ESC = '\x1b'

describe.each(present)('$name follows the CLI conventions', (tool) => {
  const cli = cliOf(tool.name)

  it('-h and --help exit 0 with the same usage on stdout', async () => {
    const short = await runCli(cli, ['-h'])
    const long = await runCli(cli, ['--help'])
    expect(short.code).toBe(0)
    expect(long.code).toBe(0)
    expect(short.stdout.toString()).toMatch(new RegExp(`^${tool.name} `))
    expect(short.stdout.toString()).toBe(long.stdout.toString())
    expect(short.stderr).toBe('')
  })

  it('--version prints the package version', async () => {
    const run = await runCli(cli, ['--version'])
    expect(run.code).toBe(0)
    expect(run.stdout.toString()).toBe(`${versionOf(tool.name)}\n`)
  })

  it('has an Examples section on every command, each example a line starting with the tool name', async () => {
    const main = (await runCli(cli, ['--help'])).stdout.toString()
    const helps = [main, ...(await Promise.all(commandNames(main, tool.name).map(async (c: string) => (await runCli(cli, [c, '--help'])).stdout.toString())))]
    for (const help of helps) {
      const examples = (parseHelp(help).sections as Array<{ title: string; entries: Array<{ term: string }> }>).find((s) => s.title === 'Examples')
      expect(examples, help).toBeDefined()
      const commands = examples!.entries.map((e) => e.term).filter((term) => !term.startsWith('#'))
      expect(commands.length).toBeGreaterThan(0)
      for (const line of commands) expect(line).toMatch(new RegExp(`^${tool.name}( |$)`))
    }
  })

  it.runIf(tool.missing !== null)('says which arguments are missing in the kit wording, exit 2', async () => {
    const run = await runCli(cli, tool.missing!.args)
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(tool.missing!.message)
  })

  it('prints no escape sequence on a terminal with NO_COLOR=1 (and does colour without it)', async () => {
    const plain = await runInPty(cli, ['--bogus-option'], { env: { NO_COLOR: '1' } })
    expect(plain.output).toContain('bogus-option')
    expect(plain.output).not.toContain(ESC)
    const help = await runInPty(cli, ['--help'], { env: { NO_COLOR: '1' } })
    expect(help.output).not.toContain(ESC)
    // The same error without NO_COLOR is coloured: the check above can see colour.
    expect((await runInPty(cli, ['--bogus-option'])).output).toContain(ESC)
  })

  it('completes its options in bash', async () => {
    const [typed, offered] = tool.completes
    expect(await bashCompletions(cli, tool.name, [typed])).toContain(offered)
  })

  it('exits 2 on a usage error when stderr has no reader', async () => {
    const run = spawnCli(cli, ['--bogus-option'], { closedStderr: true, stdin: 'ignore' })
    expect(await run.exit).toBe(2)
  })
})

/** The files a module imports statically, itself included (relative imports of the bundle). */
function staticGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  const text = readFileSync(file, 'utf8')
  for (const match of text.matchAll(/^(?:import|export)\b[^;'"]*?(?:from\s*)?['"](\.[^'"]+)['"]/gm)) staticGraph(path.resolve(path.dirname(file), match[1]!), seen)
  return seen
}

// Text only yargs (its English messages) and ora (cli-spinners' table) bring into a bundle.
const YARGS = /non-option arguments: got %s/
const ORA = /"dots12"|dots12:/

describe.each(present)('$name starts without yargs and ora', (tool) => {
  it('loads neither at start-up: both sit in chunks that are imported only when needed', () => {
    const dist = path.dirname(cliOf(tool.name))
    const startup = [...staticGraph(cliOf(tool.name))]
    expect(startup.length).toBeGreaterThan(0)
    for (const file of startup) {
      const text = readFileSync(file, 'utf8')
      expect({ file, yargs: YARGS.test(text), ora: ORA.test(text) }).toEqual({ file, yargs: false, ora: false })
    }
    // The markers are right: the lazy chunks do have them.
    const all = readdirSync(dist).filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(dist, f), 'utf8'))
    expect(all.some((text) => YARGS.test(text))).toBe(true)
    expect(all.some((text) => ORA.test(text))).toBe(true)
  })
})

describe('the tools checked', () => {
  it('include every CLI of the repository that is built', () => {
    expect(present.map((t) => t.name)).toEqual(expect.arrayContaining(['nc', 'tcp-echo', 'udp-echo', 'http-get']))
  })
})
