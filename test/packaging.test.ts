/**
 * What `npm i -g @netkit/nc` and `npx @netkit/nc` do, without a registry: pack every package,
 * install the tarballs into a temporary prefix, and run each installed bin. Catches a missing
 * file, a wrong shebang, a broken `bin` path or an export that points nowhere; publint checks
 * the rest of each package.json.
 */
import { execFile } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs build script, without declarations
import { commandNames, parseHelp } from '../build/man.mjs'

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const packagesDir = path.join(root, 'packages')
const packages = readdirSync(packagesDir)
  .filter((name) => statSync(path.join(packagesDir, name, 'package.json'), { throwIfNoEntry: false }))
  .filter((name) => !JSON.parse(readFileSync(path.join(packagesDir, name, 'package.json'), 'utf8')).private)
  .map((name) => ({ dir: path.join(packagesDir, name), json: JSON.parse(readFileSync(path.join(packagesDir, name, 'package.json'), 'utf8')) }))
const bins = packages.flatMap((p) => Object.keys(p.json.bin ?? {}).map((bin) => ({ bin, pkg: p.json })))

let work: string
let prefix: string
const tarballOf = new Map<string, string>()

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'netkit-pack-'))
  prefix = path.join(work, 'prefix')
  const tarballs: string[] = []
  for (const p of packages) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: p.dir })
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
    tarballs.push(path.join(work, info!.filename))
    tarballOf.set(p.json.name, path.join(work, info!.filename))
  }
  // Local tarballs satisfy the @netkit/* dependencies; third-party ones come from npm's cache.
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
    cwd: work,
  })
})

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('packed and installed like npm i -g', () => {
  it('has every CLI package with a bin named after the unscoped package name', () => {
    const cliPackages = packages.filter((p) => p.json.bin)
    expect(cliPackages.map((p) => p.json.name).sort()).toEqual(['@netkit/http-get', '@netkit/nc', '@netkit/tcp-echo', '@netkit/udp-echo', '@netkit/ws-echo'])
    for (const p of cliPackages) expect(Object.keys(p.json.bin)).toContain(p.json.name.replace('@netkit/', ''))
  })

  it.each(bins)('$bin --version prints the package version', async ({ bin, pkg }) => {
    const { stdout, stderr } = await run(path.join(prefix, 'bin', bin), ['--version'])
    expect(stdout.trim()).toBe(pkg.version)
    expect(stderr).toBe('')
  })

  it.each(bins)('$bin --help prints usage and exits 0', async ({ bin }) => {
    const { stdout } = await run(path.join(prefix, 'bin', bin), ['--help'])
    expect(stdout).toMatch(/--help/)
    expect(stdout).toMatch(/--version/)
  })

  it.each(bins)('$bin rejects an unknown option with one line and exit 2', async ({ bin, pkg }) => {
    const err = await run(path.join(prefix, 'bin', bin), ['--bogus-option']).catch((e: { code: number; stderr: string }) => e)
    expect((err as { code: number }).code).toBe(2)
    const lines = (err as { stderr: string }).stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^${pkg.name.replace('@netkit/', '')}: `))
  })

  it.each(packages)('$json.name ships dist, its man page, README, LICENSE and package.json, nothing else', async (p) => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: p.dir })
    const files = (JSON.parse(stdout)[0].files as Array<{ path: string }>).map((f) => f.path)
    expect(files).toContain('package.json')
    expect(files).toContain('README.md')
    expect(files).toContain('LICENSE')
    expect(readFileSync(path.join(p.dir, 'LICENSE'), 'utf8')).toBe(readFileSync(path.join(root, 'LICENSE'), 'utf8'))
    const man = (p.json.man ?? []).map((m: string) => m.replace(/^\.\//, ''))
    for (const page of man) expect(files).toContain(page)
    expect(files.filter((f) => !f.startsWith('dist/') && !man.includes(f) && !['package.json', 'README.md', 'LICENSE'].includes(f))).toEqual([])
  })

  it.each(packages)('$json.name has keywords, homepage, bugs, and sideEffects: false only as a library', (p) => {
    expect(p.json.keywords?.length).toBeGreaterThan(2)
    expect(p.json.homepage).toMatch(/^https:\/\//)
    expect(p.json.bugs?.url).toMatch(/^https:\/\//)
    if (p.json.bin) expect(p.json.sideEffects).toBeUndefined()
    else expect(p.json.sideEffects).toBe(false)
  })

  it.each(packages)('$json.name passes publint', async (p) => {
    const { publint } = await import('publint')
    const { messages } = await publint({ pkgDir: p.dir, strict: true })
    expect(messages.map((m) => `${m.type} ${m.code} ${m.path.join('.')}`)).toEqual([])
  })

  it.each(packages.filter((p) => p.json.exports))('$json.name library entry imports from the installed package', async (p) => {
    const dir = path.join(prefix, 'lib', 'node_modules', p.json.name)
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(dir, 'dist', 'index.js'))}); console.log(Object.keys(m).length)`])
    expect(Number(stdout.trim())).toBeGreaterThan(0)
  })
})

