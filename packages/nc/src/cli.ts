#!/usr/bin/env node
// The nc bin. Start-up matters (`nc` runs in shell loops): the static imports are the version,
// the argument parsing (bundled into this file) and node builtins; yargs, @netkit/shared and every mode load lazily, so `nc --version`
// costs about a bare `node`. `main(argv)` is exported so option handling can be tested in-process.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { main } from './cli/main.js'
import { version } from './version.js'

export { main }

/** True when this file is the program node was started with (not imported by a test). */
function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

const rawArgs = process.argv.slice(2)
if (rawArgs.length === 1 && rawArgs[0] === '--version' && isEntry()) {
  process.stdout.write(`${version}\n`)
} else if (isEntry()) {
  await main(rawArgs)
}
