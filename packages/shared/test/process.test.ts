import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

function start(name: string, args: string[] = []) {
  const child = spawn(process.execPath, [fixture(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal, stderr }))
  return { child, exited }
}

describe('a reader that closes early (nc ... | head -c 10)', () => {
  it('ends the writer quietly with status 0', async () => {
    const { child, exited } = start('flood.mjs')
    const [first] = (await once(child.stdout, 'data')) as [Buffer]
    expect(first.length).toBeGreaterThan(0)
    child.stdout.destroy()
    const result = await exited
    expect(result).toEqual({ code: 0, signal: null, stderr: '' })
  })

  it('would otherwise die with an EPIPE stack (the guard is what makes the difference)', async () => {
    const { child, exited } = start('flood.mjs', ['unguarded'])
    await once(child.stdout, 'data')
    child.stdout.destroy()
    const result = await exited
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('EPIPE')
  })
})

describe('onShutdown', () => {
  it('runs the hook once on SIGTERM and lets the process end by itself', async () => {
    const { child, exited } = start('shutdown.mjs')
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    await once(child.stdout, 'data')
    child.kill('SIGTERM')
    const result = await exited
    expect(out).toBe('ready\nhook SIGTERM 1\n')
    expect(result.code).toBe(0)
  })

  it('forces exit with 128+signo on a second signal', async () => {
    const { child, exited } = start('shutdown.mjs', ['slow'])
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    await once(child.stdout, 'data')
    child.kill('SIGINT')
    const deadline = Date.now() + 5000
    while (!out.includes('hook') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGINT')
    const result = await exited
    expect(out).toBe('ready\nhook SIGINT 1\n')
    expect(result.code).toBe(130)
  })
})

describe('a bug that leaves a socket open (runMain)', () => {
  it('prints the stack and ends the process with 1 instead of hanging on the open server', async () => {
    const started = Date.now()
    const { exited } = start('bug-with-open-socket.mjs')
    const result = await exited
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('this is a bug in buggy')
    expect(result.stderr).toContain('TypeError: oops')
    expect(Date.now() - started).toBeLessThan(8000)
  })

  it('a known failure after cleanup still ends by itself, at once, with its exit code', async () => {
    const started = Date.now()
    const { exited } = start('bug-with-open-socket.mjs', ['caught'])
    const result = await exited
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('buggy: connection refused')
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
