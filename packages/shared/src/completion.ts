/**
 * Shell completion for every tool, spelled `--completion SHELL`: an option, so a host named
 * `completion` stays a host. The scripts are yargs' own (they call the tool back with the hidden
 * `--get-yargs-completions`, which yargs answers from the same option table as --help).
 */
import yargs from 'yargs'
import { UsageError } from './errors.js'

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const
export type CompletionShell = (typeof COMPLETION_SHELLS)[number]

/**
 * The shell asked for by `--completion SHELL` or `--completion=SHELL` before any `--`, or
 * undefined when the option is absent. An unknown or missing shell is a usage error.
 */
export function completionRequest(argv: readonly string[]): CompletionShell | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') return undefined
    if (arg !== '--completion' && !arg.startsWith('--completion=')) continue
    const shell = arg === '--completion' ? argv[i + 1] : arg.slice('--completion='.length)
    if ((COMPLETION_SHELLS as readonly string[]).includes(shell ?? '')) return shell as CompletionShell
    throw new UsageError(`--completion needs a shell: ${COMPLETION_SHELLS.join(', ')}${shell ? ` (not ${JSON.stringify(shell)})` : ''}`)
  }
  return undefined
}

/** Print yargs' completion script for `shell` to stdout, calling the tool back by its bin `name`. */
export function printCompletionScript(name: string, shell: CompletionShell): void {
  // yargs picks its template from $SHELL (and $ZSH_NAME) when an instance is built: point them at
  // the shell asked for, for that moment only.
  const saved = { SHELL: process.env.SHELL, ZSH_NAME: process.env.ZSH_NAME }
  process.env.SHELL = `/bin/${shell}`
  delete process.env.ZSH_NAME
  let generator: ReturnType<typeof yargs>
  try {
    generator = yargs([]).scriptName(name)
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
  // Typed without arguments in @types/yargs 17; yargs 18 takes ($0, the command that printed it).
  ;(generator.showCompletionScript as unknown as (app: string, command: string) => void)(name, `--completion ${shell}`)
}
