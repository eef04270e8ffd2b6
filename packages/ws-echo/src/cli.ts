#!/usr/bin/env node
/**
 * The bin. `ws-echo --version` is answered here, before the CLI kit (yargs) and the rest of the
 * tool are loaded, so it starts about as fast as bare node; every other command line goes to
 * cli-main.ts, which declares the options once for parsing, --help and errors.
 */
import { version } from './version.js'

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') process.stdout.write(`${version}\n`)
else await import('./cli-main.js')
