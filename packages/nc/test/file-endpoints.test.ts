/**
 * Regular files as endpoints of the reusable-buffer transport: `nc host port < file` reads the
 * file with large reads into one buffer (proved by the -vv line, which names the pump the
 * transport chose), `nc -l port > file` writes straight to the file; the half-close rules are
 * those of a pipe (file EOF = stdin EOF), byte-exact, in both roles, over TCP and Unix sockets.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { waitFor as waitUntil } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { hashAll, NC_CLI, peerSession, sawEofWithin, sha256, spawnNc, waitFor, type Role } from './support/nc.js'

const FILE_LINE = /fast relay: input is a regular file/
const FILE_OUTPUT_LINE = /fast relay: output is a regular file or \/dev\/null/
const data = randomBytes(3 * 1024 * 1024 + 17)

/** Collect what the peer receives; resolves with the bytes once `length` arrived. */
function received(peer: net.Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let got = 0
  return new Promise((resolve, reject) => {
    peer.on('data', (c: Buffer) => {
      chunks.push(c)
      got += c.length
      if (got >= length) resolve(Buffer.concat(chunks))
    })
    peer.once('close', () => reject(new Error(`closed after ${got} of ${length} bytes`)))
  })
}

describe('regular-file stdin takes the fast path and keeps the half-close rules', { timeout: 30_000 }, () => {
  for (const role of ['connect', 'listen'] as const satisfies readonly Role[]) {
    it(`${role}: -N sends the file byte-exact, shuts down, prints the reply, exits 0`, async () => {
      const { nc, peer } = await peerSession(role, ['-vv', '-N'], { stdin: data, stdinAsFile: true })
      const eof = once(peer, 'end')
      const hash = hashAll(peer)
      await eof
      expect(await hash).toBe(sha256(data))
      expect(nc.child.exitCode).toBeNull() // -N: still waiting for the peer
      peer.end('reply\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('reply\n')
      expect(await nc.stderr).toMatch(FILE_LINE)
    })

    it(`${role}: -q 0 sends the whole file and exits at once`, async () => {
      const { nc, peer } = await peerSession(role, ['-vv', '-q', '0'], { stdin: data, stdinAsFile: true })
      const hash = hashAll(peer)
      expect(await nc.exit).toBe(0)
      expect(await hash).toBe(sha256(data))
      expect(await nc.stderr).toMatch(FILE_LINE)
    })

    it(`${role}: no flag sends the file, keeps the write side open, exits when the peer closes`, async () => {
      const { nc, peer } = await peerSession(role, ['-vv'], { stdin: data, stdinAsFile: true })
      const got = await received(peer, data.length)
      expect(sha256(got)).toBe(sha256(data))
      expect(await sawEofWithin(peer, 500)).toBe(false)
      expect(nc.child.exitCode).toBeNull()
      peer.end('late\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('late\n')
      expect(await nc.stderr).toMatch(FILE_LINE)
    })
  }

  it('a pipe stdin is named as such (the line tells the pumps apart)', async () => {
    const { nc, peer } = await peerSession('connect', ['-vv', '-N'], { stdin: Buffer.from('piped\n') })
    await waitFor(peer, 'piped\n')
    peer.end()
    expect(await nc.exit).toBe(0)
    const stderr = await nc.stderr
    expect(stderr).not.toMatch(FILE_LINE)
    expect(stderr).toMatch(/fast relay: input is a pipe or socket/)
  })
})

describe('files at both ends over a Unix socket', { timeout: 30_000 }, () => {
  it('nc -lU path > file receives what nc -N -U path < file sends, byte-exact', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nc-unix-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const sock = path.join(dir, 's')
    const listener = spawnNc(['-lvvU', sock], { stdin: 'ignore', stdoutAsFile: true })
    await listener.waitStderr(/Listening on/)
    const sender = spawnNc(['-vv', '-N', '-U', sock], { stdin: data, stdinAsFile: true })
    expect(await sender.exit).toBe(0)
    expect(await listener.exit).toBe(0)
    expect(sha256(await listener.stdout)).toBe(sha256(data))
    expect(await sender.stderr).toMatch(FILE_LINE)
    expect(await listener.stderr).toMatch(FILE_OUTPUT_LINE)
  })
})

const LISTENING = /Listening on \S+ (\d+)/

/** Connect to 127.0.0.1:port as the peer and send all of `data`, then end. */
async function sendData(port: number): Promise<void> {
  const peer = net.connect(port, '127.0.0.1')
  onTestFinished(() => void peer.destroy())
  await once(peer, 'connect')
  peer.end(data)
}

describe('stdout a regular file is written directly', { timeout: 30_000 }, () => {
  it('nc -l port > file: what a peer sends arrives byte-exact, through the file writer', async () => {
    const listener = spawnNc(['-lvv', '127.0.0.1', '0'], { stdin: 'ignore', stdoutAsFile: true })
    await sendData(Number((await listener.waitStderr(LISTENING))[1]))
    expect(await listener.exit).toBe(0)
    expect(sha256(await listener.stdout)).toBe(sha256(data))
    expect(await listener.stderr).toMatch(FILE_OUTPUT_LINE)
  })

  it('nc -l port > /dev/null: takes the file writer too, and counts every byte', async () => {
    const child = spawn(process.execPath, [NC_CLI, '-lvv', '--stats', '127.0.0.1', '0'], { stdio: ['ignore', 'ignore', 'pipe'] })
    onTestFinished(() => void child.kill('SIGKILL'))
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    expect(await waitUntil(() => LISTENING.test(stderr), 10_000)).toBe(true)
    await sendData(Number(LISTENING.exec(stderr)![1]))
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
    expect(stderr).toMatch(FILE_OUTPUT_LINE)
    expect(stderr).toContain(`received ${data.length} bytes`)
  })

  it('stdout a pipe goes through the stream, and says nothing of a file', async () => {
    const listener = spawnNc(['-lvv', '127.0.0.1', '0'], { stdin: 'ignore' })
    await sendData(Number((await listener.waitStderr(LISTENING))[1]))
    expect(await listener.exit).toBe(0)
    expect(sha256(await listener.stdout)).toBe(sha256(data))
    expect(await listener.stderr).not.toMatch(FILE_OUTPUT_LINE)
  })
})
