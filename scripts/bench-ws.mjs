// `npm run bench:ws`: ws-echo against a minimal `ws` echo server and the seed's Python
// `websockets` server (asyncio, and on uvloop), every server driven by the same verifying load
// tester (runWsBench from @netkit/ws-echo, built), each server in its own process, started fresh
// for each run. Prints one table per scenario and writes them to BENCHMARKS.md (section `ws`).
//
// BENCH_WS_DURATION (seconds, default 3) sets the measured time of each run;
// BENCH_WS_ROUNDS (default 2) how many times each server is measured (the best run counts).
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { machineLine, markdownTable, repoRoot, writeSection } from './lib/report.mjs'
import { cpuMs, fileLimit, startServer } from './bench-echo/servers.mjs'

const durationMs = Math.round(Number(process.env.BENCH_WS_DURATION ?? 3) * 1000)
const warmupMs = Math.min(1000, Math.round(durationMs / 3))
const rounds = Math.max(1, Number(process.env.BENCH_WS_ROUNDS ?? 2))
const log = (text) => process.stderr.write(`${text}\n`)
const fmt = (n) => Math.round(n).toLocaleString('en-US')
const ms = (us) => (us === undefined ? '—' : `${(us / 1000).toFixed(us < 1000 ? 3 : 2)} ms`)

const distIndex = path.join(repoRoot, 'packages/ws-echo/dist/index.js')
if (!existsSync(distIndex)) {
  log('bench:ws: packages/ws-echo is not built (npm run build)')
  process.exit(1)
}
const { runWsBench } = await import(pathToFileURL(distIndex).href)

