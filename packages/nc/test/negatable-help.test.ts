/**
 * Every boolean option whose --help mentions a `--no-` form: what the help says each spelling
 * does is what it does. The help is read from the built CLI, the behaviour seen by a real peer.
 */
import { describe, expect, it } from 'vitest'
import { NC_CLI, peerSession, sawEofWithin } from './support/nc.js'
import { execFileSync } from 'node:child_process'

/** The help line of `--name` (yargs may wrap it: continuation lines are joined). */
function helpOf(help: string, name: string): string {
  const lines = help.split('\n')
  const at = lines.findIndex((l) => new RegExp(`^\\s+--${name}\\b`).test(l))
  if (at === -1) return ''
  let text = lines[at]!
  for (let i = at + 1; i < lines.length && /^\s{20,}\S/.test(lines[i]!) && !/^\s+-/.test(lines[i]!); i++) text += ` ${lines[i]!.trim()}`
  return text.replace(/\s+/g, ' ')
}

/** Whether the peer saw nc half-close after nc's stdin ended ('a\n' then EOF). */
async function halfClosesOnEof(flags: string[]): Promise<boolean> {
  const { nc, peer } = await peerSession('connect', flags)
  peer.resume()
  nc.child.stdin!.end('a\n')
  const eof = await sawEofWithin(peer, 1500)
  peer.destroy()
  await nc.exit
  return eof
}

interface Claim {
  /** What the help must say, for `--name` and for `--no-name`. */
  helpSays: { on: RegExp; off: RegExp }
  /** The behaviour the help describes, measured with the flags given. */
  probe: (flags: string[]) => Promise<boolean>
  /** What `probe` gives for `--name` (and the opposite for `--no-name`), overriding `base`. */
  on: boolean
  /** Flags that set the opposite default, so each spelling has something to override. */
  base: { on: string[]; off: string[] }
}

const CLAIMS: Record<string, Claim> = {
  shutdown: {
    helpSays: { on: /Half-close the socket on stdin EOF/, off: /--no-shutdown: never half-close \(overrides -N\)/ },
    probe: halfClosesOnEof,
    on: true,
    base: { on: [], off: ['-N'] },
  },
}

describe('boolean options with a --no- form: help text against behaviour', () => {
  const help = execFileSync(process.execPath, [NC_CLI, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } })
  const negatable = [...help.matchAll(/--no-([a-z][a-z-]*)/g)].map((m) => m[1]!)
  it('every --no- form in --help has a claim checked here', () => {
    expect(negatable.length).toBeGreaterThan(0)
    for (const name of negatable) expect(Object.keys(CLAIMS)).toContain(name)
  })
  it.each(Object.entries(CLAIMS))('--%s', async (name, claim) => {
    const text = helpOf(help, name)
    expect(text).toMatch(claim.helpSays.on)
    expect(text).toMatch(claim.helpSays.off)
    expect(await claim.probe([...claim.base.on, `--${name}`])).toBe(claim.on)
    expect(await claim.probe([...claim.base.off, `--no-${name}`])).toBe(!claim.on)
  })
})
