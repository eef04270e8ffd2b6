import { defineConfig } from 'tsup'
import { netkitTsup } from '../../tsup.shared'

const [library, cli] = netkitTsup({ entry: ['src/index.ts'], cli: ['src/cli.ts'] })
// ws is a dependency (the library's WebSocket API needs it installed anyway): the CLI imports it
// from node_modules, lazily in WebSocket mode, instead of shipping a second copy in dist/.
export default defineConfig([library!, { ...cli!, noExternal: [/^(?!ws(\/|$))/], external: ['ws'] }])
