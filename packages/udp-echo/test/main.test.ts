import { afterEach, describe, expect, it, vi } from 'vitest'
import { main } from '../src/main.js'

/** Run main() in this process and collect what it writes to stderr. */
async function runMain(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = ''
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk)
    return true
  })
  const code = await main(argv, { exitProcess: false })
  vi.restoreAllMocks()
  return { code, stderr }
}

afterEach(() => vi.restoreAllMocks())

describe('udp-echo main(argv), in process', () => {
  it.each([
    [['--port', '70000'], 'port number out of range: 70000'],
    [['--port', 'nosuchservice'], 'unknown service name: nosuchservice'],
    [['--rate-limit', 'fast'], 'invalid rate limit: "fast"'],
    [['bench', '127.0.0.1', '7', '--size', '4'], 'size out of range: 4'],
    [['bench', '127.0.0.1', '7', '--window', '0'], 'window out of range: 0'],
    [['bench', '127.0.0.1:7', '--duration', 'soon'], 'invalid duration'],
  ])('%j is a usage error: one line, exit 2', async (argv, message) => {
    const { code, stderr } = await runMain(argv)
    expect(code).toBe(2)
    expect(stderr).toContain(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })
})
