// `npm run bench:nc`: our nc against its peers, in one run.
// 0. Files, as users send them: `nc -N host port < file` (stdin a regular file), `cat file | nc -N
//    host port` (stdin a pipe), and the receiver's `nc -l port > file` on disk, at 256 MiB and
//    2 GiB of random bytes; both ends the same tool (ours, OpenBSD nc, ncat, socat); the sha256
//    of what arrived is checked on every run; tools interleaved within each round.
// 1. Pipe throughput: `head -c 2G /dev/zero | CLIENT` -> `LISTENER > /dev/null` over loopback for
//    our nc, OpenBSD nc, ncat and socat (peers missing from PATH are reported as skipped).
// 2. Cold start: `nc --version` (and a full argument parse, `nc -h`) against `node -e 0`.
// 3. Scan: `nc -z 127.0.0.1 1-20000` wall time, ours against OpenBSD nc (capped: OpenBSD nc
//    probes one port at a time and takes minutes; a capped run is reported as `>Ns`).
// Writes the tables to BENCHMARKS.md (section `nc`). Installs nothing.
//
// BENCH_NC_QUICK=1: the file rows at 256 MiB only. BENCH_NC_BASELINE=path/to/cli.js: one more
// tool, another build of ours (e.g. the one before a change), measured in the same rounds, named
// by BENCH_NC_BASELINE_LABEL (default "(baseline build)").
// BENCH_NC_SIZE (default 2G) bytes piped; BENCH_NC_ROUNDS (default 3) pipe runs per tool (median);
// BENCH_NC_STARTS (default 20) cold starts per command (median); BENCH_NC_SCAN_CAP (s, default 60).
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomFillSync } from 'node:crypto'
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { once } from 'node:events'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { machineLine, markdownTable, median, repoRoot, which, writeSection } from './lib/report.mjs'

const SIZE = process.env.BENCH_NC_SIZE ?? '2G'
const ROUNDS = Math.max(1, Number(process.env.BENCH_NC_ROUNDS ?? 3))
const STARTS = Math.max(3, Number(process.env.BENCH_NC_STARTS ?? 20))
const SCAN_CAP_S = Number(process.env.BENCH_NC_SCAN_CAP ?? 60)
const OURS = path.join(repoRoot, 'packages/nc/dist/cli.js')
const node = process.execPath
const log = (text) => process.stderr.write(`${text}\n`)
const sizeBytes = (() => {
  const m = /^(\d+)([KMG]?)$/i.exec(SIZE)
  if (!m) throw new Error(`BENCH_NC_SIZE: ${SIZE}`)
  return Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()]
})()
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  server.close()
  await once(server, 'close')
  return port
}

/** Wait until something listens on 127.0.0.1:port, without connecting (a connect would use up a one-shot listener). */
async function waitListening(port, ms = 10_000) {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const table = spawnSync('cat', ['/proc/net/tcp'], { encoding: 'utf8' }).stdout ?? ''
    if (table.split('\n').some((l) => l.includes(`:${hex} 00000000:0000 0A`))) return
    await sleep(20)
  }
  throw new Error(`nothing listens on port ${port}`)
}

const ncOpenbsd = which('nc.openbsd')
const ncat = which('ncat')
const socat = which('socat')

const MINIMAL_LISTENER =
  "const net=require('net');const srv=net.createServer((s)=>{srv.close();s.pipe(process.stdout)}).listen(Number(process.argv[1]),'127.0.0.1')"
const MINIMAL_CLIENT =
  "const s=require('net').connect(Number(process.argv[1]),'127.0.0.1');process.stdin.pipe(s);s.pipe(process.stdout);s.on('end',()=>process.exit(0))"

// The floor for any Node netcat sending a file one way: the sender reads stdin with blocking
// readSync into one 1 MiB buffer and writes each chunk once the last write completed; the
// receiver reads the socket into one 1 MiB buffer (onread) and writeSyncs it to stdout, then
// exits at once. No options, no half-close rules, no error handling: what Node itself allows.
const FLOOR_LISTENER =
  "const net=require('net'),fs=require('fs');const srv=net.createServer({pauseOnConnect:true},(c)=>{srv.close();const h=c._handle;c._handle=null;const s=new net.Socket({handle:h,allowHalfOpen:true,onread:{buffer:Buffer.allocUnsafe(1<<20),callback(n,b){let o=0;while(o<n)o+=fs.writeSync(1,b,o,n-o)}}});s.on('end',()=>process.exit(0));s.resume()}).listen(Number(process.argv[1]),'127.0.0.1')"
