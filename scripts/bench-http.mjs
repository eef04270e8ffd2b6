// `npm run bench:http`: download a 1 GiB file from a local nginx with http-get and with curl in
// the same run, as a Content-Length response and as a chunked one, and write the table to the
// `http` section of BENCHMARKS.md. Each tool writes to -o /dev/null and reports
// %{size_download}, which is checked, so a short transfer cannot pass for a fast one.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import { measureColdStarts } from './lib/cold-start.mjs'
import { machineLine, markdownTable, median, repoRoot, which, writeSection } from './lib/report.mjs'

const SIZE = 1024 ** 3
const RUNS = Number(process.env.BENCH_HTTP_RUNS ?? 5)
const httpGetCli = path.join(repoRoot, 'packages/http-get/dist/cli.js')
const template = path.join(repoRoot, 'scripts/bench-http/nginx.conf.template')

/**
 * Cold start of a real session: `http-get -s -o /dev/null URL` for a 6-byte body from a Node
 * server in this process, against bare `node -e 0`, the smallest Node client (minimal-get.mjs)
 * and curl; written to the `http-cold-start` section.
 */
async function coldStart() {
  const server = http.createServer((req, res) => res.end('hello\n')).listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${server.address().port}/small`
  const curlPath = which('curl')
  const runs = Number(process.env.BENCH_COLD_START_RUNS ?? 20)
  try {
    const { rows, header, method } = await measureColdStarts(
      [
        { name: 'node minimal-get.mjs URL (node:net, no parsing: the floor)', argv: [path.join(repoRoot, 'scripts/bench-http/minimal-get.mjs'), url] },
        { name: '**http-get -s -o /dev/null URL**', argv: [httpGetCli, '-s', '-o', '/dev/null', url] },
        { name: 'http-get -h (loads yargs)', argv: [httpGetCli, '-h'] },
        ...(curlPath ? [{ name: 'curl -s -o /dev/null URL', command: curlPath, argv: ['-s', '-o', '/dev/null', url] }] : []),
      ],
      { runs },
    )
    const body = [
      '### http-get cold start (`npm run bench:http`)',
      '',
      machineLine(),
      '',
      `Wall time from spawn to exit, ${method}; the URL serves 6 bytes from a Node server on 127.0.0.1. Target: the real session within 1.3× of \`node -e 0\`.`,
      '',
      markdownTable(header, rows),
    ].join('\n')
    writeSection('http-cold-start', body)
    console.log(body)
  } finally {
    server.close()
  }
}

await coldStart()
if (process.env.BENCH_COLD_START_ONLY) process.exit(0)

function findNginx() {
  return which('nginx') ?? ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => fs.existsSync(p))
}

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function waitForPort(port, child, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`)
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`nginx did not listen on port ${port} within ${timeoutMs} ms`)
}

/** Run one download; returns wall-clock seconds (process start to exit, start-up included). */
async function download(command, args) {
  const started = performance.now()
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (c) => (out += c))
  child.stderr.on('data', (c) => (err += c))
  const [code] = await once(child, 'close')
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) throw new Error(`${path.basename(command)} exited ${code}: ${err.trim()}`)
  if (Number(out.trim()) !== SIZE) throw new Error(`${path.basename(command)} downloaded ${out.trim()} bytes, expected ${SIZE}`)
  return seconds
}

const rows = []
const notes = []
const nginx = findNginx()
const curl = which('curl')
const responses = [
  { name: 'Content-Length', path: '/big.bin' },
  { name: 'chunked', path: '/chunked/big.bin' },
]

if (!fs.existsSync(httpGetCli)) {
  console.error(`missing ${httpGetCli}: run \`npm run build\` first (npm run bench:http does)`)
  process.exit(1)
}

