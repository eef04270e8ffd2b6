import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { tempDir } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { BufferSink, planOutputs } from '../src/index.js'
import { main } from '../src/main.js'
import { response, runCli, scriptedServer } from './scripted-server.js'

/** main(argv) in-process: stdout collected, stderr as text. */
async function inProcess(argv: string[]) {
  const stdout = new BufferSink(1024 * 1024)
  let stderr = ''
  const err = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stderr += chunk.toString()
      done()
    },
  })
  const code = await main(argv, { stdout, stderr: err })
  return { code, stdout: stdout.body.toString(), stderr }
}

describe('main(argv) in-process', () => {
  it('parses options and runs the transfer: -i, -w, exit code', async () => {
    const server = await scriptedServer((socket) => socket.end(response('body', { 'X-A': '1' })))
    const result = await inProcess(['-i', '-w', '%{http_code} %{size_download}\\n', server.url('/x')])
    expect(result).toEqual({ code: 0, stdout: 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-A: 1\r\n\r\nbody200 4\n', stderr: '' })
  })

  it('refuses bad option values (exit 2) before any request', async () => {
    const server = await scriptedServer((socket) => socket.end(response('x')))
    for (const argv of [['--max-redirs', 'abc'], ['--parallel', '0'], ['-H', 'Bad Name: 1'], ['-H', 'X: a\rb'], ['-o', 'a', '-o', 'b'], ['--bogus']]) {
      await expect(main([...argv, server.url('/')], { stdout: new BufferSink(10) })).rejects.toMatchObject({ exitCode: 2 })
    }
    expect(server.requests).toHaveLength(0)
  })

  it('-A with a line break exits 2 and sends nothing, like -H', async () => {
    const server = await scriptedServer((socket) => socket.end(response('x')))
    const result = await inProcess(['-A', 'ua\r\nX-Evil: 1', server.url('/')])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('http-get: User-Agent header contains a line break: "ua\\r\\nX-Evil: 1"\n')
    expect(server.requests).toHaveLength(0)
    const spawned = await runCli(['-A', 'ua\r\nX-Evil: 1', server.url('/')])
    expect(spawned.code).toBe(2)
    expect(spawned.stderr).toMatch(/^http-get: User-Agent header contains a line break/)
  })

  it('pairs -o and -O with URLs in order, the rest to stdout (planOutputs)', async () => {
    expect(planOutputs(4, ['a', '-'], 1)).toEqual([{ file: 'a' }, 'stdout', { remoteName: true }, 'stdout'])
    const server = await scriptedServer((socket, request) => socket.end(response(`[${request.target}]`)))
    const dir = tempDir()
    const result = await inProcess(['-o', path.join(dir, 'one'), server.url('/1'), server.url('/2')])
    expect(result.stdout).toBe('[/2]')
    expect(fs.readFileSync(path.join(dir, 'one'), 'utf8')).toBe('[/1]')
  })
})
