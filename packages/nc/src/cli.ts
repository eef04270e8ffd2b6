#!/usr/bin/env node
import { createCli, runMain } from '@netkit/shared'
import { version } from './index.js'

await runMain('nc', async () => {
  await createCli({ name: 'nc', version, usage: '$0 [options]' }).parseAsync()
})
