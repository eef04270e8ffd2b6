// `npm run bench:echo`: our TCP and UDP echo servers against their peers (a minimal Node
// server, the seeds' Python asyncio server, the same on uvloop, socat), every server driven by
// the same verifying load testers (runTcpBench from @netkit/tcp-echo, runUdpBench from
// @netkit/udp-echo, both built), each server in its own process, started fresh for each run.
// Prints one table per scenario and writes them to BENCHMARKS.md (section `echo`).
//
// BENCH_ECHO_DURATION (seconds, default 2) sets the measured time of each run;
// BENCH_ECHO_THREADS (default 1) the load tester's worker threads for TCP;
// BENCH_ECHO_ROUNDS (default 2) how many times each server is measured (the best run counts).
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { measureColdStarts } from './lib/cold-start.mjs'
import { machineLine, markdownTable, repoRoot, writeSection } from './lib/report.mjs'
import { cpuMs, fileLimit, rssBytes, serverCatalogue, startServer } from './bench-echo/servers.mjs'

const durationMs = Math.round(Number(process.env.BENCH_ECHO_DURATION ?? 2) * 1000)
const warmupMs = Math.min(1000, Math.round(durationMs / 3))
const threads = Number(process.env.BENCH_ECHO_THREADS ?? 1)
const BIG = 10_000
const rounds = Math.max(1, Number(process.env.BENCH_ECHO_ROUNDS ?? 2))

const log = (text) => process.stderr.write(`${text}\n`)

async function load(pkg, name) {
  try {
    const mod = await import(pathToFileURL(path.join(repoRoot, `packages/${pkg}/dist/index.js`)).href)
    return typeof mod[name] === 'function' ? mod[name] : undefined
  } catch {
    return undefined
  }
}
const runTcpBench = await load('tcp-echo', 'runTcpBench')
const runUdpBench = await load('udp-echo', 'runUdpBench')

