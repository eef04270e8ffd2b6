import { defineConfig } from 'tsup'
import { netkitTsup } from '../../tsup.shared'

export default defineConfig(netkitTsup({ entry: ['src/index.ts', 'src/bench/worker.ts'], cli: ['src/cli.ts'] }))
