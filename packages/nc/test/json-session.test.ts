/** --json outside scans: one JSON line on stderr per connect or listen session; stdout keeps the data. */
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { connectTo, spawnListener, spawnNc, tcpServer } from './support/nc.js'

function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('nc --json (connect and listen)', () => {
  it('connect: bytes each way, duration, end reason, both addresses', async () => {
    let clientPort: number | undefined
    const server = await tcpServer((s) => {
      clientPort = s.remotePort
      s.end('hello')
      s.resume()
    })
    const nc = spawnNc(['-N', '--json', '127.0.0.1', String(server.port)], { stdin: Buffer.from('abc') })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('hello')
    const stderr = await nc.stderr
    const lines = jsonLines(stderr)
    expect(lines).toHaveLength(1)
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(JSON.stringify(lines[0]))
    const record = lines[0]!
    expect(record).toMatchObject({ role: 'connect', protocol: 'tcp', sent: 3, received: 5, reason: expect.stringMatching(/^(peer-eof|quit)$/) })
    expect(record.local).toEqual({ address: '127.0.0.1', port: clientPort })
    expect(record.peer).toEqual({ address: '127.0.0.1', port: server.port })
    expect(typeof record.durationMs).toBe('number')
    expect(record.durationMs as number).toBeGreaterThanOrEqual(0)
  })

  it('listen -k: one line per connection', async () => {
    const nc = await spawnListener(['-lkv', '--json', '127.0.0.1', '0'], { stdin: 'ignore' })
    const ports: number[] = []
    for (const text of ['one\n', 'three\n']) {
      const client = await connectTo(nc.port)
      ports.push(client.localPort!)
      client.resume()
      client.end(text)
      await once(client, 'close')
    }
    await nc.waitStderr(/"received":6/)
    nc.child.kill('SIGTERM')
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('one\nthree\n')
    const lines = jsonLines(await nc.stderr)
    expect(lines).toHaveLength(2)
    expect(lines.map((l) => l.received)).toEqual([4, 6])
    expect(lines.map((l) => (l.peer as { port: number }).port)).toEqual(ports)
    for (const l of lines) expect(l).toMatchObject({ role: 'listen', protocol: 'tcp', sent: 0, reason: 'peer-eof', local: { address: '127.0.0.1', port: nc.port } })
  })

  it('--broker: one line per client as it leaves, with what it sent and got', async () => {
    const nc = await spawnListener(['-lv', '--broker', '--json', '127.0.0.1', '0'], { stdin: 'ignore' })
    const talker = await connectTo(nc.port)
    const listener = await connectTo(nc.port)
    listener.resume()
    const [talkerPort, listenerPort] = [talker.localPort, listener.localPort]
    await nc.waitStderr(/joined as <user2>/)
    talker.write('hello\n')
    await new Promise((r) => setTimeout(r, 200))
    talker.end()
    await nc.waitStderr(/"received":6/)
    listener.end()
    await nc.waitStderr(/"sent":6/)
    nc.child.kill('SIGTERM')
    expect(await nc.exit).toBe(0)
    const lines = jsonLines(await nc.stderr)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({ role: 'listen', protocol: 'tcp', sent: 0, received: 6, reason: 'peer-eof', peer: { address: '127.0.0.1', port: talkerPort } })
    expect(lines[1]).toMatchObject({ role: 'listen', protocol: 'tcp', sent: 6, received: 0, reason: 'peer-eof', peer: { address: '127.0.0.1', port: listenerPort } })
  })

  it('without --json: no JSON on stderr', async () => {
    const server = await tcpServer((s) => s.end('hello'))
    const nc = spawnNc(['-N', '127.0.0.1', String(server.port)], { stdin: Buffer.from('abc') })
    expect(await nc.exit).toBe(0)
    expect(jsonLines(await nc.stderr)).toHaveLength(0)
  })
})