const limits = fileLimit()
const catalogue = serverCatalogue()
const fmt = (n) => Math.round(n).toLocaleString('en-US')
const ms = (v) => (v === undefined ? '—' : `${v < 1 ? v.toFixed(3) : v.toFixed(2)} ms`)
const kib = (bytes) => `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 2 : 0)} KiB`
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`

/** The scenarios; `run(port, pid)` measures one server and returns a row's numbers. */
const scenarios = [
  ...['churn', 'pingpong', 'stream'].map((mode) => ({
    id: `tcp-${mode}`,
    title: `tcp ${mode}, 100 connections, ${mode === 'stream' ? '16 KiB writes' : '64 B messages'}`,
    protocol: 'tcp',
    unit: mode === 'churn' ? 'conns/s' : mode === 'pingpong' ? 'msgs/s' : 'MB/s',
    skip: runTcpBench ? undefined : 'skipped (runTcpBench not built in packages/tcp-echo/dist)',
    async run(port, pid) {
      const options = { host: '127.0.0.1', port, mode, connections: 100, threads, ...(mode === 'stream' ? {} : { size: 64 }) }
      await runTcpBench({ ...options, duration: warmupMs })
      const cpu = cpuMeter(pid)
      const r = await runTcpBench({ ...options, duration: durationMs })
      const row = tcpRow(r, mode === 'stream' ? r.bytesPerSecond / 1e6 : r.perSecond)
      row.cpu = cpu(mode === 'stream' ? r.bytes / 1e6 : r.completed, mode === 'churn' ? 'conn' : mode === 'pingpong' ? 'msg' : 'MB')
      return row
    },
  })),
  {
    id: 'tcp-pingpong-10k',
    title: `tcp pingpong, ${fmt(BIG)} connections, 64 B messages, server RSS`,
    protocol: 'tcp',
    unit: 'msgs/s',
    rss: true,
    skip: runTcpBench
      ? limits.soft < BIG + 1000 || limits.hard < BIG + 1000
        ? `skipped (ulimit -n is ${limits.soft}/${limits.hard}; ${fmt(BIG)} connections need more)`
        : undefined
      : 'skipped (runTcpBench not built in packages/tcp-echo/dist)',
    skipServer: (server) => (server.forksPerConnection ? 'skipped (forks one process per connection: 10,000 processes)' : undefined),
    async run(port, pid) {
      // Warm the server up with a few connections, so its baseline is a running server's.
      await runTcpBench({ host: '127.0.0.1', port, mode: 'pingpong', connections: 10, size: 64, duration: 300 })
      await sleep(300)
      const before = rssBytes(pid)
      let peak = before ?? 0
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid) ?? 0)), 100)
      try {
        const cpu = cpuMeter(pid)
        const r = await runTcpBench({ host: '127.0.0.1', port, mode: 'pingpong', connections: BIG, size: 64, threads, duration: durationMs, connectTimeout: 30_000 })
        peak = Math.max(peak, rssBytes(pid) ?? 0)
        const row = tcpRow(r, r.perSecond)
        row.cpu = cpu(r.completed, 'msg')
        row.rss = before === undefined ? '—' : `${mib(before)} → ${mib(peak)}`
        row.perConn = before === undefined || r.connects === 0 ? '—' : kib((peak - before) / r.connects)
        row.connects = r.connects
        return row
      } finally {
        clearInterval(sampler)
      }
    },
  },
  {
    id: 'udp',
    title: 'udp, window 32, 64 B datagrams',
    protocol: 'udp',
    unit: 'datagrams/s',
    skip: runUdpBench ? undefined : 'skipped (runUdpBench not built in packages/udp-echo/dist)',
    async run(port, pid) {
      await runUdpBench({ host: '127.0.0.1', port, window: 32, size: 64, durationMs: warmupMs })
      const cpu = cpuMeter(pid)
      const r = await runUdpBench({ host: '127.0.0.1', port, window: 32, size: 64, durationMs })
      return {
        cpu: cpu(r.verified, 'datagram'),
        value: r.datagramsPerSecond,
        p50: r.latency.p50,
        p99: r.latency.p99,
        errors: `${r.errors + r.lost} / ${r.mismatches}`,
        loss: `${(r.lossRate * 100).toFixed(2)}%`,
        clean: r.mismatches === 0,
      }
    },
  },
]

/**
 * Server CPU time per operation over one run. socat's work happens in forked children, which
 * its own counters do not show, so it gets none.
 */
function cpuMeter(pid) {
  const start = cpuMs(pid)
  return (operations, unit) => {
    const end = cpuMs(pid)
    if (start === undefined || end === undefined || !(operations > 0)) return '—'
    const us = ((end - start) * 1000) / operations
    return `${us < 10 ? us.toFixed(2) : fmt(us)} µs/${unit}`
  }
}

function tcpRow(r, value) {
  // runTcpBench reports latency in microseconds.
  return {
    value,
    p50: r.latency ? r.latency.p50 / 1000 : undefined,
    p99: r.latency ? r.latency.p99 / 1000 : undefined,
    errors: `${r.errors} / ${r.mismatches}`,
    clean: r.mismatches === 0,
  }
}

/**
 * Cold start of the echo CLIs against bare `node -e 0` and minimal Node servers: `--version`,
 * and a real session, spawn to the `listening` line (the process is then killed); written to
 * the `echo-cold-start` section.
 */
async function coldStart() {
  const cli = (name) => path.join(repoRoot, `packages/${name}/dist/cli.js`)
  const listening = /listening/
  const minimal = {
    tcp: "require('node:net').createServer((s) => s.pipe(s)).listen(0, '127.0.0.1', function () { console.error('listening on', this.address().port) })",
    udp: "const s = require('node:dgram').createSocket('udp4'); s.on('message', (m, r) => s.send(m, r.port, r.address)); s.bind(0, '127.0.0.1', () => console.error('listening on', s.address().port))",
  }
  const { rows, header, method } = await measureColdStarts(
    [
      { name: '**tcp-echo --version**', argv: [cli('tcp-echo'), '--version'] },
      { name: '**udp-echo --version**', argv: [cli('udp-echo'), '--version'] },
      { name: 'minimal node:net echo server, to listening', argv: ['-e', minimal.tcp], until: listening },
      { name: '**tcp-echo --port 0, to listening**', argv: [cli('tcp-echo'), '--port', '0'], until: listening },
      { name: 'minimal node:dgram echo server, to listening', argv: ['-e', minimal.udp], until: listening },
      { name: '**udp-echo --port 0, to listening**', argv: [cli('udp-echo'), '--port', '0'], until: listening },
      { name: '**ws-echo --version**', argv: [cli('ws-echo'), '--version'] },
      { name: '**ws-echo --port 0, to listening**', argv: [cli('ws-echo'), '--port', '0'], until: listening },
      { name: 'tcp-echo -h (loads yargs)', argv: [cli('tcp-echo'), '-h'] },
    ],
    { runs: Number(process.env.BENCH_COLD_START_RUNS ?? 20) },
  )
  const body = [
    '### Echo CLIs cold start (`npm run bench:echo`)',
    '',
    machineLine(),
    '',
    `Wall time from spawn to exit (\`--version\`, \`-h\`) or to the \`listening\` line on stderr (servers), ${method}. Target: within 1.3× of \`node -e 0\`.`,
    '',
    markdownTable(header, rows),
  ].join('\n')
  writeSection('echo-cold-start', body)
  process.stdout.write(`${body}\n`)
}

