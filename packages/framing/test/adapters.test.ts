import { once } from 'node:events'
import net from 'node:net'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  FrameTooLargeError,
  FrameTruncatedError,
  codecFor,
  createNodeDecodeStream,
  createWebDecodeStream,
  createNodeEncodeStream,
  createWebEncodeStream,
  createEncodeStream,
  createDecodeStream,
  createEncoderStream,
  createDecoderStream,
  decodeFrames,
  encodeFrames,
  lengthPrefixed,
  lines,
} from '../src/index.js'
import { rechunk, str, text } from './helpers.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Wait until `read()` stops changing (the pipeline has settled), bounded in time. */
async function settled(read: () => number): Promise<number> {
  let last = -1
  for (let i = 0; i < 100; i++) {
    const now = read()
    if (now === last) return now
    last = now
    await sleep(50)
  }
  return read()
}

/** An endless source of framed 100-byte payloads, counting the bytes it was asked for. */
function endlessSource(codec = lengthPrefixed()) {
  const frame = codec.encode(new Uint8Array(100).fill(7))
  const batch = Buffer.concat(Array.from({ length: 40 }, () => frame)) // ~4 KiB per read
  const counter = { produced: 0 }
  const stream = new Readable({
    highWaterMark: 16 * 1024,
    read() {
      counter.produced += batch.length
      this.push(batch)
    },
  })
  return { stream, counter }
}

describe('Node streams', () => {
  it('round-trips payloads through the encode and decode Transforms', async () => {
    const codec = codecFor('varint')
    const payloads = [text('a'), new Uint8Array(0), new Uint8Array(70_000).fill(3), text('last')]
    const received: Uint8Array[] = []
    await pipeline(
      Readable.from(payloads),
      createNodeEncodeStream(codec),
      // Re-chunk the byte stream oddly on its way.
      async function* (source: AsyncIterable<Uint8Array>) {
        for await (const chunk of source) yield* rechunk(chunk, [7, 1, 3000])
      },
      createNodeDecodeStream(codec),
      new Writable({
        objectMode: true,
        write(frame: Uint8Array, _enc, callback) {
          received.push(Uint8Array.from(frame))
          callback()
        },
      }),
    )
    expect(received.map((f) => f.length)).toEqual([1, 0, 70_000, 4])
    expect(str([received[0], received[3]])).toEqual(['a', 'last'])
  })

  it('a slow consumer stops the source: the decoder does not buffer without bound', async () => {
    const { stream: source, counter } = endlessSource()
    const decode = createNodeDecodeStream(lengthPrefixed())
    let consumed = 0
    const stuck = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(_frame, _enc, _callback) {
        consumed++ // never calls back: a consumer that stopped reading
      },
    })
    source.pipe(decode).pipe(stuck)
    onTestFinished(() => {
      source.destroy()
      decode.destroy()
      stuck.destroy()
    })
    const produced = await settled(() => counter.produced)
    expect(consumed).toBe(1)
    // Source, decoder and consumer buffers: a few high-water marks, not megabytes.
    expect(produced).toBeLessThan(256 * 1024)
    expect(source.isPaused()).toBe(true)
    expect(decode.readableLength).toBeLessThan(200)
  })

  it('delivers the frames before a decode error, then the error once', async () => {
    const codec = lengthPrefixed({ maxFrameSize: 10 })
    const bad = Buffer.concat([codec.encode(text('one')), codec.encode(text('two')), Buffer.from([0, 0, 1, 0])])
    const decode = createNodeDecodeStream(codec)
    Readable.from([bad]).pipe(decode)
    const frames: string[] = []
    let caught: unknown
    try {
      for await (const frame of decode) frames.push(Buffer.from(frame as Uint8Array).toString())
    } catch (err) {
      caught = err
    }
    expect(frames).toEqual(['one', 'two'])
    expect(caught).toBeInstanceOf(FrameTooLargeError)
  })

  it.each([
    ['in the same chunk', (good: Uint8Array, bad: Uint8Array) => [Buffer.concat([good, bad])]],
    ['in a later chunk', (good: Uint8Array, bad: Uint8Array) => [good, bad]],
  ])('in a pipeline with a slow consumer, delivers every frame before an error %s', async (_name, chunks) => {
    const codec = lengthPrefixed({ maxFrameSize: 100 })
    const good = codec.encodeMany(Array.from({ length: 50 }, (_, i) => Uint8Array.of(i)))
    const received: number[] = []
    const slow = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(frame: Uint8Array, _e, cb) {
        received.push(frame[0]!)
        setTimeout(cb, 1)
      },
    })
    const done = pipeline(Readable.from(chunks(good, Uint8Array.of(0xff, 0xff, 0xff, 0xff))), createNodeDecodeStream(codec), slow)
    await expect(done).rejects.toBeInstanceOf(FrameTooLargeError)
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('reports a truncated final frame when the input ends', async () => {
    const decode = createNodeDecodeStream(lines())
    await expect(pipeline(Readable.from([text('ok\npartial')]), decode, new Writable({ objectMode: true, write: (_f, _e, cb) => cb() }))).rejects.toBeInstanceOf(
      FrameTruncatedError,
    )
  })

  it('the encode stream rejects a payload over the limit', async () => {
    const encode = createNodeEncodeStream(lengthPrefixed({ maxFrameSize: 2 }))
    await expect(pipeline(Readable.from([text('abc')]), encode, new Writable({ write: (_c, _e, cb) => cb() }))).rejects.toBeInstanceOf(FrameTooLargeError)
  })

  it('decodes frames from a real TCP socket on loopback', async () => {
    const codec = codecFor('lp32')
    const payloads = Array.from({ length: 50 }, (_, i) => new Uint8Array(i * 37).fill(i))
    const wire = codec.encodeMany(payloads)
    const server = net.createServer((socket) => {
      // Odd-sized writes so frames and prefixes straddle reads.
      for (const chunk of rechunk(wire, [5, 1, 333])) socket.write(chunk)
      socket.end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const { port } = server.address() as net.AddressInfo
    const socket = net.connect(port, '127.0.0.1')
    onTestFinished(() => {
      socket.destroy()
    })
    const frames: Uint8Array[] = []
    for await (const frame of decodeFrames(socket, codec)) frames.push(Uint8Array.from(frame))
    expect(frames.map((f) => Buffer.from(f).toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')))
  })
})

describe('decodeFrames', () => {
  it('round-trips with encodeFrames under odd chunking', async () => {
    const codec = lengthPrefixed({ width: 2 })
    const payloads = [text('x'), text('yz'), new Uint8Array(1000).fill(1)]
    async function* chunks() {
      const bytes: Uint8Array[] = []
      for await (const framed of encodeFrames(payloads, codec)) bytes.push(framed)
      yield* rechunk(Buffer.concat(bytes), [1, 2, 3])
    }
    const out: Uint8Array[] = []
    for await (const frame of decodeFrames(chunks(), codec)) out.push(Uint8Array.from(frame))
    expect(out.map((f) => f.length)).toEqual([1, 2, 1000])
  })

  it('pulls only what the consumer asks for, and closing the loop closes the source', async () => {
    const codec = lengthPrefixed()
    const frame = codec.encode(text('frame'))
    let pulled = 0
    let closed = false
    async function* endless() {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++
          yield frame
        }
      } finally {
        closed = true
      }
    }
    let seen = 0
    for await (const _ of decodeFrames(endless(), codec)) {
      seen++
      if (seen === 3) break
    }
    expect(seen).toBe(3)
    expect(pulled).toBe(3)
    expect(closed).toBe(true)
  })

  it('yields the frames before an error, then throws it; end of input inside a frame throws', async () => {
    const codec = lines({ maxFrameSize: 4 })
    const seen: string[] = []
    await expect(
      (async () => {
        for await (const frame of decodeFrames([text('ab\ncd\nlonger-than-four')], codec)) seen.push(Buffer.from(frame).toString())
      })(),
    ).rejects.toBeInstanceOf(FrameTooLargeError)
    expect(seen).toEqual(['ab', 'cd'])
    await expect(
      (async () => {
        for await (const _ of decodeFrames([text('ab')], codec)) void _
      })(),
    ).rejects.toBeInstanceOf(FrameTruncatedError)
  })
})

