import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src')

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
    if (end - i + 1 > max) found.push(`${path.relative(SRC, file)}: ${match[1] ?? match[2]} (${end - i + 1} lines)`)
  }
  return found
}

describe('source layout', () => {
  it('has no import cycles between files (type-only and dynamic imports included)', () => {
    const files = sourceFiles(SRC)
    const graph = new Map(files.map((file) => [file, localImports(file).filter((target) => files.includes(target))]))
    expect(graph.size).toBeGreaterThan(15)
    // The checker itself finds a planted cycle.
    expect(findCycle(new Map([['a', ['b']], ['b', ['a']]]))).toEqual(['a', 'b', 'a'])
    const cycle = findCycle(graph)
    expect(cycle?.map((file) => path.relative(SRC, file))).toBeUndefined()
  })

  it('has no function over 80 lines', () => {
    expect(sourceFiles(SRC).flatMap((file) => longFunctions(file, 80))).toEqual([])
  })
})