await coldStart()
if (process.env.BENCH_COLD_START_ONLY) process.exit(0)

const started = Date.now()
const loadBefore = os.loadavg()
const sections = []
const results = {}
for (const scenario of scenarios) {
  log(`\n== ${scenario.title}`)
  // Servers run one after another while the shared machine's load drifts: run every server
  // `rounds` times, in forward then reverse order, and keep each server's best run.
  const servers = catalogue[scenario.protocol]
  const best = new Map()
  for (let round = 0; round < rounds; round++) {
    for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
      const skip = scenario.skip ?? server.skip ?? scenario.skipServer?.(server)
      if (skip) {
        if (round === 0) log(`${server.name}: ${skip}`)
        if (!best.has(server)) best.set(server, { server, skip })
        continue
      }
      let handle
      try {
        handle = await startServer(server, scenario.protocol, limits.hard)
        const row = await scenario.run(handle.port, handle.pid)
        log(`${server.name}: ${fmt(row.value)} ${scenario.unit}, errors/mismatches ${row.errors}${row.rss ? `, RSS ${row.rss} (${row.perConn}/conn)` : ''}`)
        const previous = best.get(server)
        if (previous?.value === undefined || row.value > previous.value) best.set(server, { server, ...row })
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        log(`${server.name}: failed: ${message}`)
        if (!best.has(server)) best.set(server, { server, skip: `failed: ${message.split('\n')[0]}` })
      } finally {
        await handle?.stop()
      }
    }
  }
  const rows = servers.map((server) => best.get(server))
  results[scenario.id] = rows
  const ours = rows.find((r) => r.server.ours && r.value !== undefined)
  const header = ['server', scenario.unit, 'ratio to ours', 'server CPU', 'p50 / p99 latency', 'errors / mismatches']
  if (scenario.protocol === 'udp') header.splice(5, 0, 'loss')
  if (scenario.rss) header.push('server RSS before → peak', 'RSS growth per connection')
  const table = rows.map((row) => {
    if (row.value === undefined) return [row.server.name, row.skip, '', '', '', '', ...(scenario.protocol === 'udp' ? [''] : []), ...(scenario.rss ? ['', ''] : [])]
    const value = scenario.unit === 'MB/s' ? row.value.toFixed(1) : fmt(row.value)
    const ratio = ours ? `${(row.value / ours.value).toFixed(2)}×${row.server.ours ? ' (ours)' : ''}` : '—'
    const cpu = row.server.forksPerConnection ? '— (forked children)' : row.cpu
    const cells = [row.server.name, value, ratio, cpu, `${ms(row.p50)} / ${ms(row.p99)}`, row.errors]
    if (scenario.protocol === 'udp') cells.splice(5, 0, row.loss)
    if (scenario.rss) cells.push(row.rss, row.perConn)
    return cells
  })
  sections.push(`### ${scenario.title}\n\n${markdownTable(header, table)}`)
}

const elapsed = ((Date.now() - started) / 1000).toFixed(0)
const loadText = (l) => l.map((x) => x.toFixed(2)).join(' ')
const body = [
  '## Echo servers (`npm run bench:echo`)',
  '',
  machineLine(),
  `Load average ${loadText(loadBefore)} at the start, ${loadText(os.loadavg())} at the end (the machine is shared: compare ratios, not absolute numbers). ` +
    `Every server runs in its own process, started fresh for each run and bound to 127.0.0.1, with \`ulimit -n ${limits.hard}\`; ` +
    `all are driven by the same verifying load testers in one Node process (\`runTcpBench\` with ${threads} thread${threads === 1 ? '' : 's'}, \`runUdpBench\`), ` +
    `${(durationMs / 1000).toFixed(0)} s measured after a ${(warmupMs / 1000).toFixed(1)} s warm-up, ${rounds} round${rounds === 1 ? '' : 's'} (servers in forward, then reverse order; each server's best run is shown). Ratio: the server's rate over ours (above 1 = faster than ours). ` +
    `Server CPU: user + system time the server process used during the measured run, per operation (this moves much less than rates when the machine is busy). Errors for udp count lost datagrams too. RSS growth per connection: peak VmRSS during the ${fmt(BIG)}-connection run minus VmRSS before it, over the connections made. Whole run: ${elapsed} s.`,
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n')
process.stdout.write(`${body}\n`)
writeSection('echo', body)
log(`\nwrote BENCHMARKS.md (section echo) in ${elapsed} s`)
