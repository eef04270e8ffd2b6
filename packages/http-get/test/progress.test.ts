import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { CLI, scriptedServer } from './scripted-server.js'

/** Run the CLI with `args` on a pseudo-terminal; returns its exit code and what the terminal showed. */
async function inTerminal(args: string): Promise<{ code: number; terminal: string }> {
  const command = `stty cols 120 rows 20; "${process.execPath}" "${CLI}" ${args}`
  // util-linux `script` runs the command on a pseudo-terminal (with a size set, as ora needs
  // columns) and copies what it shows. ora draws nothing animated when CI is set
  // (is-interactive), as in .ci/run: a person's terminal has no CI.
  const { CI: _ci, ...env } = process.env
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env })
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  let terminal = ''
  child.stdout.on('data', (c: Buffer) => (terminal += c.toString('utf8')))
  const [code] = (await once(child, 'close')) as [number]
  return { code, terminal }
}

function tempFile(): string {
  return path.join(tempDir('http-get-progress-'), 'out.bin')
}

describe('progress line', () => {
  it('shows bytes, rate and percentage on a terminal while writing to a file', async () => {
    const pieces = 15
    const piece = Buffer.alloc(64 * 1024, 0x41)
    const server = await scriptedServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${pieces * piece.length}\r\n\r\n`)
      let sent = 0
      const timer = setInterval(() => {
        socket.write(piece)
        if (++sent === pieces) {
          clearInterval(timer)
          socket.end()
        }
      }, 100)
      socket.on('close', () => clearInterval(timer))
    })
    const file = tempFile()
    for (const [options, line] of [['', /\/file {2}[\d.]+ (B|KiB|MiB) of 960 KiB {2}[\d.]+ (B|KiB|MiB)\/s {2}\d+%/], ['-s', undefined]] as const) {
      const { code, terminal } = await inTerminal(`${options} -o "${file}" ${server.url('/file')}`)
      expect(code).toBe(0)
      expect(fs.statSync(file).size).toBe(pieces * piece.length)
      if (line) expect(terminal).toMatch(line)
      else expect(terminal).not.toMatch(/%/)
    }
  })

  it('shows the first bytes even when they come right after start-up and then the body stalls', async () => {
    const server = await scriptedServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab'))
    const { code, terminal } = await inTerminal(`-m 1s -o "${tempFile()}" ${server.url('/stall')}`)
    expect(code).toBe(28)
    expect(terminal).toContain('/stall  2 B of 10 B')
  })
})
