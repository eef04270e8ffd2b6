import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import tls from 'node:tls'
import { createSelfSignedCertificate } from '@netkit/shared'
import { spawnCli, type SpawnedCli } from '@netkit/test-kit'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { CLI } from './scripted-server.js'

/**
 * curl-exact failure mapping: one scripted server per row, for every failure curl tells apart on
 * the way from connect to the end of the body. Where curl is installed the row runs curl 7.88
 * against the same server and compares exit code and message; otherwise it compares with the
 * codes and messages pinned here (taken from curl 7.88.1).
 */

const CURL = spawnSync('curl', ['--version']).status === 0 ? 'curl' : undefined
const PYTHON = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined

interface Row {
  name: string
  code: number
  /** curl 7.88's message, numbers of ms normalised to N. */
  message: RegExp
  scheme?: 'http' | 'https'
  args?: string[]
  /** Serves one request; `freeze` stops the client until `thaw` (so data and a reset arrive together). */
  serve?: (socket: net.Socket, freeze: () => () => void) => void
  /** A listener that never accepts (connect timeout), or a port nothing listens on (refused). */
  special?: 'refused' | 'hang' | 'tls-self-signed' | 'plain-for-tls' | 'tls-reset'
}

const HEAD_100 = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'
const HEAD_CLOSE = 'HTTP/1.1 200 OK\r\n\r\nabc'
const HEAD_CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'
const RESET = /^Recv failure: Connection reset by peer$/

/** Write `bytes` and reset while the client is stopped, so it finds both at once (libuv's EOF path). */
function writeThenReset(bytes: string) {
  return (socket: net.Socket, freeze: () => () => void) => {
    const thaw = freeze()
    socket.write(bytes, () => {
      socket.resetAndDestroy()
      setTimeout(thaw, 50)
    })
  }
}

const ROWS: Row[] = [
  { name: 'refused', code: 7, message: /^Failed to connect to 127\.0\.0\.1 port \d+ after N ms: Couldn't connect to server$/, special: 'refused' },
  { name: 'reset before the response', code: 56, message: RESET, serve: (socket) => socket.resetAndDestroy() },
  { name: 'reset in the head', code: 56, message: RESET, serve: writeThenReset('HTTP/1.1 200 OK\r\nContent-Le') },
  { name: 'reset in the body, Content-Length', code: 56, message: RESET, serve: writeThenReset(HEAD_100) },
  { name: 'reset in the body, no Content-Length', code: 56, message: RESET, serve: writeThenReset(HEAD_CLOSE) },
  { name: 'reset in the body, chunked', code: 56, message: RESET, serve: writeThenReset(HEAD_CHUNKED) },
  { name: 'reset in the body over TLS', code: 56, message: RESET, special: 'tls-reset', scheme: 'https', args: ['-k'] },
  { name: 'clean close mid-body, Content-Length', code: 18, message: /^transfer closed with 97 bytes remaining to read$/, serve: (socket) => socket.end(HEAD_100) },
  { name: 'clean close mid-body, chunked', code: 18, message: /^transfer closed with outstanding read data remaining$/, serve: (socket) => socket.end(HEAD_CHUNKED) },
  { name: 'clean close before any byte', code: 52, message: /^Empty reply from server$/, serve: (socket) => socket.end() },
  { name: 'timeout in connect', code: 28, message: /^Failed to connect to 127\.0\.0\.1 port \d+ after N ms: Timeout was reached$/, special: 'hang', args: ['--connect-timeout', '1'] },
  { name: 'timeout in the head', code: 28, message: /^Operation timed out after N milliseconds with 0 bytes received$/, serve: () => {}, args: ['-m', '1'] },
  { name: 'timeout in the body', code: 28, message: /^Operation timed out after N milliseconds with 3 out of 100 bytes received$/, serve: (socket) => socket.write(HEAD_100), args: ['-m', '1'] },
  { name: 'TLS handshake fails', code: 35, message: /^OpenSSL\/[0-9.]+: error:0A00010B:SSL routines::wrong version number$/, special: 'plain-for-tls', scheme: 'https' },
  { name: 'TLS certificate not trusted', code: 60, message: /^SSL certificate problem: self-signed certificate$/, special: 'tls-self-signed', scheme: 'https' },
]

/** The one message line of either tool, with its prefix removed and times normalised. */
function messageOf(stderr: string, prefix: RegExp): string {
  const first = stderr.split('\n')[0] ?? ''
  return first.replace(prefix, '').replace(/after \d+ (ms|milliseconds)/g, 'after N $1')
}

let certificate: { key: string; cert: string }
const rawSockets = new WeakMap<net.Socket, net.Socket>()

/** Send part of a body through TLS, then reset the TCP connection under it, the client stopped meanwhile. */
function resetUnderTls(socket: net.Socket, freeze: () => () => void) {
  const thaw = freeze()
  socket.write(HEAD_100, () => {
    setTimeout(() => {
      rawSockets.get(socket)?.resetAndDestroy()
      setTimeout(thaw, 50)
    }, 20)
  })
}

/** Starts the row's server; `pid()` names the client process to freeze. */
async function startServer(row: Row, pid: () => number | undefined): Promise<number> {
  if (row.special === 'refused') {
    const probe = net.createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const port = (probe.address() as net.AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    return port
  }
  if (row.special === 'hang') return hangingListener()
  const sockets = new Set<net.Socket>()
  const freeze = () => {
    const target = pid()
    if (target === undefined) return () => {}
    process.kill(target, 'SIGSTOP')
    return () => process.kill(target, 'SIGCONT')
  }
  const onSocket = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    if (row.special === 'plain-for-tls') return void socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    if (row.special === 'tls-self-signed') return void socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))
    if (row.special === 'tls-reset') return void socket.once('data', () => resetUnderTls(socket, freeze))
    socket.once('data', () => row.serve!(socket, freeze))
  }
  const tlsRow = row.special === 'tls-self-signed' || row.special === 'tls-reset'
  const server = tlsRow ? tls.createServer(certificate, onSocket) : net.createServer(onSocket)
  // The TCP socket under each TLS one, to reset the connection beneath the TLS layer.
  server.on('connection', (raw: net.Socket) => {
    raw.on('error', () => {})
    if (tlsRow) server.once('secureConnection', (secure: tls.TLSSocket) => rawSockets.set(secure, raw))
  })
  server.on('tlsClientError', () => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return (server.address() as net.AddressInfo).port
}

