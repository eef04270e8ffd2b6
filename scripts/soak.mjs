#!/usr/bin/env node
// npm run soak [-- --duration 2m]: every server under mixed load for a bounded time.
//
// Each server (tcp-echo, udp-echo, ws-echo when built, and nc -lk --keep-open -e /bin/cat as an
// exec echo server) runs on loopback under its own verifying load tester, in rounds, plus hostile
// clients: resets mid-stream, half-closes, slow readers that stop reading with data in flight, and
// load testers killed with SIGKILL mid-run. Every few seconds the script samples each server's open
// file descriptors and RSS (from /proc). At the end it asserts:
//   - zero mismatches from every load tester that ran to its end, and every half-close and slow
//     reader got its bytes back intact;
//   - no fd growth and no RSS growth between the first and the last minute (first and last half
//     of a shorter run): the last window's peak may not exceed the first window's peak by more
//     than FD_SLACK descriptors or by RSS_SLACK (25% + 16 MiB, for the allocator's noise);
//   - no child left: after the load stops, the nc server has no exec children.
// It prints one table and exits 1 if any check failed. Loopback only; every loop is bounded.
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = (pkg) => path.join(root, 'packages', pkg, 'dist', 'cli.js')
const { values } = parseArgs({ options: { duration: { type: 'string', default: process.env.SOAK_DURATION ?? '2m' } } })
const durationMs = parseDurationMs(values.duration)
const FD_SLACK = 8
const RSS_SLACK = (first) => first * 0.25 + 16 * 1024 * 1024
const SAMPLE_MS = 2_000
const ROUND_MS = 6_000

function parseDurationMs(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text)
  if (!m) throw new Error(`soak: bad --duration ${JSON.stringify(text)} (e.g. 2m, 90s)`)
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] ?? 's']
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const children = new Set()

/** Spawn a node CLI; resolves when `ready` matches its stderr, with the matched port. */
function startServer(name, file, args, ready) {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
  children.add(child)
  let err = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 10 s: ${err}`)), 10_000)
    child.stderr.on('data', (c) => {
      err += c
      const m = ready.exec(err)
      if (m) {
        clearTimeout(timer)
        resolve({ name, child, port: Number(m[1]), stderr: () => err })
      }
    })
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${err}`)))
  })
}

/** Run a load tester with --json to its end (or kill it after `killAfterMs`); returns its result. */
function runTester(file, args, { killAfterMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    children.add(child)
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (err += c))
    const guard = setTimeout(() => child.kill('SIGKILL'), killAfterMs ?? 60_000)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      children.delete(child)
      let result
      try {
        result = JSON.parse(out.trim().split('\n').pop() ?? '')
      } catch {
        result = undefined
      }
      resolve({ code, signal, result, stderr: err, killed: killAfterMs !== undefined && signal === 'SIGKILL' })
    })
  })
}

/** Open file descriptors and RSS (bytes) of a process, from /proc. */
function sample(pid) {
  try {
    const fds = readdirSync(`/proc/${pid}/fd`).length
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
    return { fds, rss: rssKb * 1024 }
  } catch {
    return undefined
  }
}

/** Children of `pid` (its exec'd /bin/cat processes, for nc). */
function childrenOf(pid) {
  const found = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) found.push(`${entry} ${readlinkSync(`/proc/${entry}/exe`)}`)
    } catch {
      // gone meanwhile
    }
  }
  return found
}

const hash = (data) => createHash('sha256').update(data).digest('hex')

/** Connect, send `payload`, half-close, read to EOF; true when the echo is byte-exact. */
function halfCloseClient(port) {
  return new Promise((resolve) => {
    const payload = randomBytes(64 * 1024 + Math.floor(Math.random() * 64 * 1024))
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    const chunks = []
    const timer = setTimeout(() => done(false), 15_000)
    const done = (ok) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    socket.on('data', (c) => chunks.push(c))
    socket.on('end', () => done(hash(Buffer.concat(chunks)) === hash(payload)))
    socket.on('error', () => done(false))
    socket.end(payload)
  })
}

/** Send 1 MiB, read nothing for 2 s (the server must hold back, not buffer without bound), then read it all. */
function slowReader(port) {
  return new Promise((resolve) => {
    const payload = randomBytes(1024 * 1024)
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    const chunks = []
    const timer = setTimeout(() => done(false), 20_000)
    const done = (ok) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    socket.pause()
    socket.on('data', (c) => chunks.push(c))
    socket.on('end', () => done(hash(Buffer.concat(chunks)) === hash(payload)))
    socket.on('error', () => done(false))
    socket.on('connect', () => {
      socket.end(payload)
      setTimeout(() => socket.resume(), 2_000)
    })
  })
}

