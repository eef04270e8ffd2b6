import { describe, expect, it } from 'vitest'
import { runMainInProcess } from '@netkit/test-kit'
import { main } from '../src/main.js'
import { startServer } from './helpers.js'

/** Run main() in this process and collect what it writes to stderr. */
const runMain = (argv: string[]) => runMainInProcess(() => main(argv, { exitProcess: false }))


describe('tcp-echo main(argv), in process', () => {
  it.each([
    [['--port', 'http'], 'invalid port: "http"'],
    [['--port', '70000'], 'port number out of range: 70000'],
    [['--host', '[127.0.0.1]'], 'invalid host'],
    [['--max-frame-size', '1k'], '--max-frame-size needs --frame'],
    [['bench', '127.0.0.1', '7', '--mode', 'flood'], 'invalid bench mode: "flood"'],
    [['bench', '127.0.0.1', '7', '-c', '0'], 'connections out of range: 0'],
    [['bench', '127.0.0.1', '7', '-d', '0'], 'duration'],
  ])('%j is a usage error: one line, exit 2', async (argv, message) => {
    const { code, stderr } = await runMain(argv)
    expect(code).toBe(2)
    expect(stderr).toContain(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })

  it('a port in use is a runtime failure: exit 1', async () => {
    const { server } = await startServer()
    const { code, stderr } = await runMain(['--host', '127.0.0.1', '--port', String(server.address.port)])
    expect(code).toBe(1)
    expect(stderr).toBe(`tcp-echo: bind to 127.0.0.1 port ${server.address.port} (tcp) failed: Address already in use\n`)
  })
})
