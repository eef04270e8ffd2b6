// Launchers for the echo servers the benchmark compares: each runs in its own child process
// (its own process group, so socat's forked children go with it), bound to 127.0.0.1 on a
// port we pick, started through `sh -c 'ulimit -n N; exec ...'` so it may hold 10,000 sockets.
import { execFileSync, spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { repoRoot, which } from '../lib/report.mjs'

const peers = path.join(repoRoot, 'scripts/bench-echo/peers')
const PYTHON = '/usr/bin/python3'

/** The open-files limit servers get: the hard limit, at most 65,536. */
export function fileLimit() {
  const read = (flag) => execFileSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim()
  const hard = read('-Hn')
  return { soft: Number(read('-n')), hard: hard === 'unlimited' ? 65_536 : Math.min(65_536, Number(hard)) }
}

function pythonHas(module) {
  if (!existsSync(PYTHON)) return false
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Every server, by protocol. `command(port)` gives argv, or `skip` says why it cannot run here.
 * `ours` marks the one the ratios are relative to.
 */
export function serverCatalogue() {
  const node = process.execPath
  const tcpEchoCli = path.join(repoRoot, 'packages/tcp-echo/dist/cli.js')
  const udpEchoCli = path.join(repoRoot, 'packages/udp-echo/dist/cli.js')
  const python = existsSync(PYTHON) ? undefined : `skipped (not installed: ${PYTHON})`
  const uvloop = python ?? (pythonHas('uvloop') ? undefined : 'skipped (not installed: python3-uvloop)')
  const socat = which('socat') ? undefined : 'skipped (not installed: socat)'
  return {
    tcp: [
      { name: 'tcp-echo (ours)', ours: true, command: (p) => [node, tcpEchoCli, '--host', '127.0.0.1', '--port', String(p)], skip: existsSync(tcpEchoCli) ? undefined : 'skipped (not built)' },
      { name: 'Node net socket.pipe(socket)', command: (p) => [node, path.join(peers, 'node-tcp-echo.mjs'), String(p)] },
      { name: 'Python asyncio', command: (p) => [PYTHON, path.join(peers, 'asyncio-echo.py'), 'tcp', String(p)], skip: python },
      { name: 'Python asyncio + uvloop', command: (p) => [PYTHON, path.join(peers, 'asyncio-echo.py'), 'tcp', String(p), '--uvloop'], skip: uvloop },
      {
        name: 'socat fork EXEC:cat',
        forksPerConnection: true,
        command: (p) => ['socat', `TCP-LISTEN:${p},bind=127.0.0.1,fork,reuseaddr,backlog=511`, 'EXEC:cat'],
        skip: socat,
      },
    ],
    udp: [
      { name: 'udp-echo (ours)', ours: true, command: (p) => [node, udpEchoCli, '--host', '127.0.0.1', '--port', String(p)], skip: existsSync(udpEchoCli) ? undefined : 'skipped (not built)' },
      { name: 'Node dgram minimal', command: (p) => [node, path.join(peers, 'node-udp-echo.mjs'), String(p)] },
      { name: 'Python asyncio', command: (p) => [PYTHON, path.join(peers, 'asyncio-echo.py'), 'udp', String(p)], skip: python },
      { name: 'Python asyncio + uvloop', command: (p) => [PYTHON, path.join(peers, 'asyncio-echo.py'), 'udp', String(p), '--uvloop'], skip: uvloop },
      // socat has no UDP echo server: UDP-RECVFROM,fork EXEC:cat serves one datagram per forked process.
      { name: 'socat', command: undefined, skip: 'n/a (socat has no UDP echo server; UDP-RECVFROM,fork runs one process per datagram)' },
    ],
  }
}

/** A port that was free a moment ago on 127.0.0.1 for `protocol`. */
export async function freePort(protocol) {
  if (protocol === 'udp') {
    const s = dgram.createSocket('udp4')
    s.bind(0, '127.0.0.1')
    await once(s, 'listening')
    const { port } = s.address()
    await new Promise((r) => s.close(r))
    return port
  }
  const s = net.createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address()
  await new Promise((r) => s.close(r))
  return port
}

async function tcpReady(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function udpReady(port) {
  const socket = dgram.createSocket('udp4')
  try {
    const reply = once(socket, 'message')
    socket.send(Buffer.from('probe'), port, '127.0.0.1')
    return await Promise.race([reply.then(() => true), sleep(200).then(() => false)])
  } finally {
    socket.close()
  }
}

/** Resident memory of a process in bytes (VmRSS), or undefined when it is gone. */
export function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/**
 * CPU time (user + system) a process has used, in ms, or undefined when it is gone. Unlike
 * a rate, this barely moves when other work shares the machine.
 */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return (ticks * 1000) / clockTicks
  } catch {
    return undefined
  }
}
const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/**
 * Start `server` for `protocol` and wait (at most 15 s) until it answers. Returns
 * `{ port, pid, stop() }`; stderr is kept for the error message if it never comes up.
 */
export async function startServer(server, protocol, limit) {
  const port = await freePort(protocol)
  const argv = server.command(port)
  const child = spawn('sh', ['-c', `ulimit -n ${limit}; exec "$@"`, 'sh', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d) => {
    if (stderr.length < 4096) stderr += d
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))
  let gone = false
  exited.then(() => (gone = true))
  const deadline = Date.now() + 15_000
  for (;;) {
    if (gone) {
      // Node ends a crash with its version line; the error itself is the line that says so.
      const lines = stderr.trim().split('\n')
      const reason = lines.find((l) => /error|cannot|failed/i.test(l)) ?? lines.at(-1) ?? ''
      throw new Error(`${server.name} exited at start: ${reason.trim()}`)
    }
    if (protocol === 'udp' ? await udpReady(port) : await tcpReady(port)) break
    if (Date.now() > deadline) {
      process.kill(-child.pid, 'SIGKILL')
      throw new Error(`${server.name} did not answer on port ${port} within 15 s`)
    }
    await sleep(50)
  }
  return {
    port,
    pid: child.pid,
    async stop() {
      if (gone) return
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {}
      const done = await Promise.race([exited.then(() => true), sleep(8000).then(() => false)])
      if (!done) {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {}
        await exited
      }
    },
  }
}
