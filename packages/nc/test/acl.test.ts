import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createAccessControl, splitEntries } from '../src/features/acl.js'

function tempFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nc-acl-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'list')
  writeFileSync(path, text)
  return path
}

describe('access control', () => {
  it('admits everyone without rules', async () => {
    const acl = await createAccessControl()
    expect(acl.active).toBe(false)
    expect(acl.admits('203.0.113.9')).toBe(true)
  })

  it('allows only listed addresses and CIDR ranges, IPv4 and IPv6', async () => {
    const acl = await createAccessControl({ allow: ['127.0.0.1,10.0.0.0/8', '2001:db8::/32', '[::1]'] })
    expect(acl.active).toBe(true)
    expect(acl.admits('127.0.0.1')).toBe(true)
    expect(acl.admits('127.0.0.2')).toBe(false)
    expect(acl.admits('10.255.0.1')).toBe(true)
    expect(acl.admits('11.0.0.1')).toBe(false)
    expect(acl.admits('2001:db8:1::5')).toBe(true)
    expect(acl.admits('2001:db9::5')).toBe(false)
    expect(acl.admits('::1')).toBe(true)
    expect(acl.admits('0:0:0:0:0:0:0:1')).toBe(true)
    expect(acl.admits('fe80::1%lo')).toBe(false)
  })

  it('matches IPv4 rules against IPv4-mapped IPv6 peers, both spellings', async () => {
    const acl = await createAccessControl({ allow: ['10.0.0.0/8'] })
    expect(acl.admits('::ffff:10.1.2.3')).toBe(true)
    expect(acl.admits('::ffff:a01:203')).toBe(true)
    expect(acl.admits('::ffff:11.1.2.3')).toBe(false)
    const deny = await createAccessControl({ deny: ['::ffff:127.0.0.1'] })
    expect(deny.admits('127.0.0.1')).toBe(false)
  })

  it('lets deny win over allow, and denies only what is listed when alone', async () => {
    const acl = await createAccessControl({ allow: ['10.0.0.0/8'], deny: ['10.0.0.5', '10.1.0.0/16'] })
    expect(acl.admits('10.0.0.4')).toBe(true)
    expect(acl.admits('10.0.0.5')).toBe(false)
    expect(acl.admits('10.1.2.3')).toBe(false)
    const only = await createAccessControl({ deny: ['::1'] })
    expect(only.admits('::1')).toBe(false)
    expect(only.admits('127.0.0.1')).toBe(true)
  })

  it('takes address ranges', async () => {
    const acl = await createAccessControl({ allow: ['192.0.2.10-192.0.2.20'] })
    expect(acl.admits('192.0.2.15')).toBe(true)
    expect(acl.admits('192.0.2.21')).toBe(false)
  })

  it('reads allow and deny files with comments and blank lines', async () => {
    const allowFile = tempFile('# trusted\n127.0.0.0/8\n\n::1   # loopback v6\n')
    const denyFile = tempFile('127.0.0.3\n')
    const acl = await createAccessControl({ allowFiles: [allowFile], denyFiles: [denyFile] })
    expect(acl.admits('127.0.0.2')).toBe(true)
    expect(acl.admits('127.0.0.3')).toBe(false)
    expect(acl.admits('::1')).toBe(true)
    expect(acl.admits('192.0.2.1')).toBe(false)
  })

  it('admits nobody with an empty allow file, and judges Unix peers by the allow list', async () => {
    const acl = await createAccessControl({ allowFiles: [tempFile('# nobody\n')] })
    expect(acl.admits('127.0.0.1')).toBe(false)
    expect(acl.admits(undefined)).toBe(false)
    expect((await createAccessControl({ deny: ['10.0.0.1'] })).admits(undefined)).toBe(true)
  })

  it('resolves host names once, and refuses them with name lookups off', async () => {
    const acl = await createAccessControl({ allow: ['localhost'] })
    expect(acl.admits('127.0.0.1')).toBe(true)
    await expect(createAccessControl({ allow: ['localhost'], resolveNames: false })).rejects.toThrow(/name lookups are off/)
  })

  it.each([
    ['10.0.0.0/33', /invalid address range in --allow: "10.0.0.0\/33"/],
    ['::/129', /invalid address range/],
    ['10.0.0.0/x', /invalid address range/],
    ['10.0.0.9-10.0.0.1', /start is above end/],
    ['10.0.0.1-::1', /invalid address range/],
    ['bad_name!', /invalid address in --allow/],
  ])('rejects %s with a usage error', async (entry, message) => {
    await expect(createAccessControl({ allow: [entry] })).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) })
  })

  it('reports a missing file as a usage error', async () => {
    await expect(createAccessControl({ denyFiles: ['/nonexistent/deny.txt'] })).rejects.toMatchObject({
      exitCode: 2,
      message: 'cannot read --denyfile file /nonexistent/deny.txt: no such file',
    })
  })

  it('splits entries on commas, whitespace and lines', () => {
    expect(splitEntries('a,b c\n# x\nd # e\n')).toEqual(['a', 'b', 'c', 'd'])
  })
})
