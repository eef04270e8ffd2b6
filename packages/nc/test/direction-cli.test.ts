/**
 * Direction options, cells of the EOF matrix, in both roles:
 * - --send-only: received bytes are discarded; at stdin EOF nc closes (the peer sees EOF) and exits 0.
 * - --recv-only: stdin is never read or sent; the peer's bytes are printed; nc exits when the peer closes.
 * - --no-shutdown: overrides -N: at stdin EOF the peer sees no EOF; nc exits when the peer closes.
 * - --idle-timeout: a connection without traffic either way for that long is closed, exit 0.
 */
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { peerSession as session, readAll, sawEofWithin, spawnNc, waitFor, type Role } from './support/nc.js'

for (const role of ['connect', 'listen'] as const) {
  describe(`direction options, ${role} mode`, () => {
    it('--send-only: sends stdin, discards what arrives, closes at stdin EOF', async () => {
      const { nc, peer } = await session(role, ['--send-only'])
      const received = readAll(peer)
      peer.write('ignored by nc\n')
      nc.child.stdin!.end('payload\n')
      expect((await received).toString()).toBe('payload\n') // and the peer saw EOF
      expect(await nc.exit).toBe(0)
      expect(await nc.stdout).toEqual(Buffer.alloc(0))
    })

    it('--send-only, peer EOF first: nc exits though stdin is open', async () => {
      const { nc, peer } = await session(role, ['--send-only'])
      peer.resume()
      nc.child.stdin!.write('partial\n')
      await waitFor(peer, 'partial\n')
      peer.end('bye\n')
      expect(await nc.exit).toBe(0)
      expect(await nc.stdout).toEqual(Buffer.alloc(0))
    })

    it('--recv-only: prints what arrives, never sends stdin, exits when the peer closes', async () => {
      const { nc, peer } = await session(role, ['--recv-only'])
      const got: Buffer[] = []
      peer.on('data', (c: Buffer) => got.push(c))
      nc.child.stdin!.end('must not be sent\n')
      expect(await sawEofWithin(peer, 500)).toBe(false)
      peer.end('news\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('news\n')
      expect(Buffer.concat(got).toString()).toBe('')
    })

    it('--no-shutdown overrides -N: stdin EOF does not half-close; the peer closing ends nc', async () => {
      const { nc, peer } = await session(role, ['-N', '--no-shutdown'])
      const sent = waitFor(peer, 'data\n')
      nc.child.stdin!.end('data\n')
      await sent
      expect(await sawEofWithin(peer, 700)).toBe(false)
      expect(nc.child.exitCode).toBeNull()
      peer.end('reply\n')
      expect(await nc.exit).toBe(0)
      expect((await nc.stdout).toString()).toBe('reply\n')
    })

    it('--idle-timeout closes a silent connection', async () => {
      const { nc, peer } = await session(role, ['--idle-timeout', '400ms'])
      peer.resume()
      peer.write('one\n')
      const closed = once(peer, 'end')
      expect(await nc.exit).toBe(0)
      await closed
      expect((await nc.stdout).toString()).toBe('one\n')
    })
  })
}

describe('direction usage errors', () => {
  it.each([
    [['--send-only', '--recv-only', '127.0.0.1', '1'], 'cannot use --send-only and --recv-only together'],
    [['-l', '--send-only', '-c', 'cat', '0'], '--send-only/--recv-only apply to the stdin/stdout relay, not to -e/-c, --broker or --chat'],
    [['--idle-timeout', 'soon', '127.0.0.1', '1'], expect.stringMatching(/^invalid --idle-timeout/)],
  ])('nc %j', async (args, message) => {
    const nc = spawnNc(args, { stdin: 'ignore' })
    expect(await nc.exit).toBe(2)
    const stderr = await nc.stderr
    expect(stderr.slice(4, -" (see 'nc --help')\n".length)).toEqual(message)
  })
})
