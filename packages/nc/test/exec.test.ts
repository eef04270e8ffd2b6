import { once } from 'node:events'
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import * as net from 'node:net'
import { readAll } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { execEnvironment, execSession, findProgram, parseExecCommand, splitCommand, type ExecSessionResult } from '../src/features/exec.js'

/** A loopback pair: `server` is our side handed to execSession, `client` plays the peer. */
async function pair(): Promise<{ server: net.Socket; client: net.Socket; listener: net.Server }> {
  const listener = net.createServer({ pauseOnConnect: true })
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => listener.close(() => resolve())))
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>
  const client = net.connect({ port: (listener.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true })
  const [server] = await accepted
  onTestFinished(() => {
    client.destroy()
    server.destroy()
  })
  return { server, client, listener }
}

/** Alive and not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return !/^State:\s+Z/m.test(status)
  } catch {
    return false
  }
}

const endpoints = { remoteAddress: '127.0.0.1', remotePort: 5555, localAddress: '127.0.0.1', localPort: 6666, protocol: 'tcp' as const }

describe('exec command parsing', () => {
  it('splits words like a shell without expanding anything', () => {
    expect(splitCommand(`prog -a 'two words' "x \\"y\\" $HOME" back\\ slash ''`)).toEqual(['prog', '-a', 'two words', 'x "y" $HOME', 'back slash', ''])
    expect(() => splitCommand(`prog 'open`)).toThrow('unterminated quote')
  })

  it('finds programs on PATH and rejects missing ones as usage errors', () => {
    expect(findProgram('sh')).toMatch(/\/sh$/)
    expect(parseExecCommand('cat -u', undefined)).toEqual({ file: findProgram('cat'), args: ['-u'], display: 'cat -u' })
    expect(parseExecCommand(undefined, 'echo $HOME')).toEqual({ file: '/bin/sh', args: ['-c', 'echo $HOME'], display: 'echo $HOME' })
    expect(() => parseExecCommand('no-such-program-xyz', undefined)).toThrow(expect.objectContaining({ exitCode: 2, message: '-e: no-such-program-xyz: no such executable program' }))
    expect(() => parseExecCommand('cat', 'cat')).toThrow('cannot use -e and -c together')
    expect(() => parseExecCommand('  ', undefined)).toThrow('-e needs a program')
  })

  it('exports the connection as NETKIT_* variables, and as ncat\'s NCAT_* ones', () => {
    const env = execEnvironment(endpoints, { PATH: '/bin' })
    const values = { PROTO: 'TCP', REMOTE_ADDR: '127.0.0.1', REMOTE_PORT: '5555', LOCAL_ADDR: '127.0.0.1', LOCAL_PORT: '6666' }
    const named = (prefix: string) => Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}_${k}`, v]))
    expect(env).toEqual({ PATH: '/bin', ...named('NETKIT'), ...named('NCAT') })
  })
})

describe('execSession', () => {
  it('connects the child to the socket, binary-safe, and passes the environment', async () => {
    const { server, client } = await pair()
    const command = parseExecCommand(undefined, 'printf "%s %s %s\\n" "$NETKIT_REMOTE_ADDR" "$NETKIT_REMOTE_PORT" "$NETKIT_PROTO"; exec cat')!
    const session = execSession(server, command, endpoints)
    const reply = readAll(client)
    const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff))
    client.end(payload)
    const data = await reply
    expect(data.subarray(0, 19).toString()).toBe('127.0.0.1 5555 TCP\n')
    expect(data.subarray(19)).toEqual(payload)
    const result = await session
    expect(result).toMatchObject({ sent: 19 + payload.length, received: payload.length, reason: 'peer-eof', exit: 0 })
  })

  it('lets the child answer after the peer half-closes (sort)', async () => {
    const { server, client } = await pair()
    const session = execSession(server, parseExecCommand('sort', undefined)!, endpoints)
    const reply = readAll(client)
    client.end('pear\napple\nfig\n')
    expect((await reply).toString()).toBe('apple\nfig\npear\n')
    expect((await session).exit).toBe(0)
  })

  it('closes the connection when the child exits, even if the peer stays', async () => {
    const { server, client } = await pair()
    const session = execSession(server, parseExecCommand(undefined, 'echo bye')!, endpoints)
    expect((await readAll(client)).toString()).toBe('bye\n')
    expect((await session).reason).toBe('peer-eof')
    expect(server.destroyed).toBe(true)
  })

  it('kills the child when the connection is reset', async () => {
    const { server, client } = await pair()
    let pid = 0
    const session = execSession(server, parseExecCommand('sleep 60', undefined)!, endpoints, { onSpawn: (p) => (pid = p) })
    const deadline = Date.now() + 5000
    while (pid === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(processAlive(pid)).toBe(true)
    client.resetAndDestroy()
    const result: ExecSessionResult = await session
    expect(result.exit).toBe('SIGTERM')
    expect(processAlive(pid)).toBe(false)
  })

  it('escalates to SIGKILL for a child that ignores SIGTERM, on abort', async () => {
    const { server } = await pair()
    const controller = new AbortController()
    let pid = 0
    const session = execSession(server, parseExecCommand(undefined, "trap '' TERM; echo ready; while :; do sleep 1; done")!, endpoints, {
      signal: controller.signal,
      onSpawn: (p) => (pid = p),
      killGraceMs: 300,
    })
    const deadline = Date.now() + 5000
    while (pid === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 200)) // let the shell install its trap
    controller.abort()
    const result = await session
    expect(result.reason).toBe('aborted')
    expect(result.exit).toBe('SIGKILL')
    expect(processAlive(pid)).toBe(false)
  })

  it('ends an idle session', async () => {
    const { server, client } = await pair()
    const session = execSession(server, parseExecCommand('cat', undefined)!, endpoints, { idleTimeoutMs: 300 })
    client.resume()
    expect((await session).reason).toBe('idle')
  })

  it('gives the child no descriptor but its stdio: not the listening socket', async () => {
    const { server, client, listener } = await pair()
    // The listening socket's inode, from our own descriptor table.
    const port = (listener.address() as net.AddressInfo).port
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
    const table = readFileSync('/proc/net/tcp', 'utf8').split('\n')
    const row = table.find((l) => l.split(/\s+/)[2]?.endsWith(`:${hexPort}`) && l.split(/\s+/)[4] === '0A')
    const inode = row!.trim().split(/\s+/)[9]!
    expect(readdirSync('/proc/self/fd').some((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`) === `socket:[${inode}]` } catch { return false } })).toBe(true)
    const session = execSession(server, parseExecCommand(undefined, 'for f in /proc/$$/fd/*; do readlink "$f"; done')!, endpoints)
    const listing = (await readAll(client)).toString()
    await session
    expect(listing).toMatch(/socket:\[\d+\]/) // stdin/stdout are socketpairs from Node
    expect(listing).not.toContain(`socket:[${inode}]`)
    expect(listing.trim().split('\n').length).toBeLessThanOrEqual(5)
  })
})