if (!nginx) {
  console.error('nginx is not installed; install it with: sudo apt-get install nginx-light')
  for (const response of responses) rows.push([response.name, 'http-get', 'skipped (no nginx)', '', ''], [response.name, 'curl', 'skipped (no nginx)', '', ''])
  notes.push('Skipped: nginx is not installed (`apt-get install nginx-light`).')
} else {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-http-'))
  const port = await freePort()
  fs.mkdirSync(path.join(prefix, 'www'))
  fs.mkdirSync(path.join(prefix, 'tmp'))
  // A sparse 1 GiB file: no disk space used, and reads come from zero pages, so the numbers
  // measure the HTTP clients and loopback, not the disk.
  const fd = fs.openSync(path.join(prefix, 'www/big.bin'), 'w')
  fs.ftruncateSync(fd, SIZE)
  fs.closeSync(fd)
  fs.writeFileSync(path.join(prefix, 'www/empty.txt'), '')
  const conf = path.join(prefix, 'nginx.conf')
  fs.writeFileSync(conf, fs.readFileSync(template, 'utf8').replaceAll('{{PREFIX}}', prefix).replaceAll('{{PORT}}', String(port)))
  const server = spawn(nginx, ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')], { stdio: ['ignore', 'ignore', 'inherit'] })
  const stop = () => {
    if (server.exitCode === null) server.kill('SIGTERM')
  }
  process.on('exit', stop)
  try {
    await waitForPort(port, server)
    const base = `http://127.0.0.1:${port}`
    const tools = [
      { name: 'http-get', command: process.execPath, args: (url) => [httpGetCli, '-s', '-o', '/dev/null', '-w', '%{size_download}', url] },
      { name: 'curl', command: curl, args: (url) => ['-s', '-o', '/dev/null', '-w', '%{size_download}', url] },
    ]
    for (const response of responses) {
      const url = base + response.path
      const times = new Map(tools.map((tool) => [tool.name, []]))
      // One warm-up each (page cache, nginx), then alternate the tools run by run.
      for (const tool of tools) if (tool.command) await download(tool.command, tool.args(url))
      for (let run = 0; run < RUNS; run++) {
        for (const tool of tools) {
          if (!tool.command) continue
          const seconds = await download(tool.command, tool.args(url))
          times.get(tool.name).push(seconds)
          console.error(`${response.name} ${tool.name} run ${run + 1}/${RUNS}: ${seconds.toFixed(3)} s`)
        }
      }
      const curlMedian = times.get('curl').length ? median(times.get('curl')) : undefined
      for (const tool of tools) {
        if (!tool.command) {
          rows.push([response.name, tool.name, 'skipped (not installed)', '', ''])
          continue
        }
        const t = median(times.get(tool.name))
        const ratio = curlMedian ? (curlMedian / t).toFixed(2) + 'x' : 'n/a'
        rows.push([response.name, tool.name, `${t.toFixed(3)} s`, `${((SIZE / t) / 1e6).toFixed(0)} MB/s`, tool.name === 'curl' ? '1.00x' : ratio])
      }
    }
  } finally {
    stop()
    fs.rmSync(prefix, { recursive: true, force: true })
  }
}

const curlVersion = curl ? (await new Promise((resolve) => {
  const child = spawn(curl, ['--version'])
  let out = ''
  child.stdout.on('data', (c) => (out += c))
  child.on('close', () => resolve(out.split('\n')[0]))
})) : 'curl not installed'

const body = [
  '## http-get: 1 GiB from a local nginx',
  '',
  machineLine(),
  '',
  `Each tool downloads a sparse 1 GiB file from nginx on 127.0.0.1 to \`-o /dev/null\` (${RUNS} runs after a warm-up, alternating; median wall time including process start-up; MB/s = 10^6 bytes/s). "chunked" is the same file sent with Transfer-Encoding: chunked (nginx's addition module drops Content-Length). "vs curl" is curl's time divided by the tool's: above 1.00x is faster than curl. Peer: ${curlVersion.split(' ').slice(0, 2).join(' ')}.`,
  '',
  markdownTable(['Response', 'Tool', 'Median time', 'Throughput', 'vs curl'], rows),
  ...(notes.length ? ['', ...notes] : []),
].join('\n')
writeSection('http', body)
console.log(body)
