import { defineConfig } from 'tsup'
import { netkitTsup } from '../../tsup.shared'

export default defineConfig(netkitTsup({ entry: ['src/index.ts'], cli: ['src/cli.ts'], lazyRequires: ['https', 'tls', 'zlib'] }))
