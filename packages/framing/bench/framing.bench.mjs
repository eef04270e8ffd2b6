// Encode and decode throughput of @netkit/framing next to the npm packages people use for the same
// job, in one run: lp32 vs frame-stream (4-byte big-endian prefix), varint vs it-length-prefixed and
// length-prefixed-stream (both varint), lines vs split2. Each side uses its own API; ours is measured
// both as the sans-I/O decoder and through the Node Transform, so stream peers meet a stream.
//
//   npm run bench -w @netkit/framing            (builds, runs, rewrites the table in README.md)
//   node bench/framing.bench.mjs --quick        (fewer samples, README untouched)
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { machineLine, markdownTable, writeSection } from '../../../scripts/lib/report.mjs'
import * as framing from '../dist/index.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const quick = process.argv.includes('--quick')

function load(name, get) {
  try {
    return get()
  } catch (err) {
    console.error(`skipping ${name}: ${err.message}`)
    return undefined
  }
}
const itlp = await import('it-length-prefixed').catch(() => undefined)
const frameStream = load('frame-stream', () => require('frame-stream'))
const lps = load('length-prefixed-stream', () => require('length-prefixed-stream'))
const split2 = load('split2', () => require('split2'))

const KiB = 1024
const MiB = 1024 * KiB
const SIZES = [
  { label: '16 B', size: 16, total: { big: 1 * MiB, odd: 128 * KiB } },
  { label: '1 KiB', size: KiB, total: { big: 4 * MiB, odd: 512 * KiB } },
  { label: '1 MiB', size: MiB, total: { big: 8 * MiB, odd: 1 * MiB } },
]
const CHUNKINGS = [
  { key: 'big', label: '64 KiB chunks', sizes: [64 * KiB] },
  { key: 'odd', label: '1/3/7/13 B chunks', sizes: [1, 3, 7, 13] },
]
/** A pass that takes longer than this is not sampled (a peer that is quadratic under small chunks). */
const BUDGET_MS = quick ? 3000 : 5000

function payloadsOf(size, total, lineSafe) {
  const count = Math.max(1, Math.floor(total / size))
  const payload = Buffer.alloc(size)
  for (let i = 0; i < size; i++) payload[i] = lineSafe ? 0x61 + (i % 26) : (i * 31 + 7) & 0xff
  return Array.from({ length: count }, () => payload)
}

function rechunk(bytes, sizes) {
  const chunks = []
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length]
    chunks.push(bytes.subarray(offset, offset + size))
    offset += size
  }
  return chunks
}

/** Write every chunk into a Transform, count what comes out (frames or bytes); rejects past the deadline. */
function throughStream(stream, inputs, count = () => 1, deadline = Infinity) {
  return new Promise((resolve, reject) => {
    let out = 0
    stream.on('data', (item) => {
      out += count(item)
    })
    stream.on('end', () => resolve(out))
    stream.on('error', reject)
    let i = 0
    const pump = () => {
      // Write in slices so a deadline can stop a peer that has gone quadratic.
      const stop = Math.min(inputs.length, i + 2048)
      for (; i < stop; i++) stream.write(inputs[i])
      if (i >= inputs.length) return stream.end()
      if (performance.now() > deadline) return reject(new Error('budget'))
      setImmediate(pump)
    }
    pump()
  })
}

/** Frame every payload the way the adapters do: encode() for small ones, frameParts() (no copy) for large ones. */
function encodeAll(codec, payloads) {
  let n = 0
  for (const p of payloads) {
    if (p.length >= framing.ZERO_COPY_ENCODE_MIN) for (const part of codec.frameParts(p)) n += part.length
    else n += codec.encode(p).length
  }
  return n
}

function sansIoDecode(codec, chunks) {
  const decoder = codec.createDecoder()
  let frames = 0
  for (let i = 0; i < chunks.length; i++) frames += decoder.push(chunks[i]).length
  frames += decoder.end().length
  return frames
}

