/**
 * The wire gate for proxy credentials, as a property: for arbitrary `--proxy-auth user:pass`,
 * nc either refuses (exit 2, and the proxy sees no credentials) or the scripted loopback proxy
 * receives exactly the one intended field: RFC 1929's user and password for SOCKS5, one
 * `Proxy-Authorization: Basic` line (and nothing else) for HTTP CONNECT.
 */
import net from 'node:net'
import fc from 'fast-check'
import { describe, expect, it, onTestFinished } from 'vitest'
import { spawnNc } from './support/nc.js'

interface Seen {
  /** SOCKS5: the user and password fields; HTTP: the request head's lines. */
  fields: Buffer[][]
}

/** A scripted proxy: records what each client sent in its negotiation, opens the tunnel, closes it. */
async function scriptedProxy(kind: 'socks5' | 'connect'): Promise<{ port: number; seen: Seen }> {
  const seen: Seen = { fields: [] }
  const server = net.createServer((socket) => {
    let buffer = Buffer.alloc(0)
    let stage = 0
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      if (kind === 'connect') {
        const end = buffer.indexOf('\r\n\r\n')
        if (end === -1) return
        seen.fields.push(buffer.subarray(0, end).toString('latin1').split('\r\n').map((l) => Buffer.from(l, 'latin1')))
        socket.end('HTTP/1.0 200 OK\r\n\r\n')
        return
      }
      if (stage === 0 && buffer.length >= 2 && buffer.length >= 2 + buffer[1]!) {
        const methods = buffer.subarray(2, 2 + buffer[1]!)
        buffer = buffer.subarray(2 + buffer[1]!)
        socket.write(Buffer.from([5, methods.includes(2) ? 2 : 0xff]))
        stage = 1
      }
      if (stage === 1 && buffer.length >= 2) {
        const ulen = buffer[1]!
        if (buffer.length < 3 + ulen) return
        const plen = buffer[2 + ulen]!
        if (buffer.length < 3 + ulen + plen) return
        seen.fields.push([Buffer.from(buffer.subarray(2, 2 + ulen)), Buffer.from(buffer.subarray(3 + ulen, 3 + ulen + plen))])
        buffer = buffer.subarray(3 + ulen + plen)
        socket.write(Buffer.from([1, 0]))
        stage = 2
      }
      if (stage === 2 && buffer.length >= 4) {
        socket.end(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 80]))
        stage = 3
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  onTestFinished(() => {
    server.close()
  })
  return { port: (server.address() as net.AddressInfo).port, seen }
}

// Mostly the characters that matter (line breaks, NUL's neighbours, colons, multi-byte text), and long runs.
const char = fc.constantFrom('a', 'Z', '0', ' ', ':', '\r', '\n', '\t', '\x01', '\x7f', 'é', '€', '😀', '\ud800')
const part = fc.oneof(fc.string({ unit: char, maxLength: 12 }), fc.string({ unit: char, minLength: 240, maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 20 }))

/** What nc should put on the wire for `auth`, as argv carries it (UTF-8; an unpaired surrogate becomes U+FFFD). */
function intended(auth: string): { user: Buffer; password: Buffer } {
  const wire = Buffer.from(auth, 'utf8').toString('utf8')
  const colon = wire.indexOf(':')
  return { user: Buffer.from(wire.slice(0, colon), 'utf8'), password: Buffer.from(wire.slice(colon + 1), 'utf8') }
}

describe.each([['socks5', '5'], ['connect', 'connect']] as const)('proxy credentials through the wire gate: %s', (kind, flag) => {
  it('are refused (exit 2) or arrive as exactly the intended field', async () => {
    const proxy = await scriptedProxy(kind)
    let refused = 0
    let passed = 0
    await fc.assert(
      fc.asyncProperty(part, part, async (user, password) => {
        const auth = `${user}:${password}`
        // argv cannot carry NUL: such a value never reaches nc.
        fc.pre(!auth.includes('\0'))
        proxy.seen.fields.length = 0
        const nc = spawnNc(['-d', '-X', flag, '-x', `127.0.0.1:${proxy.port}`, `--proxy-auth=${auth}`, '127.0.0.1', '80'], { stdin: 'ignore' })
        const code = await nc.exit
        const stderr = await nc.stderr
        if (code === 2) {
          refused++
          expect(stderr.split('\n').filter(Boolean)).toHaveLength(1)
          expect(proxy.seen.fields).toEqual([])
          return
        }
        passed++
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
        expect(proxy.seen.fields).toHaveLength(1)
        const want = intended(auth)
        if (kind === 'socks5') {
          expect(proxy.seen.fields[0]).toEqual([want.user, want.password])
        } else {
          const basic = `Proxy-Authorization: Basic ${Buffer.concat([want.user, Buffer.from(':'), want.password]).toString('base64')}`
          expect(proxy.seen.fields[0]!.map((l) => l.toString('latin1'))).toEqual(['CONNECT 127.0.0.1:80 HTTP/1.0', 'Host: 127.0.0.1:80', basic])
        }
      }),
      { numRuns: 40, endOnFailure: true },
    )
    // Both outcomes happened: the property was not satisfied by refusing everything.
    expect(refused).toBeGreaterThan(0)
    expect(passed).toBeGreaterThan(0)
  }, 120_000)
})

describe('exec children: the environment nc writes goes through the wire gate', () => {
  it('passes the endpoints as they are and refuses a value the environment cannot carry', async () => {
    const { execEnvironment } = await import('../src/features/exec.js')
    const env = execEnvironment({ protocol: 'tcp', remoteAddress: '127.0.0.1', remotePort: 4000, localAddress: '127.0.0.1', localPort: 5000 }, {})
    expect(env).toMatchObject({ NETKIT_PROTO: 'TCP', NETKIT_REMOTE_ADDR: '127.0.0.1', NETKIT_REMOTE_PORT: '4000', NETKIT_LOCAL_ADDR: '127.0.0.1', NETKIT_LOCAL_PORT: '5000' })
    expect(env.NCAT_REMOTE_ADDR).toBe('127.0.0.1')
    expect(() => execEnvironment({ protocol: 'tcp', remoteAddress: 'a\0b' }, {})).toThrow(/value of NETKIT_REMOTE_ADDR contains NUL/)
  })
})
