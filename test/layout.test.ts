import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The architecture rules every package keeps, checked on the source of each: no import cycles
 * between files, no function a reader cannot hold, every error class branded, every error code
 * from the catalogue.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PACKAGES = fs
  .readdirSync(path.join(ROOT, 'packages'))
  .filter((name) => fs.existsSync(path.join(ROOT, 'packages', name, 'src')))
  .map((name) => ({ name, src: path.join(ROOT, 'packages', name, 'src') }))

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

/** Relative imports of a file: static, `import type`, re-exports and dynamic import() alike. */
function localImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.[^']+)'/g)].map((m) => m[1]!)
  return specifiers.map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')))
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, 'visiting')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of graph.keys()) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return undefined
}

/** Lines of each top-level function body, by a brace count from `function name(` or `name(...) {` methods. */
function longFunctions(file: string, max: number): string[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  const found: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const match = /^(?:export )?(?:async )?function (\w+)|^  (?:async |private |static )*(\w+)\(.*\)(?:: [^{]+)? \{$/.exec(lines[i]!)
    if (!match) continue
    let depth = 0
    let end = i
    for (let j = i; j < lines.length; j++) {
      for (const c of lines[j]!) depth += c === '{' ? 1 : c === '}' ? -1 : 0
      if (depth === 0 && lines[j]!.includes('}')) {
        end = j
        break
      }
    }
    if (end - i + 1 > max) found.push(`${path.relative(ROOT, file)}: ${match[1] ?? match[2]} (${end - i + 1} lines)`)
  }
  return found
}

/** Error classes declared in a file that are not branded there (instanceof would match their parent's instances). */
function unbrandedErrors(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  return [...text.matchAll(/class (\w+) extends (\w*Error)\b/g)]
    .map((m) => m[1]!)
    .filter((name) => !new RegExp(`brandError\\(${name},`).test(text))
    .map((name) => `${path.relative(ROOT, file)}: ${name}`)
}

describe('source layout', () => {
  it('finds the packages and its checks find planted faults', () => {
    expect(PACKAGES.map((p) => p.name)).toEqual(expect.arrayContaining(['nc', 'http-get', 'shared', 'framing', 'tcp-echo', 'udp-echo', 'ws-echo']))
    expect(findCycle(new Map([['a', ['b']], ['b', ['a']]]))).toEqual(['a', 'b', 'a'])
  })

  it.each(PACKAGES)('$name has no import cycles between files (type-only and dynamic imports included)', ({ src }) => {
    const files = sourceFiles(src)
    const graph = new Map(files.map((file) => [file, localImports(file).filter((target) => files.includes(target))]))
    expect(graph.size).toBeGreaterThan(0)
    const cycle = findCycle(graph)
    expect(cycle?.map((file) => path.relative(ROOT, file))).toBeUndefined()
  })

  it.each(PACKAGES)('$name has no function over 80 lines', ({ src }) => {
    expect(sourceFiles(src).flatMap((file) => longFunctions(file, 80))).toEqual([])
  })

  it.each(PACKAGES)('$name brands every error class it declares', ({ src }) => {
    expect(sourceFiles(src).flatMap(unbrandedErrors)).toEqual([])
  })

  it.each(PACKAGES)('$name takes every error code from the ErrorCode catalogue', ({ src }) => {
    const literals = sourceFiles(src)
      .filter((file) => !file.endsWith(path.join('shared', 'src', 'codes.ts')))
      .flatMap((file) => [...fs.readFileSync(file, 'utf8').matchAll(/'NETKIT_[A-Z_]+'/g)].map((m) => `${path.relative(ROOT, file)}: ${m[0]}`))
    expect(literals).toEqual([])
  })
})
