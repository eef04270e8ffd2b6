#!/usr/bin/env node
// The http-get bin. `--version` alone is answered before anything else loads (node:net, the
// option table, @netkit/shared): a module graph costs start-up even when it does nothing.
import { version } from './version.js'

if (process.argv.length === 3 && process.argv[2] === '--version') process.stdout.write(`${version}\n`)
else await (await import('./main.js')).runBin()
