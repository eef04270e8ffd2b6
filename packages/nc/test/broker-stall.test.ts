/**
 * --broker and --chat with one client that never reads: the others keep getting each other's
 * messages (the stalled client is disconnected once it keeps senders waiting, see the README).
 */
import type net from 'node:net'
import { describe, expect, it } from 'vitest'
import { connectTo, spawnListener } from './support/nc.js'

/** Bytes seen by `socket`, counted, with a check for a marker at the end. */
function tail(socket: net.Socket): { bytes: () => number; endsWith: (marker: string) => boolean } {
  let bytes = 0
  let last = ''
  socket.on('data', (c: Buffer) => {
    bytes += c.length
    last = (last + c.toString('latin1')).slice(-256)
  })
  return { bytes: () => bytes, endsWith: (marker) => last.includes(marker) }
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Write `total` bytes of `line`s to `socket`, respecting its backpressure. */
async function pour(socket: net.Socket, line: Buffer, total: number): Promise<void> {
  for (let sent = 0; sent < total; sent += line.length) {
    if (!socket.write(line)) await new Promise((r) => socket.once('drain', r))
  }
}

// Far more than the kernel buffers between nc and the stalled client can hold.
const VOLUME = 24 * 1024 * 1024

describe.each([['--broker'], ['--chat']])('nc -l %s with a client that never reads', (mode) => {
  it('keeps relaying between the others and disconnects the stalled client', async () => {
    const nc = await spawnListener(['-lv', mode, '127.0.0.1', '0'], { stdin: 'ignore' })
    const sender = await connectTo(nc.port)
    const stalled = await connectTo(nc.port)
    const reader = await connectTo(nc.port)
    await nc.waitStderr(/joined as <user3>/)
    stalled.pause() // never reads: its kernel buffers, then nc's queue for it, fill up
    sender.resume()
    const got = tail(reader)
    const line = Buffer.from(`${'x'.repeat(1023)}\n`)
    await pour(sender, line, VOLUME)
    sender.write('END-OF-POUR\n')
    await until(() => got.endsWith('END-OF-POUR'), 30_000)
    expect(got.bytes()).toBeGreaterThanOrEqual(VOLUME)
    // And the other way: the reader's messages still reach the sender.
    const back = tail(sender)
    reader.write('reply\n')
    await until(() => back.endsWith('reply'), 10_000)
    expect(nc.stderrSoFar()).toMatch(/<user2> \(127\.0\.0\.1\) not reading for \d+ ms with \d+ bytes queued: disconnected/)
    nc.child.kill('SIGTERM')
    await nc.exit
  }, 60_000)
})
