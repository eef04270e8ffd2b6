/**
 * A plain session loads only what it uses: every builtin a start-up imports costs each
 * `nc host port` in a shell loop milliseconds (node:crypto alone about 4), so the chunks on the
 * quick path must not import the modules only TLS, exec, UDP, proxies or the yargs parser need.
 */
import { freePort, traceLoads } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { NC_CLI, tcpServer } from './support/nc.js'

const NOT_FOR_A_PLAIN_SESSION = ['node:crypto', 'node:tls', 'node:dgram', 'node:zlib', 'node:child_process', 'node:dns/promises', 'node:perf_hooks']

describe('start-up imports', () => {
  it('a plain connect session loads none of the builtins only the extras need, and no yargs', async () => {
    const { port } = await tcpServer((s) => s.pipe(s))
    const run = await traceLoads(NC_CLI, ['-N', '127.0.0.1', String(port)], { stdin: Buffer.from('hi\n') })
    expect(run.code).toBe(0)
    expect(run.urls).toContain('node:net')
    expect(run.urls.filter((u) => NOT_FOR_A_PLAIN_SESSION.includes(u))).toEqual([])
    expect(run.urls.filter((u) => /yargs/.test(u))).toEqual([])
  })

  it('a TCP port scan of an address (nc -z) loads neither node:dgram nor the resolver; -u does load dgram', async () => {
    const { port } = await tcpServer((s) => s.end())
    const tcp = await traceLoads(NC_CLI, ['-z', '127.0.0.1', String(port)], { stdin: Buffer.alloc(0) })
    expect(tcp.code).toBe(0)
    expect(tcp.urls.filter((u) => NOT_FOR_A_PLAIN_SESSION.includes(u))).toEqual([])
    const udp = await traceLoads(NC_CLI, ['-zu', '-w', '1', '127.0.0.1', String(port)], { stdin: Buffer.alloc(0) })
    expect(udp.urls).toContain('node:dgram')
  })

  it('an --ssl session does load node:tls (the hook sees builtins); the port is closed, so it exits 1', async () => {
    const run = await traceLoads(NC_CLI, ['--ssl', '127.0.0.1', String(await freePort())], { stdin: Buffer.alloc(0) })
    expect(run.code).toBe(1)
    expect(run.urls).toContain('node:tls')
  })
})