const FLOOR_CLIENT =
  "const net=require('net'),fs=require('fs');const s=net.connect(Number(process.argv[1]),'127.0.0.1');const b=Buffer.allocUnsafe(1<<20);s.on('connect',()=>{const next=()=>{const n=fs.readSync(0,b,0,b.length,null);if(n===0)return s.end(()=>process.exit(0));s.write(b.subarray(0,n),next)};next()});s.resume()"
const floorTool = {
  name: 'minimal Node sender/receiver (floor)',
  listen: (p) => `${q(node)} -e ${q(FLOOR_LISTENER)} ${p}`,
  client: (p) => `${q(node)} -e ${q(FLOOR_CLIENT)} ${p}`,
}

/** Each tool: listener and client command lines for a port (shell words), or a reason to skip. */
const pipeTools = [
  { name: '@netkit/nc (ours)', listen: (p) => `${q(node)} ${q(OURS)} -l 127.0.0.1 ${p}`, client: (p) => `${q(node)} ${q(OURS)} -N 127.0.0.1 ${p}` },
  // The floor for any Node netcat: stdin.pipe(socket) / socket.pipe(stdout), half-close aware, no options.
  {
    name: 'minimal Node pipe (reference)',
    listen: (p) => `${q(node)} -e ${q(MINIMAL_LISTENER)} ${p}`,
    client: (p) => `${q(node)} -e ${q(MINIMAL_CLIENT)} ${p}`,
  },
  ncOpenbsd
    ? { name: 'OpenBSD nc', listen: (p) => `${q(ncOpenbsd)} -l 127.0.0.1 ${p}`, client: (p) => `${q(ncOpenbsd)} -N 127.0.0.1 ${p}` }
    : { name: 'OpenBSD nc', skip: 'skipped (nc.openbsd not installed)' },
  ncat
    ? { name: 'ncat', listen: (p) => `${q(ncat)} -l 127.0.0.1 ${p}`, client: (p) => `${q(ncat)} 127.0.0.1 ${p}` }
    : { name: 'ncat', skip: 'skipped (ncat not installed)' },
  socat
    ? { name: 'socat', listen: (p) => `${q(socat)} -u TCP-LISTEN:${p},bind=127.0.0.1,reuseaddr STDOUT`, client: (p) => `${q(socat)} -u STDIN TCP:127.0.0.1:${p}` }
    : { name: 'socat', skip: 'skipped (socat not installed)' },
]

async function pipeOnce(tool) {
  const port = await freePort()
  const listener = spawn('sh', ['-c', `exec ${tool.listen(port)} > /dev/null`], { stdio: ['ignore', 'ignore', 'inherit'] })
  const listenerExit = once(listener, 'exit')
  await waitListening(port)
  const started = performance.now()
  const client = spawn('sh', ['-c', `head -c ${sizeBytes} /dev/zero | ${tool.client(port)}`], { stdio: ['ignore', 'ignore', 'inherit'] })
  const [[clientCode], [listenerCode]] = await Promise.all([once(client, 'exit'), listenerExit])
  const seconds = (performance.now() - started) / 1000
  if (clientCode !== 0 || listenerCode !== 0) throw new Error(`${tool.name}: exit codes client ${clientCode}, listener ${listenerCode}`)
  return seconds
}

const results = { pipe: [], start: [], scan: [], files: [] }
const started = performance.now()
const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ')

