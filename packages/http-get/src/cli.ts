#!/usr/bin/env node
import { createCli, runMain } from '@netkit/shared'
import { version } from './index.js'

await runMain('http-get', async () => {
  await createCli({ name: 'http-get', version, usage: '$0 [options]' }).parseAsync()
})
