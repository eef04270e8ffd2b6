/**
 * Which modules a run of the built nc loads: an ESM loader hook (registered through
 * NODE_OPTIONS=--import) appends every URL it is asked to load, our chunks and node: builtins
 * alike, to a file.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { runCli, tempDir } from '@netkit/test-kit'
import { NC_CLI } from './nc.js'

/** Run `nc args` with stdin; its exit code and the URLs of the modules it loaded. */
export async function modulesLoadedBy(args: string[], stdin: Buffer): Promise<{ code: number; loaded: string[] }> {
  const dir = tempDir('nc-loaded-')
  const log = path.join(dir, 'loaded.txt')
  writeFileSync(log, '')
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs'\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context) }\n`,
  )
  writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url)\n`)
  const r = await runCli(NC_CLI, args, { stdin, env: { NODE_OPTIONS: `--import=${pathToFileURL(path.join(dir, 'register.mjs')).href}` } })
  return { code: r.code, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) }
}
