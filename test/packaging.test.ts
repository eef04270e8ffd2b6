/**
 * What `npm i -g @netkit/nc` and `npx @netkit/nc` do, without a registry: pack every package,
 * install the tarballs into a temporary prefix, and run each installed bin. Catches a missing
 * file, a wrong shebang, a broken `bin` path or an export that points nowhere; publint checks
 * the rest of each package.json.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

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

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'netkit-pack-'))
  prefix = path.join(work, 'prefix')
  const tarballs: string[] = []
  for (const p of packages) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: p.dir })
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
    tarballs.push(path.join(work, info!.filename))
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

  it.each(packages)('$json.name ships only dist, README and package.json', async (p) => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: p.dir })
    const files = (JSON.parse(stdout)[0].files as Array<{ path: string }>).map((f) => f.path)
    expect(files).toContain('package.json')
    expect(files).toContain('README.md')
    expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json' && !/^(README|LICENSE)/i.test(f))).toEqual([])
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