describe('WHATWG TransformStreams', () => {
  it('round-trips through encoder and decoder streams', async () => {
    const codec = codecFor('lines')
    const payloads = ['alpha', '', 'gamma'].map(text)
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of payloads) controller.enqueue(p)
        controller.close()
      },
    })
    const rechunker = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        for (const piece of rechunk(chunk, [1])) controller.enqueue(piece)
      },
    })
    const out: string[] = []
    const reader = source.pipeThrough(createWebEncodeStream(codec)).pipeThrough(rechunker).pipeThrough(createWebDecodeStream(codec)).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      out.push(Buffer.from(value).toString())
    }
    expect(out).toEqual(['alpha', '', 'gamma'])
  })

  it('a reader that stops reading stops the source', async () => {
    const codec = lengthPrefixed()
    const batch = codec.encodeMany(Array.from({ length: 10 }, () => new Uint8Array(100)))
    let pulls = 0
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++
        controller.enqueue(batch)
      },
    })
    const reader = source.pipeThrough(createWebDecodeStream(codec)).getReader()
    onTestFinished(() => reader.cancel())
    const first = await reader.read()
    expect(first.value?.length).toBe(100)
    const settledPulls = await settled(() => pulls)
    expect(settledPulls).toBeLessThan(10)
  })

  it('delivers the frames before an error, then errors the stream', async () => {
    const codec = lengthPrefixed({ maxFrameSize: 10 })
    // Many frames queued at once: erroring the stream straight away would drop most of them.
    const good = Array.from({ length: 200 }, (_, i) => String(i))
    const bad = Buffer.concat([...good.map((s) => codec.encode(text(s))), Buffer.from([0, 0, 1, 0])])
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bad)
        controller.close()
      },
    })
    const reader = source.pipeThrough(createWebDecodeStream(codec)).getReader()
    const frames: string[] = []
    let caught: unknown
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        frames.push(Buffer.from(value).toString())
      }
    } catch (err) {
      caught = err
    }
    expect(frames).toEqual(good)
    expect(caught).toBeInstanceOf(FrameTooLargeError)
  })
})

describe('deprecated 0.1 names', () => {
  it('are the same functions as the names that say Node or Web', () => {
    expect(createEncodeStream).toBe(createNodeEncodeStream)
    expect(createDecodeStream).toBe(createNodeDecodeStream)
    expect(createEncoderStream).toBe(createWebEncodeStream)
    expect(createDecoderStream).toBe(createWebDecodeStream)
  })
})