/** Connect, write some bytes, reset the connection without reading. */
function resetClient(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    socket.on('error', () => {})
    socket.on('connect', () => {
      socket.write(randomBytes(8 * 1024))
      setTimeout(() => {
        socket.resetAndDestroy()
        resolve(true)
      }, 20)
    })
    setTimeout(() => {
      socket.destroy()
      resolve(true)
    }, 5_000)
  })
}

const servers = []
const stats = new Map()
function stat(name) {
  if (!stats.has(name)) stats.set(name, { runs: 0, killed: 0, ops: 0, mismatches: 0, errors: 0, chaos: 0, chaosBad: 0, samples: [], childrenLeft: [], failures: [] })
  return stats.get(name)
}

function record(name, run, opsField = 'completed') {
  const s = stat(name)
  if (run.killed) {
    s.killed++
    return
  }
  s.runs++
  if (!run.result) {
    s.failures.push(`load tester ended ${run.code ?? run.signal} without a result: ${run.stderr.trim().split('\n').pop()}`)
    return
  }
  s.ops += run.result[opsField] ?? 0
  s.mismatches += run.result.mismatches ?? 0
  s.errors += run.result.errors ?? 0
}

const TCP_MODES = ['pingpong', 'churn', 'stream']

/** One round of load; the modes take turns, so the first and the last minute see the same mix. */
async function tcpRound(server, { connections = 50 } = {}) {
  server.rounds = (server.rounds ?? 0) + 1
  const mode = TCP_MODES[server.rounds % TCP_MODES.length]
  const secs = String(ROUND_MS / 1000 - 1)
  const load = runTester(cli('tcp-echo'), ['bench', '127.0.0.1', String(server.port), '-m', mode, '-c', String(connections), '-d', `${secs}s`])
  const victim = runTester(cli('tcp-echo'), ['bench', '127.0.0.1', String(server.port), '-m', 'stream', '-c', '10', '-d', '30s'], {
    killAfterMs: 1_000 + Math.random() * 2_000,
  })
  const chaos = []
  for (let i = 0; i < 5; i++) chaos.push(resetClient(server.port), halfCloseClient(server.port))
  chaos.push(slowReader(server.port))
  const [loadRun, victimRun, ...outcomes] = await Promise.all([load, victim, ...chaos])
  record(server.name, loadRun)
  record(server.name, victimRun)
  const s = stat(server.name)
  s.chaos += outcomes.length
  s.chaosBad += outcomes.filter((ok) => !ok).length
}

async function udpRound(server) {
  const secs = String(ROUND_MS / 1000 - 1)
  const load = runTester(cli('udp-echo'), ['bench', '127.0.0.1', String(server.port), '-w', '32', '-d', `${secs}s`])
  const victim = runTester(cli('udp-echo'), ['bench', '127.0.0.1', String(server.port), '-w', '64', '-d', '30s'], { killAfterMs: 1_000 + Math.random() * 2_000 })
  const [loadRun, victimRun] = await Promise.all([load, victim])
  record(server.name, loadRun, 'verified')
  record(server.name, victimRun, 'verified')
}

async function wsRound(server) {
  const secs = String(ROUND_MS / 1000 - 1)
  const url = `ws://127.0.0.1:${server.port}/`
  const load = runTester(cli('ws-echo'), ['bench', url, '--conns', '50', '--duration', `${secs}s`])
  const victim = runTester(cli('ws-echo'), ['bench', url, '--conns', '10', '--duration', '30s', '--binary', '--size', '65536'], {
    killAfterMs: 1_000 + Math.random() * 2_000,
  })
  const chaos = []
  for (let i = 0; i < 5; i++) chaos.push(resetClient(server.port))
  const [loadRun, victimRun, ...outcomes] = await Promise.all([load, victim, ...chaos])
  record(server.name, loadRun)
  record(server.name, victimRun)
  stat(server.name).chaos += outcomes.length
}

