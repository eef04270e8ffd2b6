/**
 * `nc -lU PATH` where PATH already holds something that is not a socket: one line saying what is
 * there, exit 1, and the thing left exactly as it was (OpenBSD nc unlinks whatever is there).
 */
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { tempDir } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { spawnNc } from './support/nc.js'

type Kind = 'regular file' | 'directory' | 'symbolic link'

function make(dir: string, kind: Kind): string {
  const target = path.join(dir, 'target.txt')
  writeFileSync(target, 'precious\n')
  const at = path.join(dir, 'sock')
  if (kind === 'regular file') writeFileSync(at, 'precious\n')
  else if (kind === 'directory') mkdirSync(at)
  else symlinkSync(target, at)
  return at
}

describe('nc -lU on a path that is not a socket', () => {
  it.each<Kind>(['regular file', 'directory', 'symbolic link'])('%s: says what is there, exits 1, leaves it alone', async (kind) => {
    const dir = tempDir('nc-unix-')
    const at = make(dir, kind)
    const before = lstatSync(at)
    const nc = spawnNc(['-lU', at], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe(`nc: ${at}: is a ${kind}, not a socket\n`)
    const after = lstatSync(at)
    expect(after.ino).toBe(before.ino)
    expect(after.mode).toBe(before.mode)
    if (kind === 'regular file') expect(readFileSync(at, 'utf8')).toBe('precious\n')
    if (kind === 'symbolic link') expect(readlinkSync(at)).toBe(path.join(dir, 'target.txt'))
  })

  it('a missing directory: OpenBSD\'s "No such file or directory", exit 1', async () => {
    const dir = tempDir('nc-unix-')
    const at = path.join(dir, 'missing', 'sock')
    const nc = spawnNc(['-lU', at], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe(`nc: ${at}: No such file or directory\n`)
  })
})
