import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { encodeWsFrame, rawWebSocket, sleep, waitFor, WS_OPCODE } from '@netkit/test-kit'
import { startServer } from './helpers.js'

const MESSAGE = 64 * 1024

describe('backpressure', () => {
  it('stops reading from a client that sends without reading, and catches up once it reads', async () => {
    const { server, port } = await startServer()
    const c = await rawWebSocket(port)
    c.socket.pause()
    const frame = encodeWsFrame({ opcode: WS_OPCODE.binary, payload: Buffer.alloc(MESSAGE, 7) })
    const cap = 4096 // 256 MiB: far more than the kernel buffers of both directions hold
    let written = 0
    const deadline = Date.now() + 15_000
    while (written < cap && Date.now() < deadline) {
      written++
      if (!c.socket.write(frame)) {
        const drained = await Promise.race([once(c.socket, 'drain').then(() => true), sleep(500).then(() => false)])
        if (!drained) break
      }
    }
    // Our writes backed up: the server stopped reading us.
    expect(written).toBeLessThan(cap)
    await sleep(200)
    const [info] = server.connections()
    expect(info?.paused).toBe(true)
    // What the server holds for us is bounded by its high-water mark plus about one read, not by what we sent.
    expect(info!.buffered).toBeLessThan(2 * 1024 * 1024)
    expect(server.stats.bytesIn).toBeLessThan(written * MESSAGE)

    // Now read: every message comes back, and the server resumes reading.
    c.socket.resume()
    const echoed = () => c.frames.filter((f) => f.opcode === WS_OPCODE.binary).length
    expect(await waitFor(() => echoed() === written, 30_000)).toBe(true)
    expect(server.stats.bytesIn).toBe(written * MESSAGE)
    expect(server.connections()[0]?.paused).toBe(false)
  }, 60_000)
})
