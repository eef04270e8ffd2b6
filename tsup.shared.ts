import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Options } from 'tsup'
import type { Plugin } from 'esbuild'

const lightStringWidth = fileURLToPath(new URL('./build/string-width.mjs', import.meta.url))
const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url))

/**
 * Bundle the CLIs from the workspace packages' sources, not their built dist/index.js: esbuild
 * then sees one module per file and drops the unused ones with their imports, so a plain session
 * does not load node:crypto, node:perf_hooks and the rest just because one dist file names them.
 */
const workspaceSources: Plugin = {
  name: 'netkit-workspace-sources',
  setup(build) {
    build.onResolve({ filter: /^@netkit\/(shared|framing|http-get)(\/[a-z-]+)?$/ }, (args) => {
      const [, name, sub] = /^@netkit\/([a-z-]+)(?:\/([a-z-]+))?$/.exec(args.path) ?? []
      return { path: `${packagesDir}${name}/src/${sub ?? 'index'}.ts`, sideEffects: false }
    })
  },
}

/**
 * Builtins that a bundled dependency requires when it loads but uses only in code the CLI may
 * never run (ws requires node:https and node:tls for its client, node:zlib for compression):
 * each such require gets a proxy that loads the builtin on first use. Our own sources are left
 * alone (they import lazily where it matters).
 */
function lazyBuiltins(names: readonly string[]): Plugin {
  const filter = new RegExp(`^(node:)?(${names.join('|')})$`)
  return {
    name: 'netkit-lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) =>
        args.kind === 'require-call' && args.importer.includes('/node_modules/') ? { path: args.path.replace(/^node:/, ''), namespace: 'netkit-lazy-builtin' } : undefined,
      )
      build.onLoad({ filter: /.*/, namespace: 'netkit-lazy-builtin' }, (args) => ({
        contents: `let m\nconst load = () => (m ??= require('node:${args.path}'))\nmodule.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() })\n`,
        loader: 'js',
      }))
    },
  }
}

/**
 * One tsup setup for every package: the library entry is ESM with declarations and keeps its
 * dependencies external; the CLI entry bundles everything it imports (yargs, picocolors,
 * @netkit/*) so that a cold start reads one file instead of walking node_modules.
 * Dynamic imports (ora) become their own chunks and cost nothing until they run.
 */
export function netkitTsup({ entry, cli = [], lazyRequires = [] }: { entry: string[]; cli?: string[]; /** Builtins bundled dependencies get lazily in the CLI (lazyBuiltins). */ lazyRequires?: string[] }): Options[] {
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
      esbuildPlugins: lazyRequires.length > 0 ? [workspaceSources, lazyBuiltins(lazyRequires)] : [workspaceSources],
      esbuildOptions(options) {
        options.alias = { ...options.alias, 'string-width': lightStringWidth }
      },
      // Bundled CommonJS dependencies call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __netkitCreateRequire } from 'node:module'; const require = __netkitCreateRequire(import.meta.url);" },
    })
  }
  return configs
}
