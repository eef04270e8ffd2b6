import { fileURLToPath } from 'node:url'
import { bashCompletions, runCli, runInPty } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { parseCommandSpec } from '../src/cli.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const kit = fixture('kit-cli.mjs')

describe('createCli conventions (built kit, spawned)', () => {
  it('answers -h and --help with the same help, exit 0', async () => {
    const short = await runCli(kit, ['-h'])
    const long = await runCli(kit, ['--help'])
    expect(short.code).toBe(0)
    expect(short.stdout.toString()).toBe(long.stdout.toString())
    expect(short.stdout.toString()).toMatch(/-h, --help/)
  })

  it('prints the version with --version', async () => {
    const run = await runCli(kit, ['--version'])
    expect(run.code).toBe(0)
    expect(run.stdout.toString()).toBe('1.2.3\n')
  })

  it('shows each example as a comment line and the whole command on one line, however long', async () => {
    const help = (await runCli(kit, ['--help'])).stdout.toString()
    const lines = help.split('\n').map((l) => l.trim())
    expect(lines).toContain('# Serve on port 7007')
    expect(lines).toContain('kit --port 7007 --json')
    expect(lines).toContain('kit --port 7007 --json --this-is-a-very-long-option-name-that-goes-on --and-another-long-one value-of-it --and-more')
    const bench = (await runCli(kit, ['bench', '--help'])).stdout.toString()
    expect(bench.split('\n').map((l) => l.trim())).toContain('kit bench 127.0.0.1 7 -c 10')
  })

  it('says which arguments are missing, in one wording, exit 2', async () => {
    const none = await runCli(kit, ['bench'])
    expect(none.code).toBe(2)
    expect(none.stderr).toBe("kit: missing HOST and PORT: use `kit bench HOST PORT` (see 'kit --help')\n")
    const one = await runCli(kit, ['bench', '127.0.0.1'])
    expect(one.stderr).toBe("kit: missing PORT: use `kit bench HOST PORT` (see 'kit --help')\n")
  })

  it('runs the command when nothing is missing', async () => {
    const run = await runCli(kit, ['bench', '::1', '7'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout.toString())).toEqual({ command: 'bench', host: '::1', port: '7' })
  })
})

describe('parseCommandSpec', () => {
  it('finds the words and the required positionals', () => {
    expect(parseCommandSpec('bench <host> <port> [count]')).toEqual({ words: ['bench'], demanded: ['host', 'port'] })
    expect(parseCommandSpec('$0 [urls..]')).toEqual({ words: [], demanded: [] })
    expect(parseCommandSpec('get <urls..>')).toEqual({ words: ['get'], demanded: ['urls...'] })
  })
})

describe('--completion SHELL', () => {
  it('prints yargs completion scripts for bash, zsh and fish that call the tool back', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const run = await runCli(kit, ['--completion', shell])
      expect(run.code).toBe(0)
      expect(run.stdout.toString()).toContain('kit --get-yargs-completions')
      expect(run.stdout.toString()).toContain(`kit --completion ${shell}`)
    }
    expect((await runCli(kit, ['--completion=zsh'])).stdout.toString()).toMatch(/^#compdef kit/)
  })

  it('refuses a shell it does not know, exit 2', async () => {
    const run = await runCli(kit, ['--completion', 'tcsh'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(`kit: --completion needs a shell: bash, zsh, fish (not "tcsh") (see 'kit --help')\n`)
  })

  it('completes option names in bash, for the default command and for a subcommand', async () => {
    expect(await bashCompletions(kit, 'kit', ['--'])).toEqual(expect.arrayContaining(['--port', '--json', '--help', '--version', '--completion']))
    expect(await bashCompletions(kit, 'kit', ['--j'])).toEqual(['--json'])
    expect(await bashCompletions(kit, 'kit', [''])).toEqual(['bench'])
    expect(await bashCompletions(kit, 'kit', ['bench', '127.0.0.1', '7', '--co'])).toEqual(expect.arrayContaining(['--connections', '--completion']))
  }, 60_000) // ten node start-ups through bash: slow on a loaded 2-core machine

  it('leaves a host named completion alone', async () => {
    const run = await runCli(kit, ['bench', 'completion', '7'])
    expect(JSON.parse(run.stdout.toString())).toEqual({ command: 'bench', host: 'completion', port: '7' })
  })
})

/** Run the terminal fixture in a pseudo-terminal of `columns` columns, with `env` added. */
async function inPty(columns: number, env: Record<string, string>): Promise<string> {
  const { output, code } = await runInPty(fixture('tty-output.mjs'), [], { columns, env })
  expect(code).toBe(0)
  return output
}

describe('colour and terminal rules in a pseudo-terminal (util-linux script)', () => {
  it('draws colour and an ora spinner on a colour terminal (the check below can see escapes)', async () => {
    const out = await inPty(80, {})
    expect(out).toContain('spinner allowed: true')
    expect(out).toContain('\u001b[')
    expect(out).toContain('finished')
  })

  it('sends no escape byte at all with NO_COLOR=1, spinner included', async () => {
    const out = await inPty(80, { NO_COLOR: '1' })
    expect(out).toContain('spinner allowed: true')
    expect(out).toContain('still working')
    expect(out).toContain('finished')
    expect(out).toContain('failed')
    expect(out).toContain('kit: error line')
    expect(out).not.toContain('\u001b')
  })

  it('draws no spinner on a 0-column terminal', async () => {
    const out = await inPty(0, { NO_COLOR: '1' })
    expect(out).toContain('spinner allowed: false')
    expect(out).not.toContain('working')
  })
})

describe('man page from the same declarations (build/man.mjs)', () => {
  it('has every option and example of the help of the tool and of its commands', async () => {
    // @ts-expect-error: a plain .mjs build script, without declarations
    const { helpToRoff, commandNames, parseHelp } = await import('../../../build/man.mjs')
    const main = (await runCli(kit, ['--help'])).stdout.toString()
    expect(commandNames(main, 'kit')).toEqual(['bench'])
    const bench = (await runCli(kit, ['bench', '--help'])).stdout.toString()
    const page: string = helpToRoff({ name: 'kit', packageName: '@netkit/kit', version: '1.2.3', description: 'A test tool', main, commands: [{ name: 'bench', help: bench }] })
    const text = page.replace(/\\-/g, '-')
    expect(page).toMatch(/^\.TH "KIT" 1 /)
    expect(page).toContain('.SH "KIT BENCH"')
    for (const help of [main, bench]) {
      for (const section of parseHelp(help).sections as Array<{ title: string; entries: Array<{ term: string }> }>) {
        for (const entry of section.entries) {
          if (section.title === 'Commands') continue
          expect(text).toContain(entry.term)
        }
      }
    }
    expect(text).toContain('--connections')
    expect(text).toContain('kit bench 127.0.0.1 7 -c 10')
  })
})