/** The implementations compared in each group. Each returns a function running one pass (frame or byte count). */
function groups() {
  const lp32 = framing.codecFor('lp32')
  const vi = framing.codecFor('varint')
  const ln = framing.lines({ maxFrameSize: 2 * MiB })
  const list = [
    {
      name: 'lp32',
      peers: 'frame-stream',
      lineSafe: false,
      encode: {
        'netkit encode()': (p) => () => encodeAll(lp32, p),
        'netkit encodeMany()': (p) => () => lp32.encodeMany(p).length,
        'netkit Transform': (p) => () => throughStream(framing.createNodeEncodeStream(lp32), p, (b) => b.length),
        'frame-stream': frameStream && ((p) => () => throughStream(frameStream.encode(), p, (b) => b.length)),
      },
      decode: {
        'netkit decoder': (c) => () => sansIoDecode(lp32, c),
        'netkit Transform': (c, d) => () => throughStream(framing.createNodeDecodeStream(lp32), c, undefined, d),
        'frame-stream': frameStream && ((c, d) => () => throughStream(frameStream.decode(), c, undefined, d)),
      },
      wire: (p) => lp32.encodeMany(p),
    },
    {
      name: 'varint',
      peers: 'it-length-prefixed, length-prefixed-stream',
      lineSafe: false,
      encode: {
        'netkit encode()': (p) => () => encodeAll(vi, p),
        'netkit encodeMany()': (p) => () => vi.encodeMany(p).length,
        'netkit Transform': (p) => () => throughStream(framing.createNodeEncodeStream(vi), p, (b) => b.length),
        'it-length-prefixed': itlp && ((p) => () => {
          let n = 0
          for (const b of itlp.encode(p)) n += b.length
          return n
        }),
        'length-prefixed-stream': lps && ((p) => () => throughStream(lps.encode(), p, (b) => b.length)),
      },
      decode: {
        'netkit decoder': (c) => () => sansIoDecode(vi, c),
        'netkit Transform': (c, d) => () => throughStream(framing.createNodeDecodeStream(vi), c, undefined, d),
        // Like for like: each frame as one Uint8Array (.subarray() is a view when the frame is in one chunk).
        'it-length-prefixed': itlp && ((c) => () => {
          let n = 0
          for (const list of itlp.decode(c, { maxDataLength: 16 * MiB })) n += list.subarray().length >= 0 ? 1 : 0
          return n
        }),
        // As yielded: a Uint8ArrayList of the chunk pieces, never joined.
        'it-length-prefixed (lists)': itlp && ((c) => () => {
          let n = 0
          for (const _ of itlp.decode(c, { maxDataLength: 16 * MiB })) n++
          return n
        }),
        'length-prefixed-stream': lps && ((c, d) => () => throughStream(lps.decode(), c, undefined, d)),
      },
      wire: (p) => vi.encodeMany(p),
    },
    {
      name: 'lines',
      peers: 'split2',
      lineSafe: true,
      encode: {
        'netkit encode()': (p) => () => encodeAll(ln, p),
        'netkit encodeMany()': (p) => () => ln.encodeMany(p).length,
        'netkit Transform': (p) => () => throughStream(framing.createNodeEncodeStream(ln), p, (b) => b.length),
      },
      decode: {
        'netkit decoder': (c) => () => sansIoDecode(ln, c),
        'netkit Transform': (c, d) => () => throughStream(framing.createNodeDecodeStream(ln), c, undefined, d),
        'split2': split2 && ((c, d) => () => throughStream(split2({ maxLength: 2 * MiB }), c, undefined, d)),
      },
      wire: (p) => ln.encodeMany(p),
    },
  ]
  return list
}

async function measure(label, fn, expected) {
  // One timed pass first: checks the result and keeps a quadratic peer from eating the run.
  const started = performance.now()
  let result
  try {
    result = await fn(started + BUDGET_MS)
  } catch (err) {
    if (err.message === 'budget') return { skipped: `> ${BUDGET_MS / 1000} s per pass` }
    throw err
  }
  const once = performance.now() - started
  if (expected !== undefined && result !== expected) throw new Error(`${label}: got ${result}, expected ${expected}`)
  if (once > BUDGET_MS) return { skipped: `${(once / 1000).toFixed(1)} s per pass` }
  // Repeat very short passes inside one sample so each sample lasts >= ~2 ms (timer resolution).
  const reps = Math.max(1, Math.ceil(2 / Math.max(once, 0.001)))
  const bench = new Bench({ time: quick ? 100 : 400, iterations: quick ? 3 : 7, warmupTime: 20, warmupIterations: 1 })
  bench.add(label, async () => {
    for (let i = 0; i < reps; i++) await fn(Infinity)
  })
  await bench.run()
  // The best sample: the machine is shared, and interference only ever makes a pass slower.
  const ms = bench.tasks[0].result.latency.min / reps
  return { ms: reps === 1 ? Math.min(ms, once) : ms }
}

const fmtRate = (bytes, frames, ms) => {
  const mbs = bytes / MiB / (ms / 1000)
  const fps = frames / (ms / 1000)
  const n = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))
  const f = (x) => (x >= 1e6 ? `${n(x / 1e6)} M` : x >= 1e3 ? `${n(x / 1e3)} k` : n(x))
  return `${n(mbs)} MB/s, ${f(fps)} fr/s`
}