/**
 * A listener whose accept queue is full and that never accepts: further SYNs are dropped, so a
 * connect hangs (the only way to time out a connect on loopback). Python's socket module does
 * it; Node always accepts.
 */
async function hangingListener(): Promise<number> {
  const script = [
    'import socket, sys, time',
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
    'port = s.getsockname()[1]; fill = []',
    'for _ in range(3):',
    '    c = socket.socket(); c.setblocking(False)',
    "    try: c.connect(('127.0.0.1', port))",
    '    except BlockingIOError: pass',
    '    fill.append(c)',
    'print(port, flush=True); time.sleep(20)',
  ].join('\n')
  const child: ChildProcess = spawn(PYTHON!, ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  onTestFinished(() => {
    child.kill('SIGKILL')
  })
  const [line] = (await once(child.stdout!, 'data')) as [Buffer]
  return Number(line.toString().trim())
}

async function run(tool: 'ours' | 'curl', row: Row, port: number, setPid: (pid: number | undefined) => void) {
  const url = `${row.scheme ?? 'http'}://127.0.0.1:${port}/`
  const args = ['-sS', '-o', '/dev/null', ...(row.args ?? []), url]
  const child: SpawnedCli = tool === 'ours' ? spawnCli(CLI, args, { stdin: 'ignore' }) : spawnCli('', args, { stdin: 'ignore', program: CURL })
  setPid(child.child.pid)
  const timer = setTimeout(() => child.child.kill('SIGKILL'), 15_000)
  const [code, stderr] = await Promise.all([child.exit, child.stderr])
  clearTimeout(timer)
  setPid(undefined)
  return { code, message: messageOf(stderr, tool === 'ours' ? /^http-get: / : /^curl: \(\d+\) /) }
}

describe(`curl-exact failure codes and messages (${CURL ? 'compared with curl run against the same server' : 'curl not installed: compared with codes pinned from curl 7.88'})`, () => {
  beforeAll(() => {
    certificate = createSelfSignedCertificate()
    console.info(CURL ? 'failure table: running curl against every row and comparing' : 'failure table: curl is not installed; comparing with the pinned curl 7.88 codes and messages')
  })

  for (const row of ROWS) {
    it(`${row.name}: exit ${row.code}`, async () => {
      if (row.special === 'hang' && !PYTHON) throw new Error('python3 is needed for a listener that never accepts (apt-get install python3)')
      let pid: number | undefined
      const port = await startServer(row, () => pid)
      const ours = await run('ours', row, port, (p) => (pid = p))
      expect(ours).toMatchObject({ code: row.code })
      expect(ours.message).toMatch(row.message)
      if (CURL) {
        const curl = await run('curl', row, port, (p) => (pid = p))
        expect(ours).toEqual(curl)
      }
    })
  }
})
