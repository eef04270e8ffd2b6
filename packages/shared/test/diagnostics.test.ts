import { fileURLToPath } from 'node:url'
import { Writable } from 'node:stream'
import { spawnCli, waitFor } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { createLogger, diagnosticsOpen, writeDiagnostic } from '../src/index.js'

const fixture = fileURLToPath(new URL('./fixtures/closed-stderr.mjs', import.meta.url))

/** Run the fixture with stderr's reader closed before it writes anything. */
function runClosed(mode: string) {
  const run = spawnCli(fixture, [mode], { closedStderr: true })
  run.child.stdin!.write('go\n')
  return run
}

describe('a stderr whose reader is gone (built kit, real pipe)', () => {
  it('without the guard, the first diagnostic kills the process (the failure this prevents)', async () => {
    const run = runClosed('unguarded')
    expect(await run.exit).toBe(1)
  })

  it('a usage error still exits 2', async () => {
    const run = runClosed('usage')
    expect(await run.exit).toBe(2)
  })

  it('a runtime error still exits 1, without a crash report', async () => {
    const run = runClosed('runtime')
    expect(await run.exit).toBe(1)
    expect((await run.stdout).toString()).toBe('')
  })

  it('a server that keeps logging keeps running, and exits 0 when told', async () => {
    const run = runClosed('server')
    await run.waitStdout(/tick 50\n/, 15_000)
    expect(run.child.exitCode).toBeNull()
    run.child.kill('SIGTERM')
    expect(await run.exit).toBe(0)
    expect((await run.stdout).toString()).toMatch(/stopped\n$/)
  })
})

class Failing extends Writable {
  writes = 0
  override _write(_chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error) => void) {
    this.writes++
    cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
  }
}

describe('writeDiagnostic', () => {
  it('swallows the error of a failed write and drops what comes after', async () => {
    const out = new Failing()
    writeDiagnostic('first\n', out)
    expect(await waitFor(() => !diagnosticsOpen(out), 2000)).toBe(true)
    const log = createLogger({ name: 'kit', stream: out, env: {} })
    log.error('second')
    log.warn('third')
    expect(out.writes).toBe(1)
  })
})
