/** --allow / --deny / --allowfile / --denyfile from the built CLI, over IPv4, IPv6 and dual-stack. */
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { spawnListener, spawnNc, type Spawned } from './support/nc.js'

/**
 * Connect from `local` to `host:port` and send `text`; 'refused' when nc closes us at once,
 * 'served' when nc logs (-v) that it received this very connection.
 */
async function attempt(nc: Spawned, host: string, port: number, text: string, local?: string): Promise<'served' | 'refused'> {
  const socket = net.connect({ host, port, localAddress: local })
  onTestFinished(() => {
    socket.destroy()
  })
  await once(socket, 'connect')
  socket.on('error', () => {})
  socket.write(text)
  const me = new RegExp(`Connection received on \\S+ ${socket.localPort}\\n`)
  const outcome = await Promise.race([
    new Promise<'refused'>((resolve) => socket.once('close', () => resolve('refused'))),
    // A refused peer never shows up on stderr: that wait then just never settles.
    nc.waitStderr(me).then(
      () => 'served' as const,
      () => new Promise<never>(() => {}),
    ),
  ])
  if (outcome === 'served') {
    socket.end()
    if (!socket.destroyed) await once(socket, 'close')
  }
  return outcome
}

describe('nc --allow / --deny', () => {
  it('allows listed IPv4 addresses on a dual-stack listener (IPv4-mapped peers) and refuses IPv6 ones', async () => {
    const nc = await spawnListener(['-lkv', '--allow', '127.0.0.1', '::', '0'], { stdin: 'ignore' })
    expect(await attempt(nc, '127.0.0.1', nc.port, 'v4 ok\n')).toBe('served')
    expect(await attempt(nc, '::1', nc.port, 'v6 no\n')).toBe('refused')
    await nc.waitStderr(/Connection from \[::1\]:\d+ denied by --allow\/--deny/)
    nc.child.kill('SIGTERM')
    await nc.exit
    expect((await nc.stdout).toString()).toBe('v4 ok\n')
    expect(nc.stderrSoFar()).toMatch(/Connection received on ::ffff:127\.0\.0\.1 \d+/)
    expect(nc.stderrSoFar()).not.toMatch(/Connection received on ::1 /)
  })

  it('denies an IPv6 address and an IPv4 CIDR, serving the rest', async () => {
    const nc = await spawnListener(['-lkv', '--deny', '::1,127.0.0.2/31', '::', '0'], { stdin: 'ignore' })
    expect(await attempt(nc, '::1', nc.port, 'a\n')).toBe('refused')
    expect(await attempt(nc, '127.0.0.1', nc.port, 'b\n')).toBe('served')
    expect(await attempt(nc, '127.0.0.1', nc.port, 'c\n', '127.0.0.3')).toBe('refused')
    expect(await attempt(nc, '127.0.0.1', nc.port, 'd\n', '127.0.0.4')).toBe('served')
    nc.child.kill('SIGTERM')
    await nc.exit
    expect((await nc.stdout).toString()).toBe('b\nd\n')
  })

  it('reads --allowfile and --denyfile; deny wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nc-acl-cli-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'allow'), '# loopback\n127.0.0.0/8\n::1\n')
    writeFileSync(join(dir, 'deny'), '127.0.0.9\n')
    const nc = await spawnListener(['-lkv', '--allowfile', join(dir, 'allow'), '--denyfile', join(dir, 'deny'), '127.0.0.1', '0'], { stdin: 'ignore' })
    expect(await attempt(nc, '127.0.0.1', nc.port, 'x\n', '127.0.0.8')).toBe('served')
    expect(await attempt(nc, '127.0.0.1', nc.port, 'y\n', '127.0.0.9')).toBe('refused')
    nc.child.kill('SIGTERM')
    await nc.exit
    expect((await nc.stdout).toString()).toBe('x\n')
  })

  it('without -k, a refused peer does not use up the one connection', async () => {
    const nc = await spawnListener(['-lv', '--allow', '127.0.0.1', '127.0.0.1', '0'], { stdin: 'ignore' })
    expect(await attempt(nc, '127.0.0.1', nc.port, 'nope\n', '127.0.0.5')).toBe('refused')
    const socket = net.connect({ host: '127.0.0.1', port: nc.port })
    await once(socket, 'connect')
    socket.end('welcome\n')
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('welcome\n')
  })

  it.each([
    [['-l', '--allow', '10.0.0.0/40', '0'], 'invalid address range in --allow: "10.0.0.0/40" (expected CIDR such as 10.0.0.0/8 or 2001:db8::/32)'],
    [['--allow', '127.0.0.1', '127.0.0.1', '1'], '--allow/--deny need -l'],
    [['-l', '--denyfile', '/nonexistent/deny', '0'], 'cannot read --denyfile file /nonexistent/deny: no such file'],
    [['-ln', '--allow', 'localhost', '0'], 'host name in --allow but name lookups are off (-n): localhost'],
  ])('usage error: nc %j', async (args, message) => {
    const nc = spawnNc(args, { stdin: 'ignore' })
    expect(await nc.exit).toBe(2)
    expect(await nc.stderr).toBe(`nc: ${message} (see 'nc --help')\n`)
  })
})
