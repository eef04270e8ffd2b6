/**
 * The half-close matrix, one test per cell: {-N, -q, neither} x {stdin EOF first, peer EOF
 * first} x {connect, listen}. The peer is a plain `net` socket in the test.
 *
 * - -N, stdin EOF first: the peer sees EOF while nc still runs; nc prints the reply and exits 0 when the peer closes.
 * - -q, stdin EOF first: the peer sees EOF (Debian nc shuts down too); nc reads on and exits 0 about q secs after stdin EOF.
 * - neither, stdin EOF first: the peer sees no EOF; nc keeps reading until the peer closes, then exits 0.
 * - any, peer EOF first: nc writes what the peer sent and exits 0 although stdin is still open.
 *
 * Each cell runs on both byte-moving transports of the session engine: the reusable-buffer one
 * (a plain session) and the stream one (taps; `-o /dev/null` selects it without changing bytes).
 */
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { peerSession, sawEofWithin, waitFor, type Role } from './support/nc.js'

const cases = (['buffer', 'stream'] as const).flatMap((transport) => (['connect', 'listen'] as const).map((role) => ({ transport, role })))

for (const { transport, role } of cases) {
  // The stream transport (taps) is chosen by -o; /dev/null keeps the bytes as they are.
  const session = (r: Role, flags: string[]) => peerSession(r, transport === 'stream' ? [...flags, '-o', '/dev/null'] : flags)
  describe(`half-close matrix, ${role} mode, ${transport} transport`, () => {
    it('-N, stdin EOF first: shuts down the write side, exits when the peer closes', async () => {
      const { nc, peer } = await session(role, ['-N'])
      peer.resume()
      const got = waitFor(peer, 'ping\n')
      const eof = once(peer, 'end')
      nc.child.stdin!.end('ping\n')
      await got
      await eof // the peer saw EOF while nc is still running
      expect(nc.child.exitCode).toBeNull()
      peer.end('pong\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('pong\n')
    })

    it('-N, peer EOF first: prints what the peer sent and exits though stdin is open', async () => {
      const { nc, peer } = await session(role, ['-N'])
      nc.child.stdin!.write('hello\n')
      await waitFor(peer, 'hello\n')
      peer.end('bye\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('bye\n')
      expect(nc.child.stdin!.writableEnded).toBe(false)
    })

    it('-q 1, stdin EOF first: shuts down at once (as Debian nc), exits about 1 s after stdin EOF', async () => {
      const { nc, peer } = await session(role, ['-q', '1'])
      const got = waitFor(peer, 'ping\n')
      const eof = once(peer, 'end')
      const eofAt = performance.now()
      nc.child.stdin!.end('ping\n')
      await got
      await eof
      expect(nc.child.exitCode).toBeNull() // the peer saw EOF while nc still runs
      peer.write('still heard\n') // nc keeps reading until it quits
      expect(await nc.exit).toBe(0)
      expect(performance.now() - eofAt).toBeGreaterThanOrEqual(900)
      expect((await nc.stdout).toString()).toBe('still heard\n')
    })

    it('-q 0, stdin EOF first: exits at once, the data still delivered', async () => {
      const { nc, peer } = await session(role, ['-q', '0'])
      const got = waitFor(peer, 'ping\n')
      const closed = once(peer, 'end')
      nc.child.stdin!.end('ping\n')
      expect(await nc.exit).toBe(0)
      await got
      await closed
    })

    it('-q 5, peer EOF first: exits when the peer closes, not after 5 s', async () => {
      const { nc, peer } = await session(role, ['-q', '5'])
      nc.child.stdin!.write('hello\n')
      await waitFor(peer, 'hello\n')
      const closedAt = performance.now()
      peer.end('bye\n')
      expect(await nc.exit).toBe(0)
      expect(performance.now() - closedAt).toBeLessThan(4500)
      expect((await nc.stdout).toString()).toBe('bye\n')
    })

    it('neither, stdin EOF first: keeps the write side open and reads until the peer closes', async () => {
      const { nc, peer } = await session(role, [])
      const got = waitFor(peer, 'ping\n')
      nc.child.stdin!.end('ping\n')
      await got
      expect(await sawEofWithin(peer, 700)).toBe(false) // no shutdown without -N
      expect(nc.child.exitCode).toBeNull() // still reading
      peer.end('late reply\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('late reply\n')
    })

    it('-q -1 (Debian: wait forever) is the same as neither', async () => {
      const { nc, peer } = await session(role, ['-q', '-1'])
      const got = waitFor(peer, 'ping\n')
      nc.child.stdin!.end('ping\n')
      await got
      expect(await sawEofWithin(peer, 700)).toBe(false)
      peer.end('done\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('done\n')
    })

    it('neither, peer EOF first: prints what the peer sent and exits though stdin is open', async () => {
      const { nc, peer } = await session(role, [])
      nc.child.stdin!.write('hello\n')
      await waitFor(peer, 'hello\n')
      peer.end('bye\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('bye\n')
    })

    it('-d: does not read stdin, exits when the peer closes', async () => {
      const { nc, peer } = await session(role, ['-d'])
      nc.child.stdin!.write('must not be sent\n')
      let received = ''
      peer.on('data', (c: Buffer) => (received += c.toString()))
      await new Promise((r) => setTimeout(r, 300))
      peer.end('only this\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('only this\n')
      expect(received).toBe('')
    })
  })
}