/** `| `@netkit/nc` | 3 | 1,000 KB |` rows of the root README's install budget table. */
function installBudgets(): Map<string, { dependencies: number; bytes: number }> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
  const budgets = new Map<string, { dependencies: number; bytes: number }>()
  for (const m of readme.matchAll(/^\| `(@netkit\/[\w-]+)` \| (\d+) \| ([\d,]+) KB \|$/gm)) {
    budgets.set(m[1]!, { dependencies: Number(m[2]), bytes: Number(m[3]!.replace(/,/g, '')) * 1000 })
  }
  return budgets
}

/** Every file under `dir`, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
}

/** The package names a package's JavaScript imports or requires (node builtins left out). */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>()
  for (const file of walk(dir).filter((f) => /\.(c|m)?js$/.test(f) && !path.relative(dir, f).split(path.sep).includes('node_modules'))) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"]([^'"./][^'"]*)['"]/g)) {
      const spec = m[1]!
      if (isBuiltin(spec)) continue
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)
    }
  }
  return names
}

/** The @netkit packages `name` needs, itself included (their tarballs stand in for the registry). */
function internalClosure(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen
  seen.add(name)
  const p = packages.find((q) => q.json.name === name)
  for (const dep of Object.keys(p?.json.dependencies ?? {})) if (dep.startsWith('@netkit/')) internalClosure(dep, seen)
  return seen
}

const cliPackages = packages.filter((p) => p.json.bin)

describe('lean installs (budgets in the root README)', () => {
  it.each(cliPackages)('$json.name pulls only packages it loads, within its budget', async (p) => {
    const budget = installBudgets().get(p.json.name)
    expect(budget, `no install budget for ${p.json.name} in README.md`).toBeDefined()
    const dir = path.join(work, `lean-${p.json.name.replace('@netkit/', '')}`)
    mkdirSync(dir)
    // A project of its own: without a package.json npm walks up and may install into whatever
    // project an ancestor directory holds (a stray /tmp/package.json did exactly that).
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'lean-install', private: true }))
    const tarballs = [...internalClosure(p.json.name)].map((name) => tarballOf.get(name)!)
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], { cwd: dir })
    const modules = path.join(dir, 'node_modules')
    const installed = readdirSync(modules)
      .filter((n) => !n.startsWith('.'))
      .flatMap((n) => (n.startsWith('@') ? readdirSync(path.join(modules, n)).map((m) => `${n}/${m}`) : [n]))
    const dependencies = installed.filter((n) => n !== p.json.name)
    const loaded = new Set(installed.flatMap((n) => [...importedPackages(path.join(modules, n))]))
    expect(dependencies.filter((n) => !loaded.has(n)), 'installed but never imported').toEqual([])
    expect(dependencies.length).toBeLessThanOrEqual(budget!.dependencies)
    // The packages' own files (not node_modules/.bin, whose links would count each bin twice).
    const bytes = installed.flatMap((n) => walk(path.join(modules, n))).reduce((sum, f) => sum + lstatSync(f).size, 0)
    expect(bytes, `${p.json.name} installs ${bytes} bytes`).toBeLessThanOrEqual(budget!.bytes)
  })
})

describe('man pages', () => {
  it.each(cliPackages)('$json.name installs a man page that has every option of --help', async (p) => {
    const name = p.json.name.replace('@netkit/', '')
    expect(p.json.man).toEqual([`./man/${name}.1`])
    const page = readFileSync(path.join(prefix, 'share', 'man', 'man1', `${name}.1`), 'utf8').replace(/\\-/g, '-')
    const bin = path.join(prefix, 'bin', name)
    const main = (await run(bin, ['--help'])).stdout
    const helps = [main, ...(await Promise.all(commandNames(main, name).map(async (c: string) => (await run(bin, [c, '--help'])).stdout)))]
    const flags = new Set<string>()
    for (const help of helps) {
      for (const section of parseHelp(help).sections as Array<{ title: string; entries: Array<{ term: string }> }>) {
        if (section.title === 'Commands' || section.title === 'Examples') continue
        for (const entry of section.entries) for (const flag of entry.term.match(/--?\w[\w.-]*/g) ?? []) flags.add(flag)
      }
    }
    expect(flags.size).toBeGreaterThan(3)
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
    const missing = [...flags].filter((flag) => !new RegExp(`(^|[\\s,])${escape(flag)}([\\s,=]|$)`, 'm').test(page))
    expect(missing).toEqual([])
  })
})
