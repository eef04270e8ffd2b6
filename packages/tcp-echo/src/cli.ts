#!/usr/bin/env node
import { createCli, runMain } from '@netkit/shared'
import { version } from './index.js'

await runMain('tcp-echo', async () => {
  await createCli({ name: 'tcp-echo', version, usage: '$0 [options]' }).parseAsync()
})
