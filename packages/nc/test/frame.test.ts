/** --frame: stdin lines go out as frames, received frames come out as lines (with @netkit/framing). */
import { codecFor, type FrameFormat } from '@netkit/framing'
import { describe, expect, it } from 'vitest'
import { spawnNc, tcpServer } from './support/nc.js'

/** A server speaking `format`: answers each frame with `echo: <payload>`, records the raw bytes. */
async function frameEcho(format: FrameFormat) {
  const codec = codecFor(format)
  const raw: Buffer[] = []
  const { port } = await tcpServer((s) => {
    const decoder = codec.createDecoder()
    s.on('data', (chunk: Buffer) => {
      raw.push(chunk)
      for (const frame of decoder.push(chunk)) s.write(codec.encode(Buffer.concat([Buffer.from('echo: '), frame])))
    })
    s.on('end', () => s.end())
  })
  return { port, raw: () => Buffer.concat(raw) }
}

describe('--frame', () => {
  it('lp32: each stdin line is one 4-byte-prefixed frame; each reply frame one line', async () => {
    const server = await frameEcho('lp32')
    const nc = spawnNc(['--frame', 'lp32', '-N', '127.0.0.1', String(server.port)], { stdin: Buffer.from('hello\nworld\r\nlast') })
    expect(await nc.exit).toBe(0)
    expect(server.raw()).toEqual(Buffer.from('\x00\x00\x00\x05hello\x00\x00\x00\x05world\x00\x00\x00\x04last', 'latin1'))
    expect((await nc.stdout).toString()).toBe('echo: hello\necho: world\necho: last\n')
  })

  it('varint: frames carry a varint length', async () => {
    const server = await frameEcho('varint')
    const line = 'x'.repeat(200)
    const nc = spawnNc(['--frame', 'varint', '-N', '127.0.0.1', String(server.port)], { stdin: Buffer.from(`${line}\n`) })
    expect(await nc.exit).toBe(0)
    expect(server.raw()).toEqual(Buffer.concat([Buffer.from([0xc8, 0x01]), Buffer.from(line)]))
    expect((await nc.stdout).toString()).toBe(`echo: ${line}\n`)
  })

  it('a peer that closes inside a frame is one line, exit 1', async () => {
    const { port } = await tcpServer((s) => s.end(Buffer.from('\x00\x00\x00\x10only-part', 'latin1')))
    const nc = spawnNc(['--frame', 'lp32', '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    const stderr = await nc.stderr
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1)
    expect(stderr).toMatch(/^nc: input ended inside a frame/)
  })

  it('a frame over the size limit is refused before buffering it, exit 1', async () => {
    const { port } = await tcpServer((s) => {
      s.write(Buffer.from([0xff, 0xff, 0xff, 0xff]))
      s.on('error', () => {})
    })
    const nc = spawnNc(['--frame', 'lp32', '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toMatch(/^nc: .*(too large|exceeds|limit).*\n$/i)
  })
})