const rows = []
const started = Date.now()
for (const group of groups()) {
  for (const { label: sizeLabel, size, total } of SIZES) {
    const payloads = payloadsOf(size, total.big, group.lineSafe)
    const payloadBytes = payloads.length * size
    // Encode: one row per frame size.
    const encodeCells = {}
    for (const [impl, make] of Object.entries(group.encode)) {
      if (!make) {
        encodeCells[impl] = 'skipped (not installed)'
        continue
      }
      const fn = make(payloads)
      const r = await measure(`${group.name} encode ${sizeLabel} ${impl}`, () => fn())
      encodeCells[impl] = r.skipped ? `skipped (${r.skipped})` : { ms: r.ms, text: fmtRate(payloadBytes, payloads.length, r.ms) }
    }
    rows.push({ group: group.name, op: 'encode', size: sizeLabel, chunks: '–', cells: encodeCells })
    console.error(`${group.name} encode ${sizeLabel} done (${((Date.now() - started) / 1000).toFixed(0)} s)`)
    for (const chunking of CHUNKINGS) {
      const ps = payloadsOf(size, total[chunking.key], group.lineSafe)
      const bytes = ps.length * size
      const chunks = rechunk(Buffer.from(group.wire(ps)), chunking.sizes)
      const cells = {}
      for (const [impl, make] of Object.entries(group.decode)) {
        if (!make) {
          cells[impl] = 'skipped (not installed)'
          continue
        }
        const fn = make(chunks, Infinity)
        const r = await measure(`${group.name} decode ${sizeLabel} ${chunking.label} ${impl}`, (deadline) => make(chunks, deadline)(), ps.length)
        void fn
        cells[impl] = r.skipped ? `did not finish (${r.skipped})` : { ms: r.ms, text: fmtRate(bytes, ps.length, r.ms) }
      }
      rows.push({ group: group.name, op: 'decode', size: sizeLabel, chunks: chunking.label, cells })
      console.error(`${group.name} decode ${sizeLabel} ${chunking.label} done (${((Date.now() - started) / 1000).toFixed(0)} s)`)
    }
  }
}

// Speed-up, like for like: each peer against our entry with the same kind of API (stream peers
// against our Node Transform, it-length-prefixed's sync iterators against our decoder / encode());
// the column shows the smallest ratio over the peers (the closest one). A peer that did not finish
// counts as infinitely slow.
const STREAM_PEERS = new Set(['frame-stream', 'length-prefixed-stream', 'split2'])
function speedup(cells) {
  const time = (k) => (typeof cells[k] === 'object' ? cells[k].ms : undefined)
  const ratios = []
  for (const peer of Object.keys(cells)) {
    if (peer.startsWith('netkit') || peer.endsWith('(lists)')) continue
    const ours = STREAM_PEERS.has(peer) ? [time('netkit Transform')] : [time('netkit decoder'), time('netkit encode()'), time('netkit encodeMany()')]
    const best = Math.min(...ours.filter((x) => x !== undefined))
    const theirs = time(peer)
    ratios.push(theirs === undefined ? Infinity : theirs / best)
  }
  if (ratios.length === 0) return 'no peer'
  const worst = Math.min(...ratios)
  return worst === Infinity ? 'peers did not finish' : `${worst.toFixed(1)}x`
}

const sections = []
for (const group of groups()) {
  for (const op of ['encode', 'decode']) {
    const mine = rows.filter((r) => r.group === group.name && r.op === op)
    const impls = [...new Set(mine.flatMap((r) => Object.keys(r.cells)))]
    const header = ['frame', ...(op === 'decode' ? ['input'] : []), ...impls, 'speed-up']
    const body = mine.map((r) => [
      r.size,
      ...(op === 'decode' ? [r.chunks] : []),
      ...impls.map((k) => (r.cells[k] === undefined ? 'n/a' : typeof r.cells[k] === 'string' ? r.cells[k] : r.cells[k].text)),
      speedup(r.cells),
    ])
    sections.push(`#### ${group.name} ${op} (vs ${group.peers})\n\n${markdownTable(header, body)}`)
  }
}
const report = [
  machineLine(),
  '',
  'Best of several samples (the machine is shared; interference only slows a pass down); MB/s counts payload bytes, fr/s frames. "speed-up" is the closest peer\'s time over ours, like for like: stream peers against our Node Transform, it-length-prefixed (sync iterators) against our decoder / encode() / encodeMany(). "it-length-prefixed (lists)" is its decoder without joining each frame into one Uint8Array (it yields Uint8ArrayLists), shown for reference. A pass over the time budget is "did not finish".',
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n')
console.log(report)

if (!quick) {
  const readme = path.join(here, '..', 'README.md')
  const text = readFileSync(readme, 'utf8')
  const open = '<!-- bench:framing -->'
  const close = '<!-- /bench:framing -->'
  const start = text.indexOf(open)
  const end = text.indexOf(close)
  const block = `${open}\n${report.trim()}\n${close}`
  writeFileSync(readme, start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + close.length) : `${text.trimEnd()}\n\n## Benchmark\n\n${block}\n`)
  writeSection('framing', `## @netkit/framing\n\n${report}`)
  console.error(`wrote ${path.relative(process.cwd(), readme)} and BENCHMARKS.md (framing section) in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}
