// Cold start of a CLI against bare `node -e 0`: every command spawned in turn (interleaved, so
// a busy moment of this shared machine hits every command alike), median wall time from spawn
// to exit, after warm-ups. Used by bench-http.mjs and bench-echo.mjs.
import { execFileSync, spawn } from 'node:child_process'

/**
 * Runs one command with stdio on /dev/null and prints its wall time and CPU time (user + system,
 * from wait4's rusage, in µs resolution): CPU time moves much less than wall time when the
 * shared machine is busy. Node cannot read a child's rusage, Python can. With COLD_START_UNTIL
 * (a regex), times to the first output that matches, then kills the process (a server: the CPU
 * it used until then, as it idles after).
 */
const RUSAGE_PY = `
import json, os, re, signal, sys, time
until = re.compile(os.environ["COLD_START_UNTIL"]) if os.environ.get("COLD_START_UNTIL") else None
null = os.open(os.devnull, os.O_RDWR)
if until:
    read_end, write_end = os.pipe()
    actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, write_end, 1), (os.POSIX_SPAWN_DUP2, write_end, 2), (os.POSIX_SPAWN_CLOSE, read_end)]
else:
    actions = [(os.POSIX_SPAWN_DUP2, null, fd) for fd in (0, 1, 2)]
started = time.perf_counter()
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=actions)
wall = None
if until:
    os.close(write_end)
    seen = b""
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        seen += chunk
        if until.search(seen.decode("utf-8", "replace")):
            wall = time.perf_counter() - started
            os.kill(pid, signal.SIGKILL)
            break
_, status, usage = os.wait4(pid, 0)
if wall is None:
    wall = time.perf_counter() - started
code = 0 if until and status == signal.SIGKILL else os.waitstatus_to_exitcode(status)
print(json.dumps({"wall": wall * 1000, "cpu": (usage.ru_utime + usage.ru_stime) * 1000, "code": code}))
`
let python
try {
  execFileSync('python3', ['-c', 'import os; os.wait4; os.posix_spawnp'], { stdio: 'ignore' })
  python = 'python3'
} catch {
  python = undefined
}

/** Wall and CPU ms of one run to exit, through RUSAGE_PY (asynchronous: a server in this process keeps answering). */
function timeWithRusage({ name, command = process.execPath, argv, until, okCodes = [0] }) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, COLD_START_UNTIL: until ? until.source : '' }
    const child = spawn(python, ['-c', RUSAGE_PY, command, ...argv], { stdio: ['ignore', 'pipe', 'inherit'], env })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.once('error', reject)
    child.once('close', () => {
      try {
        const { wall, cpu, code } = JSON.parse(out)
        if (!okCodes.includes(code)) reject(new Error(`${name} exited ${code}`))
        else resolve({ wall, cpu })
      } catch (err) {
        reject(new Error(`${name}: no timing (${err.message}): ${out}`))
      }
    })
  })
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Spawn `node ...argv` and time it to its exit, or to the first output matching `until` (time
 * to listening; the process is then killed). Asynchronous, so a server in this process (the
 * one http-get fetches from) keeps answering.
 */
function timeRun({ name, command = process.execPath, argv, until, okCodes = [0] }) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, argv, { stdio: ['ignore', until ? 'pipe' : 'ignore', until ? 'pipe' : 'ignore'] })
    let text = ''
    let matchedAt
    const onData = (chunk) => {
      text += chunk
      if (matchedAt === undefined && until.test(text)) {
        matchedAt = performance.now() - started
        child.kill('SIGKILL')
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (until) {
        if (matchedAt === undefined) reject(new Error(`${name}: no ${until} within 10 s: ${text}`))
        else resolve(matchedAt)
      } else if (!okCodes.includes(code)) reject(new Error(`${name} exited ${code}`))
      else resolve(performance.now() - started)
    })
  })
}

/**
 * Median start-to-exit time of each command (`{ name, argv, command?, until?, okCodes? }`; the
 * command is node unless given), with `node -e 0` first; `until` (a RegExp) times start to that
 * output instead of to exit. With python3 (for wait4), commands timed to exit also get their
 * median CPU time (user + system). Resolves with rows `[name, 'N ms', 'N.NN×', 'N ms', 'N.NN×']`
 * (wall, then CPU; '—' where not measured) and a sentence saying how.
 */
export async function measureColdStarts(commands, { runs = 20, warmups = 3 } = {}) {
  // Rows timed to an output line (a pipe, a kill) have a baseline timed the same way: bare node
  // printing that line.
  const LISTENING_BASE = "node -e \"console.error('listening')\" (baseline of the rows timed to a line)"
  const timedToOutput = commands.some((c) => c.until)
  const all = [
    { name: 'node -e 0', argv: ['-e', '0'] },
    ...(timedToOutput ? [{ name: LISTENING_BASE, argv: ['-e', "console.error('listening'); setInterval(() => {}, 1000)"], until: /listening/ }] : []),
    ...commands,
  ]
  const wall = new Map(all.map((c) => [c.name, []]))
  const cpu = new Map(all.map((c) => [c.name, []]))
  for (let i = 0; i < warmups + runs; i++) {
    for (const c of all) {
      const run = python ? await timeWithRusage(c) : { wall: await timeRun(c) }
      if (i < warmups) continue
      wall.get(c.name).push(run.wall)
      if (run.cpu !== undefined) cpu.get(c.name).push(run.cpu)
    }
  }
  const cell = (values, base) => {
    if (values.length === 0) return ['—', '—']
    const m = median(values)
    return [`${m.toFixed(1)} ms`, `${(m / base).toFixed(2)}×`]
  }
  const wallBase = median(wall.get('node -e 0'))
  const cpuBase = cpu.get('node -e 0').length ? median(cpu.get('node -e 0')) : 1
  const base = (values) => (values.length ? median(values) : 1)
  const rows = all.map((c) => {
    const wallOf = c.until ? base(wall.get(LISTENING_BASE)) : wallBase
    const cpuOf = c.until ? base(cpu.get(LISTENING_BASE)) : cpuBase
    return [c.name, ...cell(wall.get(c.name), wallOf), ...cell(cpu.get(c.name), cpuOf)]
  })
  const how = `${python ? '; CPU = user + system time of the process (wait4)' : ''}${timedToOutput ? '; rows timed to a \`listening\` line are compared with bare node printing one' : ''}`
  return { rows, header: ['command', 'wall (median)', 'vs node -e 0', 'CPU (median)', 'vs node -e 0'], method: `median of ${runs} runs each after ${warmups} warm-ups, interleaved${how}` }
}