async function main() {
  const started = []
  started.push(startServer('tcp-echo', cli('tcp-echo'), ['--port', '0', '--grace', '1s'], /listening on \S+:(\d+)/).then((s) => ({ ...s, round: tcpRound })))
  started.push(startServer('udp-echo', cli('udp-echo'), ['--port', '0', '--rate-limit', '0'], /listening on \S+:(\d+)/).then((s) => ({ ...s, round: udpRound })))
  started.push(
    startServer('nc -lk --keep-open -e cat', cli('nc'), ['-lkv', '--keep-open', '-e', '/bin/cat', '127.0.0.1', '0'], /Listening on \S+ (\d+)/).then((s) => ({
      ...s,
      round: (server) => tcpRound(server, { connections: 10 }),
    })),
  )
  if (existsSync(cli('ws-echo'))) {
    started.push(startServer('ws-echo', cli('ws-echo'), ['--port', '0'], /listening on \S+:(\d+)/).then((s) => ({ ...s, round: wsRound })))
  }
  servers.push(...(await Promise.all(started)))
  const t0 = Date.now()
  const sampler = setInterval(() => {
    for (const server of servers) {
      const s = sample(server.child.pid)
      if (s) stat(server.name).samples.push({ t: Date.now() - t0, ...s })
    }
  }, SAMPLE_MS)
  process.stderr.write(`soak: ${servers.map((s) => s.name).join(', ')} for ${durationMs / 1000} s\n`)
  await Promise.all(
    servers.map(async (server) => {
      // Bounded: one round per ROUND_MS, and no round starts after the deadline.
      for (let round = 0; round < Math.ceil(durationMs / ROUND_MS) + 1 && Date.now() - t0 < durationMs; round++) await server.round(server)
    }),
  )
  clearInterval(sampler)
  await sleep(1_000) // let the last clients' connections and exec children wind down
  for (const server of servers) stat(server.name).childrenLeft = childrenOf(server.child.pid)
  for (const server of servers) server.child.kill('SIGTERM')
  await sleep(500)
  return verdicts(Date.now() - t0)
}

function windowPeak(samples, from, to, field) {
  const inWindow = samples.filter((s) => s.t >= from && s.t < to)
  return inWindow.length ? Math.max(...inWindow.map((s) => s[field])) : undefined
}

function verdicts(elapsed) {
  const win = Math.min(60_000, elapsed / 2)
  const rows = []
  let ok = true
  for (const [name, s] of stats) {
    const fdFirst = windowPeak(s.samples, 0, win, 'fds')
    const fdLast = windowPeak(s.samples, elapsed - win, Infinity, 'fds')
    const rssFirst = windowPeak(s.samples, 0, win, 'rss')
    const rssLast = windowPeak(s.samples, elapsed - win, Infinity, 'rss')
    const problems = [...s.failures]
    if (s.mismatches) problems.push(`${s.mismatches} mismatches`)
    if (s.errors) problems.push(`${s.errors} load tester errors`)
    if (s.chaosBad) problems.push(`${s.chaosBad} hostile-client checks failed`)
    if (fdFirst === undefined || fdLast === undefined) problems.push('no fd samples')
    else if (fdLast > fdFirst + FD_SLACK) problems.push(`fds grew ${fdFirst} -> ${fdLast}`)
    if (rssFirst !== undefined && rssLast !== undefined && rssLast > rssFirst + RSS_SLACK(rssFirst)) problems.push('RSS grew')
    if (s.childrenLeft.length) problems.push(`children left: ${s.childrenLeft.join(', ')}`)
    if (problems.length) ok = false
    const mib = (b) => (b === undefined ? '-' : (b / 1048576).toFixed(1))
    rows.push([
      name,
      `${s.runs} (+${s.killed} killed)`,
      s.ops.toLocaleString('en-US'),
      String(s.mismatches),
      String(s.errors),
      `${s.chaos - s.chaosBad}/${s.chaos}`,
      `${fdFirst ?? '-'} / ${fdLast ?? '-'}`,
      `${mib(rssFirst)} / ${mib(rssLast)}`,
      String(s.childrenLeft.length),
      problems.length ? `FAIL: ${problems.join('; ')}` : 'ok',
    ])
  }
  const header = ['server', 'load runs', 'ops verified', 'mismatches', 'errors', 'hostile ok', 'fds first/last', 'RSS MiB first/last', 'children left', 'verdict']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  console.log(`soak: ${(elapsed / 1000).toFixed(0)} s, windows of ${(win / 1000).toFixed(0)} s compared (peaks; fd slack ${FD_SLACK}, RSS slack 25% + 16 MiB)`)
  console.log(line(header))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const row of rows) console.log(line(row))
  return ok ? 0 : 1
}

const cleanup = () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL')
}
process.on('SIGINT', () => {
  cleanup()
  process.exit(130)
})
main().then(
  (code) => {
    cleanup()
    process.exitCode = code
  },
  (err) => {
    cleanup()
    console.error(`soak: ${err.message}`)
    process.exitCode = 1
  },
)