const PYTHON = '/usr/bin/python3'
const pythonHas = (module) => {
  try {
    return execFileSync(PYTHON, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' }).trim()
  } catch {
    return undefined
  }
}
const websocketsVersion = existsSync(PYTHON) ? pythonHas('websockets') : undefined
const uvloopVersion = websocketsVersion ? pythonHas('uvloop') : undefined
const wsVersion = JSON.parse(execFileSync(process.execPath, ['-p', "JSON.stringify(require('ws/package.json').version)"], { cwd: repoRoot, encoding: 'utf8' }))
const peers = path.join(repoRoot, 'scripts/bench-ws/peers')
const node = process.execPath
const servers = [
  { name: 'ws-echo (ours)', ours: true, command: (p) => [node, path.join(repoRoot, 'packages/ws-echo/dist/cli.js'), '--port', String(p), '--ping-interval', '0'] },
  { name: `minimal \`ws\` ${wsVersion} server`, command: (p) => [node, path.join(peers, 'ws-minimal.mjs'), String(p)] },
  {
    name: `Python websockets ${websocketsVersion ?? ''} (asyncio)`,
    command: (p) => [PYTHON, path.join(peers, 'websockets-echo.py'), String(p)],
    skip: websocketsVersion ? undefined : 'skipped (not installed: python3-websockets)',
  },
  {
    name: `Python websockets ${websocketsVersion ?? ''} + uvloop ${uvloopVersion ?? ''}`,
    command: (p) => [PYTHON, path.join(peers, 'websockets-echo.py'), String(p), '--uvloop'],
    skip: uvloopVersion ? undefined : 'skipped (not installed: python3-websockets and python3-uvloop)',
  },
]

const scenarios = [
  { id: 'pingpong', title: 'pingpong, 100 connections, 64 B text messages', options: { mode: 'pingpong', connections: 100, size: 64 } },
  { id: 'stream', title: 'stream, 10 connections, 64 KiB binary messages (1 MiB in flight each)', options: { mode: 'stream', connections: 10, size: 64 * 1024, binary: true } },
]

async function measure(scenario, port, pid) {
  const url = `ws://127.0.0.1:${port}/`
  await runWsBench({ url, ...scenario.options, duration: warmupMs })
  const cpuBefore = cpuMs(pid)
  const r = await runWsBench({ url, ...scenario.options, duration: durationMs })
  const cpuAfter = cpuMs(pid)
  const cpu = cpuBefore === undefined || cpuAfter === undefined || r.completed === 0 ? undefined : ((cpuAfter - cpuBefore) * 1000) / r.completed
  return { perSecond: r.perSecond, mbPerSecond: r.bytesPerSecond / 1e6, latency: r.latency, errors: r.errors, mismatches: r.mismatches, cpu }
}

const limit = fileLimit().hard
const started = Date.now()
const loadBefore = os.loadavg()
const sections = []
for (const scenario of scenarios) {
  log(`\n== ${scenario.title}`)
  const best = new Map()
  for (let round = 0; round < rounds; round++) {
    for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
      if (server.skip) {
        best.set(server, { skip: server.skip })
        continue
      }
      let handle
      try {
        handle = await startServer(server, 'tcp', limit)
        const row = await measure(scenario, handle.port, handle.pid)
        log(`${server.name}: ${fmt(row.perSecond)} msgs/s, ${row.mbPerSecond.toFixed(1)} MB/s, errors/mismatches ${row.errors} / ${row.mismatches}`)
        const previous = best.get(server)
        if (previous?.perSecond === undefined || row.perSecond > previous.perSecond) best.set(server, row)
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        log(`${server.name}: failed: ${message}`)
        if (!best.has(server)) best.set(server, { skip: `failed: ${message.split('\n')[0]}` })
      } finally {
        await handle?.stop()
      }
    }
  }
  const ours = best.get(servers[0])
  const header = ['server', 'msgs/s', 'MB/s', 'ours ÷ this', 'server CPU per message', 'p50 / p99 latency', 'errors / mismatches']
  const rows = servers.map((server) => {
    const row = best.get(server)
    if (row.skip) return [server.name, row.skip, '', '', '', '', '']
    const ratio = ours?.perSecond ? `${(ours.perSecond / row.perSecond).toFixed(2)}×` : '—'
    const cpu = row.cpu === undefined ? '—' : `${row.cpu.toFixed(1)} µs`
    const latency = row.latency ? `${ms(row.latency.p50)} / ${ms(row.latency.p99)}` : '—'
    return [server.name, fmt(row.perSecond), row.mbPerSecond.toFixed(1), ratio, cpu, latency, `${row.errors} / ${row.mismatches}`]
  })
  sections.push(`### ${scenario.title}\n\n${markdownTable(header, rows)}`)
}

const elapsed = ((Date.now() - started) / 1000).toFixed(0)
const loadText = (l) => l.map((x) => x.toFixed(2)).join(' ')
const body = [
  '## WebSocket echo servers (`npm run bench:ws`)',
  '',
  machineLine(),
  `Load average ${loadText(loadBefore)} at the start, ${loadText(os.loadavg())} at the end (the machine is shared: compare ratios, not absolute numbers). ` +
    'Every server runs in its own process on 127.0.0.1, started fresh for each run, without compression or keepalive pings; all are driven by the same verifying load tester ' +
    `(\`runWsBench\` from @netkit/ws-echo, the \`ws\` client, one thread) in one Node process, ${(durationMs / 1000).toFixed(0)} s measured after a ${(warmupMs / 1000).toFixed(1)} s warm-up, ` +
    `${rounds} round${rounds === 1 ? '' : 's'} (forward, then reverse order; each server's best run is shown). "ours ÷ this": ws-echo's rate over the server's (above 1 = ws-echo is faster). ` +
    'Server CPU: user + system time the server process used during the measured run, per echoed message; on 2 cores the load tester takes one core, so when the rates are equal this column shows which server does less work. ' +
    `Whole run: ${elapsed} s.`,
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n')
process.stdout.write(`${body}\n`)
writeSection('ws', body)
log(`\nwrote BENCHMARKS.md (section ws) in ${elapsed} s`)
