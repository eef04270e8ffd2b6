/**
 * The bin's `main(argv)` in-process: option handling without spawning. Each case resolves with
 * the exit code the bin would exit with and prints one line on stderr.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runMainInProcess } from '@netkit/test-kit'
import { main } from '../src/cli.js'

/** Run main(args); the exit code and what it wrote to stderr. */
const run = (args: string[]) => runMainInProcess(() => main(args))

describe('nc main(argv) in-process', () => {
  const saved = process.exitCode
  afterEach(() => {
    process.exitCode = saved
  })

  it('a bad --frame format is a usage error naming the formats (yargs path)', async () => {
    const { code, stderr } = await run(['--frame', 'bogus', '127.0.0.1', '9'])
    expect(code).toBe(2)
    expect(stderr).toBe('nc: --frame must be one of lines, lp32, varint (got "bogus") (see \'nc --help\')\n')
  })

  it('-z with -l is refused (quick path, no yargs)', async () => {
    const { code, stderr } = await run(['-z', '-l', '1234'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^nc: cannot use -z and -l/)
  })

  it('-N with -d is refused by the combination rules', async () => {
    const { code, stderr } = await run(['-N', '-d', '127.0.0.1', '9'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^nc: -N needs stdin/)
  })

  it('a bad port is one line, exit 2', async () => {
    const { code, stderr } = await run(['127.0.0.1', '70000'])
    expect(code).toBe(2)
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1)
  })

  it('an unknown long option is a usage error', async () => {
    const { code, stderr } = await run(['--bogus-option', '127.0.0.1', '9'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/Unknown argument.*bogus-option/)
  })
})

describe('the quick path reads the one option table', () => {
  it('takes every one-letter core option as declared, and leaves the rest to yargs', async () => {
    const { quickParse } = await import('../src/cli/parse.js')
    const { coreOptions } = await import('../src/cli/core-options.js')
    for (const [name, spec] of Object.entries(coreOptions)) {
      if (name.length !== 1) continue
      const args = spec.type === 'boolean' ? [`-${name}`, 'host', '1'] : [`-${name}`, '5', 'host', '1']
      expect(quickParse(args), name).toMatchObject({ [name]: spec.type === 'boolean' ? true : '5', _: ['host', '1'] })
    }
    expect(quickParse(['-x', 'proxy', 'host', '1'])).toBeUndefined() // an extras letter
    expect(quickParse(['--stats', 'host', '1'])).toBeUndefined() // a long option
  })
})
