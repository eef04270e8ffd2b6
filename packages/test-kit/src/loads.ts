import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './files.js'
import { spawnCli } from './spawn.js'
import { withTimeout } from './wait.js'

const TRACER = fileURLToPath(new URL('./trace-loads.mjs', import.meta.url))

/** What a traced run loaded. */
export interface TracedLoads {
  code: number
  /** Every module URL it imported, in order: `file:` URLs of its files and `node:` builtins imported as ES modules. */
  urls: string[]
  /** Every public builtin it loaded, imported or required (`fs`, `net`, `crypto`). */
  builtins: Set<string>
}

export interface TraceLoadsOptions {
  stdin?: Buffer | 'ignore'
  /** A server: once stderr matches, stop it with SIGTERM. */
  until?: RegExp
}

/** Run `cli args` with the load tracer preloaded; what it loaded, once it exited. */
export async function traceLoads(cli: string, args: readonly string[], options: TraceLoadsOptions = {}): Promise<TracedLoads> {
  const log = path.join(tempDir('netkit-loads-'), 'loads')
  const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${TRACER}`.trim(), NETKIT_TRACE_LOADS: log }
  const run = spawnCli(cli, args, { stdin: options.stdin ?? 'ignore', env })
  if (options.until) {
    await run.waitStderr(options.until, 15_000)
    run.child.kill('SIGTERM')
  }
  const code = await withTimeout(run.exit, 15_000, `${path.basename(cli)} to exit`)
  const lines = readFileSync(log, 'utf8').split('\n')
  return {
    code,
    urls: lines.filter((l) => l.startsWith('url ')).map((l) => l.slice(4)),
    builtins: new Set(lines.filter((l) => l.startsWith('builtin ')).map((l) => l.slice(8))),
  }
}