// 0. File transfers.
const QUICK = process.env.BENCH_NC_QUICK === '1'
const BASELINE = process.env.BENCH_NC_BASELINE
const fileSizes = QUICK ? [256 * 1024 ** 2] : [256 * 1024 ** 2, 2 * 1024 ** 3]
const fileTools = [
  pipeTools[0],
  ...(BASELINE ? [{ name: `@netkit/nc ${process.env.BENCH_NC_BASELINE_LABEL ?? '(baseline build)'}`, listen: (p) => `${q(node)} ${q(BASELINE)} -l 127.0.0.1 ${p}`, client: (p) => `${q(node)} ${q(BASELINE)} -N 127.0.0.1 ${p}` }] : []),
  floorTool,
  ...pipeTools.slice(2),
]
const scenarios = [
  { name: '`nc -N host port < file` (stdin a regular file)', send: (client, src) => `${client} < ${q(src)}`, out: 'shm' },
  { name: '`cat file | nc -N host port` (stdin a pipe)', send: (client, src) => `cat ${q(src)} | ${client}`, out: 'shm' },
  { name: '`nc -l port > file` on disk (sender `< file`)', send: (client, src) => `${client} < ${q(src)}`, out: 'disk' },
]
const shmDir = mkdtempSync(path.join(process.platform === 'linux' ? '/dev/shm' : os.tmpdir(), 'bench-nc-'))
const diskDir = mkdtempSync(path.join(os.tmpdir(), 'bench-nc-'))
process.on('exit', () => {
  rmSync(shmDir, { recursive: true, force: true })
  rmSync(diskDir, { recursive: true, force: true })
})

/** `bytes` random bytes in a file on tmpfs; returns its path and sha256. */
function randomFile(bytes) {
  const file = path.join(shmDir, `src-${bytes}`)
  const fd = openSync(file, 'w')
  const hash = createHash('sha256')
  const block = Buffer.allocUnsafe(1024 * 1024)
  for (let left = bytes; left > 0; left -= block.length) {
    randomFillSync(block)
    const part = left >= block.length ? block : block.subarray(0, left)
    hash.update(part)
    writeSync(fd, part)
  }
  closeSync(fd)
  return { file, sha: hash.digest('hex') }
}

async function sha256File(file) {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk)
  return hash.digest('hex')
}

async function fileOnce(tool, scenario, src) {
  const port = await freePort()
  const out = path.join(scenario.out === 'shm' ? shmDir : diskDir, 'out')
  rmSync(out, { force: true })
  const listener = spawn('sh', ['-c', `exec ${tool.listen(port)} > ${q(out)}`], { stdio: ['ignore', 'ignore', 'inherit'] })
  const listenerExit = once(listener, 'exit')
  await waitListening(port)
  const t0 = performance.now()
  const client = spawn('sh', ['-c', scenario.send(tool.client(port), src.file)], { stdio: ['ignore', 'ignore', 'inherit'] })
  const [[clientCode], [listenerCode]] = await Promise.all([once(client, 'exit'), listenerExit])
  const seconds = (performance.now() - t0) / 1000
  if (clientCode !== 0 || listenerCode !== 0) throw new Error(`exit codes client ${clientCode}, listener ${listenerCode}`)
  const sha = await sha256File(out)
  rmSync(out, { force: true })
  if (sha !== src.sha) throw new Error(`sha256 mismatch: got ${sha.slice(0, 12)}…, sent ${src.sha.slice(0, 12)}…`)
  return seconds
}

