/** -C, -i, --hex-dump, -o and --stats from the built CLI; the hex dump formatter in-process. */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { tempDir } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { createHexDumper, formatHexLine } from '../src/session/hexdump.js'
import { relay } from '../src/session/stream-transport.js'
import { formatStats } from '../src/session/stats.js'
import { spawnNc, tcpServer } from './support/nc.js'

/** A server that records what it gets, answers `reply` after the client's EOF, and closes. */
async function recorder(reply: string | Buffer) {
  const got: Buffer[] = []
  const { port } = await tcpServer((s) => {
    s.on('data', (c: Buffer) => got.push(c))
    s.on('end', () => s.end(reply))
  })
  return { port, received: () => Buffer.concat(got) }
}

describe('hex dump formatting', () => {
  it('formats a full and a short line like hexdump -C, with a direction mark', () => {
    expect(formatHexLine('>', 0, Buffer.from('GET / HTTP/1.1\r\n'))).toBe(
      '> 00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|\n',
    )
    expect(formatHexLine('<', 0x20, Buffer.from([0, 0xff, 0x41]))).toBe(
      `< 00000020  00 ff 41${' '.repeat(3 * 13 + 1)}  |..A|\n`,
    )
  })
  it('keeps one offset per direction across chunks', () => {
    const dump = createHexDumper()
    expect(dump('>', Buffer.alloc(20, 0x61))).toMatch(/^> 00000000 .*\n> 00000010 /)
    expect(dump('<', Buffer.from('x'))).toMatch(/^< 00000000 /)
    expect(dump('>', Buffer.from('y'))).toMatch(/^> 00000014 /)
  })
})

describe('taps', () => {
  it('-C sends CRLF line endings', async () => {
    const peer = await recorder('')
    const nc = spawnNc(['-C', '-N', '127.0.0.1', String(peer.port)], { stdin: Buffer.from('a\nb\n') })
    expect(await nc.exit).toBe(0)
    expect(peer.received().toString()).toBe('a\r\nb\r\n')
  })

  it('-i sends one line at a time with a delay after each', async () => {
    const arrivals = new Map<string, number>()
    let text = ''
    const { port } = await tcpServer((s) => {
      s.on('data', (c: Buffer) => {
        text += c.toString()
        for (const line of text.split('\n').slice(0, -1)) if (!arrivals.has(line)) arrivals.set(line, performance.now())
      })
      s.on('end', () => s.end())
    })
    const nc = spawnNc(['-i', '300ms', '-N', '127.0.0.1', String(port)], { stdin: Buffer.from('1\n2\n3\n') })
    expect(await nc.exit).toBe(0)
    expect(text).toBe('1\n2\n3\n')
    // two pauses of 300 ms lie between the first line and the last
    expect(arrivals.get('3')! - arrivals.get('1')!).toBeGreaterThanOrEqual(550)
  })

  it('--hex-dump to stderr shows both directions', async () => {
    const peer = await recorder('pong')
    const nc = spawnNc(['--hex-dump', '-N', '127.0.0.1', String(peer.port)], { stdin: Buffer.from('ping') })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('pong')
    expect(await nc.stderr).toBe(
      `> 00000000  70 69 6e 67${' '.repeat(3 * 12 + 1)}  |ping|\n< 00000000  70 6f 6e 67${' '.repeat(3 * 12 + 1)}  |pong|\n`,
    )
  })

  it('--hex-dump=FILE and -o FILE log the session to files', async () => {
    const dir = tempDir('nc-taps-')
    const peer = await recorder(Buffer.from([1, 2, 3]))
    const dump = path.join(dir, 'dump.txt')
    const raw = path.join(dir, 'raw.bin')
    const nc = spawnNc([`--hex-dump=${dump}`, '-o', raw, '-N', '127.0.0.1', String(peer.port)], { stdin: Buffer.from('hi') })
    expect(await nc.exit).toBe(0)
    expect(await nc.stderr).toBe('')
    expect(readFileSync(dump, 'utf8')).toMatch(/^> 00000000  68 69 .*\|hi\|\n< 00000000  01 02 03 .*\|\.\.\.\|\n$/)
    expect(readFileSync(raw)).toEqual(Buffer.from([0x68, 0x69, 1, 2, 3]))
  })

  it('-o to a path that cannot be opened fails before connecting, exit 1', async () => {
    const nc = spawnNc(['-o', '/nonexistent-dir/x.bin', '127.0.0.1', '9'], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe('nc: /nonexistent-dir/x.bin: No such file or directory\n')
  })

  it('--stats prints bytes each way at exit', async () => {
    const peer = await recorder(Buffer.alloc(1000, 1))
    const nc = spawnNc(['--stats', '-N', '127.0.0.1', String(peer.port)], { stdin: Buffer.alloc(2048, 2) })
    expect(await nc.exit).toBe(0)
    expect(await nc.stderr).toMatch(/^nc: sent 2048 bytes \(2\.00 KiB\), received 1000 bytes \(1000 B\) in \d+(ms|\.\d+s)( \(.*\/s\))?\n$/)
  })

  it('formats stats for people', () => {
    expect(formatStats({ sent: 1048576, received: 12, durationMs: 500 })).toBe('sent 1048576 bytes (1.00 MiB), received 12 bytes (12 B) in 500ms (2.00 MiB/s)')
  })
})


describe('relay in-process', () => {
  it('an output that fails (a closed pipe) ends the relay quietly and closes the socket', async () => {
    let peerClosed!: Promise<unknown>
    const { port } = await tcpServer((s) => {
      peerClosed = once(s, 'end')
      s.write('first')
    })
    const socket = net.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    const output = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
      },
    })
    const result = await relay(socket, { input: new PassThrough(), output })
    expect(result.reason).toBe('aborted')
    expect(result.received).toBe(5)
    await peerClosed
  })
})
