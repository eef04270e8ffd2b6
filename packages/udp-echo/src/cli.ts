#!/usr/bin/env node
import { createCli, runMain } from '@netkit/shared'
import { version } from './index.js'

await runMain('udp-echo', async () => {
  await createCli({ name: 'udp-echo', version, usage: '$0 [options]' }).parseAsync()
})
