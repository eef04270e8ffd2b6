import { describe, expect, it } from 'vitest'
import { runMainInProcess } from '@netkit/test-kit'
import { main } from '../src/main.js'

/** Run main() in this process and collect what it writes to stderr. */
const runMain = (argv: string[]) => runMainInProcess(() => main(argv, { exitProcess: false }))


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