const mib = (bytes) => (bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`)
for (const bytes of fileSizes) {
  const src = randomFile(bytes)
  const fileTimes = new Map()
  for (let round = 0; round < ROUNDS; round++) {
    for (const scenario of scenarios) {
      for (const tool of fileTools) {
        if (tool.skip) continue
        const key = `${scenario.name}\0${tool.name}`
        if (!fileTimes.has(key)) fileTimes.set(key, [])
        try {
          const s = await fileOnce(tool, scenario, src)
          fileTimes.get(key).push(s)
          log(`file ${mib(bytes)} ${scenario.name} ${tool.name}: ${s.toFixed(2)} s`)
        } catch (err) {
          log(`file ${mib(bytes)} ${scenario.name} ${tool.name}: failed: ${err.message}`)
        }
      }
    }
  }
  rmSync(src.file, { force: true })
  for (const scenario of scenarios) {
    const oursList = fileTimes.get(`${scenario.name}\0${fileTools[0].name}`) ?? []
    const ours = oursList.length ? median(oursList) : undefined
    for (const tool of fileTools) {
      const list = fileTimes.get(`${scenario.name}\0${tool.name}`) ?? []
      if (tool.skip || list.length === 0) {
        results.files.push([scenario.name, mib(bytes), tool.name, tool.skip ?? 'failed', '—', '—'])
        continue
      }
      const s = median(list)
      const ratio = ours === undefined || tool === fileTools[0] ? '—' : `${(s / ours).toFixed(2)}×`
      results.files.push([scenario.name, mib(bytes), tool.name, `${s.toFixed(2)} s`, `${(bytes / s / 1e9).toFixed(2)} GB/s`, ratio])
    }
  }
}

// 1. Pipe throughput (tools interleaved per round so load drifts hit all alike).
const times = new Map(pipeTools.map((t) => [t.name, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const tool of pipeTools) {
    if (tool.skip) continue
    try {
      const s = await pipeOnce(tool)
      times.get(tool.name).push(s)
      log(`pipe ${tool.name}: ${(sizeBytes / s / 1e9).toFixed(2)} GB/s (${s.toFixed(2)} s)`)
    } catch (err) {
      log(`pipe ${tool.name}: failed: ${err.message}`)
    }
  }
}
const ourPipe = median(times.get(pipeTools[0].name) ?? [])
for (const tool of pipeTools) {
  const list = times.get(tool.name)
  if (tool.skip || list.length === 0) {
    results.pipe.push([tool.name, tool.skip ?? 'failed', '—', '—'])
    continue
  }
  const s = median(list)
  results.pipe.push([tool.name, `${(sizeBytes / s / 1e9).toFixed(2)} GB/s`, `${s.toFixed(2)} s`, `${(ourPipe / s).toFixed(2)}×`])
}

// 2. Cold start: hyperfine when installed (it runs the commands without a shell), else our own
//    interleaved spawns; either way the median.
// The floor for a session: an ES module that imports node:net, connects and exits on the refusal.
const floorStart = path.join(shmDir, 'connect-floor.mjs')
writeFileSync(floorStart, "import net from 'node:net'\nnet.connect(1, '127.0.0.1').on('error', () => { process.exitCode = 1 })\n")
const startCommands = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'node connect-floor.mjs (ESM, node:net, connect to port 1: the floor)', argv: [floorStart], mayFail: true },
  { name: 'nc --version (ours)', argv: [OURS, '--version'] },
  // A plain session (port 1 is closed here, so it exits 1): parsed without yargs.
  { name: 'nc -z 127.0.0.1 1 (ours; a plain session)', argv: [OURS, '-z', '127.0.0.1', '1'], mayFail: true },
  { name: 'nc -h (ours; loads yargs)', argv: [OURS, '-h'] },
]
const hyperfine = which('hyperfine')
const startMedians = new Map()
let startMethod
if (hyperfine) {
  const json = path.join(os.tmpdir(), `bench-nc-start-${process.pid}.json`)
  const r = spawnSync(
    hyperfine,
    ['-N', '-i', '--warmup', '3', '--runs', String(STARTS), '--export-json', json, ...startCommands.map((c) => [node, ...c.argv].map(q).join(' '))],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  if (r.status !== 0) throw new Error(`hyperfine exited ${r.status}`)
  const { results: runs } = JSON.parse(readFileSync(json, 'utf8'))
  rmSync(json, { force: true })
  startCommands.forEach((c, i) => startMedians.set(c.name, runs[i].median * 1000))
  startMethod = `hyperfine -N, ${STARTS} runs after 3 warm-ups, median`
} else {
  const startTimes = new Map(startCommands.map((c) => [c.name, []]))
  for (let i = 0; i < STARTS; i++) {
    for (const c of startCommands) {
      const t = performance.now()
      const r = spawnSync(node, c.argv, { stdio: 'ignore' })
      if (r.status !== 0 && !(c.mayFail && r.status === 1)) throw new Error(`${c.name} exited ${r.status}`)
      startTimes.get(c.name).push(performance.now() - t)
    }
  }
  for (const c of startCommands) startMedians.set(c.name, median(startTimes.get(c.name)))
  startMethod = `median of ${STARTS} spawnSync runs each, interleaved (hyperfine not installed)`
}
const base = startMedians.get('node -e 0')
for (const c of startCommands) {
  const m = startMedians.get(c.name)
  results.start.push([c.name, `${m.toFixed(1)} ms`, `${(m / base).toFixed(2)}×`])
}
log(`cold start: ${results.start.map((r) => `${r[0]} ${r[1]}`).join(', ')}`)

// 3. Scan 1-20000 on localhost.
async function timeScan(cmd, args, capS) {
  const t = performance.now()
  const child = spawn(cmd, args, { stdio: 'ignore' })
  const timer = setTimeout(() => child.kill('SIGKILL'), capS * 1000)
  const [code, signal] = await once(child, 'exit')
  clearTimeout(timer)
  const s = (performance.now() - t) / 1000
  return signal === 'SIGKILL' ? { text: `>${capS} s (stopped)`, s: undefined } : { text: `${s.toFixed(2)} s`, s, code }
}
const ourScan = await timeScan(node, [OURS, '-z', '127.0.0.1', '1-20000'], SCAN_CAP_S)
results.scan.push(['@netkit/nc (ours), --concurrency 256', ourScan.text])
log(`scan ours: ${ourScan.text}`)
if (ncOpenbsd) {
  const theirs = await timeScan(ncOpenbsd, ['-z', '127.0.0.1', '1-20000'], SCAN_CAP_S)
  results.scan.push(['OpenBSD nc', theirs.text])
  log(`scan OpenBSD nc: ${theirs.text}`)
} else {
  results.scan.push(['OpenBSD nc', 'skipped (nc.openbsd not installed)'])
}

const loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(' ')
const body = [
  '## nc (`npm run bench:nc`)',
  '',
  machineLine(),
  `Load average ${loadBefore} at the start, ${loadAfter} at the end (shared machine: compare ratios). Whole run: ${Math.round((performance.now() - started) / 1000)} s.`,
  '',
  `### Files: ${fileSizes.map(mib).join(' and ')} of random bytes over 127.0.0.1, both ends the same tool`,
  '',
  `Median of ${ROUNDS} runs per tool and row, tools interleaved; time from starting the sender until both ends exited; the receiver writes \`> file\` (on tmpfs, or on disk for the last row) and its sha256 is checked after every run. Clients: ours and OpenBSD nc \`-N\`, ncat as is, socat \`-u\`. The floor row is the least any Node program can do: a bare readSync → socket.write sender and onread → writeSync receiver, no options (its source is in this script). Last column: that tool's time over ours (above 1 = ours is faster).`,
  '',
  markdownTable(['how', 'size', 'tool', 'time', 'throughput', 'its time / ours'], results.files),
  '',
  `### Pipe: \`head -c ${SIZE} /dev/zero | CLIENT\` -> \`LISTENER > /dev/null\` over 127.0.0.1`,
  '',
  `Median of ${ROUNDS} runs per tool, tools interleaved; time from starting the client until both ends exited. Our client uses \`-N\` (as OpenBSD nc must, to end); ncat ends on EOF by default; socat runs \`-u\`. Ratio: our time over theirs (above 1 = faster than ours).`,
  '',
  markdownTable(['tool', 'throughput', 'time', 'ratio to ours'], results.pipe),
  '',
  `### Cold start (${startMethod})`,
  '',
  '`nc --version` is answered before anything else loads; plain OpenBSD-style command lines (`nc -z 127.0.0.1 1`, `nc -N host port`) are parsed without yargs; `nc -h` and long options pay for the full yargs parser.',
  '',
  markdownTable(['command', 'median', 'vs node -e 0'], results.start),
  '',
  `### Scan: \`nc -z 127.0.0.1 1-20000\` (capped at ${SCAN_CAP_S} s)`,
  '',
  'Mostly closed ports on loopback (a few may be open: other programs on the machine). Ours probes 256 ports at a time; OpenBSD nc one at a time (fast here: a refused loopback connect costs it only a few syscalls).',
  '',
  markdownTable(['tool', 'wall time'], results.scan),
].join('\n')
writeSection('nc', body)
process.stdout.write(`${body}\n`)
