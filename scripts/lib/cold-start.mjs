// Cold start of a CLI against bare `node -e 0`: every command spawned in turn (interleaved, so
// a busy moment of this shared machine hits every command alike), median wall time from spawn
// to exit, after warm-ups. Used by bench-http.mjs and bench-echo.mjs.
import { spawn } from 'node:child_process'

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
 * command is node unless given), with `node -e 0` first; `until` (a RegExp) times start to that output instead of to exit. Resolves with rows
 * `[name, 'N ms', 'N.NN×']` and the medians by name.
 */
export async function measureColdStarts(commands, { runs = 20, warmups = 3 } = {}) {
  const all = [{ name: 'node -e 0', argv: ['-e', '0'] }, ...commands]
  const times = new Map(all.map((c) => [c.name, []]))
  for (let i = 0; i < warmups + runs; i++) {
    for (const c of all) {
      const ms = await timeRun(c)
      if (i >= warmups) times.get(c.name).push(ms)
    }
  }
  const medians = new Map(all.map((c) => [c.name, median(times.get(c.name))]))
  const base = medians.get('node -e 0')
  const rows = all.map((c) => [c.name, `${medians.get(c.name).toFixed(1)} ms`, `${(medians.get(c.name) / base).toFixed(2)}×`])
  return { rows, medians, method: `median of ${runs} runs each after ${warmups} warm-ups, interleaved` }
}
