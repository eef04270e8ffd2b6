#!/usr/bin/env node
import { runMain } from '@netkit/shared'
import { main } from './main.js'

export { main }

await runMain('http-get', () => main(process.argv.slice(2)))
