import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Options } from 'tsup'

const lightStringWidth = fileURLToPath(new URL('./build/string-width.mjs', import.meta.url))

/**
 * One tsup setup for every package: the library entry is ESM with declarations and keeps its
 * dependencies external; the CLI entry bundles everything it imports (yargs, picocolors,
 * @netkit/*) so that a cold start reads one file instead of walking node_modules.
 * Dynamic imports (ora) become their own chunks and cost nothing until they run.
 */
export function netkitTsup({ entry, cli = [] }: { entry: string[]; cli?: string[] }): Options[] {
  // The two builds below share dist/, so neither may clean it: clear it once, up front, so renamed
  // chunks from earlier builds are not packed.
  rmSync('dist', { recursive: true, force: true })
  const common: Options = {
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    removeNodeProtocol: false,
    sourcemap: false,
    splitting: true,
    treeshake: true,
  }
  const configs: Options[] = [{ ...common, entry, dts: true, clean: false }]
  if (cli.length > 0) {
    configs.push({
      ...common,
      entry: cli,
      dts: false,
      noExternal: [/.*/],
      esbuildOptions(options) {
        options.alias = { ...options.alias, 'string-width': lightStringWidth }
      },
      // Bundled CommonJS dependencies call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __netkitCreateRequire } from 'node:module'; const require = __netkitCreateRequire(import.meta.url);" },
    })
  }
  return configs
}
