import { execFile } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { tempDir } from './files.js'

const run = promisify(execFile)

export interface PtyOptions {
  /** Terminal width (0 makes a 0-column terminal, where no spinner may be drawn). Default 80. */
  columns?: number
  /** Added to the environment; NO_COLOR, FORCE_COLOR and CI are removed first, so set them here. */
  env?: Record<string, string>
  /** Killed after this long (default 20 s). */
  ms?: number
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * Run `node cli ...args` with stdin, stdout and stderr on a pseudo-terminal (util-linux `script`)
 * and return everything the terminal received, escape sequences included (latin1), with the exit
 * code. Throws a clear
 * error when `script` is not installed (Debian: bsdutils).
 */
export async function runInPty(cli: string, args: readonly string[], options: PtyOptions = {}): Promise<{ output: string; code: number }> {
  await run('script', ['--version']).catch(() => {
    throw new Error("runInPty needs util-linux's `script` to make a pseudo-terminal (Debian: apt-get install bsdutils)")
  })
  const vars = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`)
  const command = `stty cols ${options.columns ?? 80} rows 24; env ${vars.join(' ')} ${[process.execPath, cli, ...args].map(quote).join(' ')}`
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' }
  delete env.NO_COLOR
  delete env.FORCE_COLOR
  // A person's terminal: CI would make ora (is-interactive) draw no spinner on the pty either.
  delete env.CI
  try {
    const { stdout } = await run('script', ['-qec', command, '/dev/null'], { env, encoding: 'latin1', timeout: options.ms ?? 20_000 })
    return { output: stdout, code: 0 }
  } catch (err) {
    const failed = err as { stdout?: string; code?: unknown }
    if (typeof failed.code !== 'number' || failed.stdout === undefined) throw err
    return { output: failed.stdout, code: failed.code }
  }
}

/**
 * Ask the bash completion script a CLI prints for `--completion bash` what it completes for
 * `words` (the last one being completed), as bash would on TAB: the tool is put on PATH as `bin`,
 * the script is sourced, COMP_WORDS/COMP_CWORD are set and the completion function is called.
 */
export async function bashCompletions(cli: string, bin: string, words: readonly string[]): Promise<string[]> {
  const dir = tempDir('netkit-completion-')
  writeFileSync(path.join(dir, bin), `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(cli)} "$@"\n`)
  chmodSync(path.join(dir, bin), 0o755)
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` }
  const script = (await run(bin, ['--completion', 'bash'], { env, timeout: 15_000 })).stdout
  writeFileSync(path.join(dir, `${bin}.bash`), script)
  const fn = `_${bin}_yargs_completions`
  const body = `source ${quote(`${bin}.bash`)}; COMP_WORDS=(${[bin, ...words].map(quote).join(' ')}); COMP_CWORD=${words.length}; ${fn}; printf '%s\\n' "\${COMPREPLY[@]}"`
  const { stdout } = await run('bash', ['-c', body], { cwd: dir, env, timeout: 15_000 })
  return stdout.split('\n').filter(Boolean)
}
