import { execFileSync } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli, tempDir } from '@netkit/test-kit'
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
    const dir = tempDir('netkit-completion-')
    writeFileSync(path.join(dir, 'kit'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(kit)} "$@"\n`)
    chmodSync(path.join(dir, 'kit'), 0o755)
    writeFileSync(path.join(dir, 'kit.bash'), (await runCli(kit, ['--completion', 'bash'])).stdout)
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        ['-c', `source kit.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kit_yargs_completions; printf '%s\\n' "\${COMPREPLY[@]}"`],
        { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8', timeout: 15_000 },
      )
        .split('\n')
        .filter(Boolean)
    expect(complete(['kit', '--'])).toEqual(expect.arrayContaining(['--port', '--json', '--help', '--version', '--completion']))
    expect(complete(['kit', '--j'])).toEqual(['--json'])
    expect(complete(['kit', 'bench', '127.0.0.1', '7', '--co'])).toEqual(expect.arrayContaining(['--connections', '--completion']))
  })

  it('leaves a host named completion alone', async () => {
    const run = await runCli(kit, ['bench', 'completion', '7'])
    expect(JSON.parse(run.stdout.toString())).toEqual({ command: 'bench', host: 'completion', port: '7' })
  })
})

/** Run the terminal fixture in a pseudo-terminal of `cols` columns, with `env` added. */
function inPty(cols: number, env: Record<string, string>): string {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' })
  } catch {
    throw new Error("this test needs util-linux's `script` to make a pseudo-terminal (Debian: apt-get install bsdutils)")
  }
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')
  const command = `stty cols ${cols} rows 24; ${vars} ${JSON.stringify(process.execPath)} ${JSON.stringify(fixture('tty-output.mjs'))}`
  const clean = { ...process.env }
  delete clean.NO_COLOR
  delete clean.FORCE_COLOR
  return execFileSync('script', ['-qc', command, '/dev/null'], { env: { ...clean, TERM: 'xterm-256color' }, encoding: 'latin1', timeout: 20_000 })
}

describe('colour and terminal rules in a pseudo-terminal (util-linux script)', () => {
  it('draws colour and an ora spinner on a colour terminal (the check below can see escapes)', () => {
    const out = inPty(80, {})
    expect(out).toContain('spinner allowed: true')
    expect(out).toContain('\u001b[')
    expect(out).toContain('finished')
  })

  it('sends no escape byte at all with NO_COLOR=1, spinner included', () => {
    const out = inPty(80, { NO_COLOR: '1' })
    expect(out).toContain('spinner allowed: true')
    expect(out).toContain('still working')
    expect(out).toContain('finished')
    expect(out).toContain('failed')
    expect(out).toContain('kit: error line')
    expect(out).not.toContain('\u001b')
  })

  it('draws no spinner on a 0-column terminal', () => {
    const out = inPty(0, { NO_COLOR: '1' })
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
