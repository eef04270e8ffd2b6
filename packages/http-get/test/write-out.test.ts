import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import path from 'node:path'
import { createSelfSignedCertificate } from '@netkit/shared'
import { readAll, runCli as runProgram, tempDir, withTimeout } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { JSON_VARIABLES } from '../src/index.js'
import { CLI, runCli, scriptedServer, type ReceivedRequest, type Responder, type ScriptedServer } from './scripted-server.js'

/**
 * -w and --json against curl 7.88 itself: both run against the same scripted server and their
 * %{json} objects are compared key by key. Without curl the tests still check our own values
 * against what the server saw, and say so in their titles.
 */
const CURL = spawnSync('curl', ['--version']).status === 0 ? 'curl' : undefined
const WITH_CURL = CURL ? 'compared with curl 7.88 on the same server' : 'curl not installed: own values only'

/** curl 7.88 keys we leave out on purpose (FTP, proxy, --cert-info, curl's own version). */
const OMITTED = ['certs', 'curl_version', 'ftp_entry_path', 'num_certs', 'proxy_ssl_verify_result']
/** Keys whose values must be equal to curl's for the same transfer. */
const AGREE = [
  'content_type', 'errormsg', 'exitcode', 'filename_effective', 'http_code', 'http_connect', 'http_version', 'local_ip', 'method',
  'num_connects', 'num_headers', 'num_redirects', 'redirect_url', 'referer', 'remote_ip', 'remote_port', 'response_code', 'scheme',
  'size_download', 'size_header', 'size_upload', 'speed_upload', 'ssl_verify_result', 'url', 'url_effective', 'urlnum',
]
/** The times in the order curl's documentation guarantees (time_redirect stands apart). */
const ORDERED_TIMES = ['time_namelookup', 'time_connect', 'time_appconnect', 'time_pretransfer', 'time_starttransfer', 'time_total']
const TIMES = [...ORDERED_TIMES, 'time_redirect']

type Json = Record<string, unknown>

const OK_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-Multi: a\r\nx-multi: b\r\nContent-Length: 6\r\n\r\n'

/** Paths of the test site: a plain 200, a redirect, an HTTP/1.0 read-to-close reply, chunked after a 1xx. */
const site: Responder = (socket, request) => {
  const head = request.method === 'HEAD'
  switch (request.target) {
    case '/r':
      socket.write(`HTTP/1.1 302 Found\r\nLocation: /z?q=1\r\nContent-Length: 5\r\n\r\n${head ? '' : 'redir'}`)
      break
    case '/old':
      socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\nold body')
      break
    case '/404':
      socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope')
      break
    case '/short':
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc')
      break
    case '/reset':
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc')
      setTimeout(() => socket.resetAndDestroy(), 50)
      break
    case '/chunked':
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n')
      break
    default:
      socket.write(head ? OK_HEAD : `${OK_HEAD}hello\n`)
  }
}

interface Run {
  code: number
  stdout: string
  stderr: string
  /** The request heads the server read during this run. */
  requests: ReceivedRequest[]
}

async function run(tool: 'ours' | 'curl', server: ScriptedServer | undefined, args: string[]): Promise<Run> {
  const before = server?.requests.length ?? 0
  const result = tool === 'ours' ? await runCli(args) : await runProgram('', args, { program: CURL, ms: 15_000 })
  return { code: result.code, stdout: result.stdout.toString(), stderr: result.stderr, requests: server?.requests.slice(before) ?? [] }
}

function pick(object: Json, keys: readonly string[]): Json {
  return Object.fromEntries(keys.map((key) => [key, object[key]]))
}

/** Checks every %{json} must pass: its keys, times printed as curl prints them, times in order. */
function checkShape(raw: string, data: Json, tls = false): void {
  expect(Object.keys(data)).toEqual([...JSON_VARIABLES])
  for (const key of TIMES) expect(raw).toMatch(new RegExp(`"${key}":\\d+\\.\\d{6}[,}]`))
  const times = ORDERED_TIMES.filter((key) => tls || key !== 'time_appconnect').map((key) => data[key] as number)
  for (let i = 1; i < times.length; i++) expect(times[i]!, `${ORDERED_TIMES[i]} after the one before`).toBeGreaterThanOrEqual(times[i - 1]!)
}

/** A port nothing listens on. */
async function refusedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** curl's "after N ms" differs from run to run. */
const sameMs = (message: unknown) => (typeof message === 'string' ? message.replace(/after \d+ ms/, 'after N ms') : message)

const CASES: Array<{ name: string; path: string; args?: string[]; output?: 'stdout' | 'file' }> = [
  { name: 'a 200 with repeated fields, body to stdout', path: '/z', output: 'stdout' },
  { name: '-L through a 302 (sizes add up over both requests)', path: '/r', args: ['-L'], output: 'file' },
  { name: 'a 302 not followed (redirect_url)', path: '/r' },
  { name: 'an HTTP/1.0 reply read to close (http_version 1)', path: '/old' },
  { name: 'chunked after a 100 (trailers are not header bytes)', path: '/chunked' },
  { name: '-I (HEAD)', path: '/z', args: ['-I'] },
]

describe(`-w '%{json}' (${WITH_CURL})`, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const server = await scriptedServer(site)
      const dir = tempDir()
      const output = (tool: string) => (c.output === 'stdout' ? [] : ['-o', c.output === 'file' ? path.join(dir, tool) : '/dev/null'])
      const ours = await run('ours', server, ['-s', ...output('ours'), ...(c.args ?? []), '-w', '%{json}', server.url(c.path)])
      expect(ours.code).toBe(0)
      const raw = c.output === 'stdout' ? ours.stdout.slice(ours.stdout.indexOf('{')) : ours.stdout
      const data = JSON.parse(raw) as Json
      checkShape(raw, data)
      expect(data.size_request).toBe(ours.requests.reduce((sum, request) => sum + request.raw.length, 0))
      expect(data).toMatchObject({ exitcode: 0, errormsg: null, remote_ip: '127.0.0.1', remote_port: server.port, scheme: 'HTTP', local_ip: '127.0.0.1' })
      if (!CURL) return
      const curl = await run('curl', server, ['-s', ...output('curl'), ...(c.args ?? []), '-w', '%{json}', server.url(c.path)])
      const curlRaw = c.output === 'stdout' ? curl.stdout.slice(curl.stdout.indexOf('{')) : curl.stdout
      const theirs = JSON.parse(curlRaw) as Json
      expect(Object.keys(data).sort()).toEqual(Object.keys(theirs).filter((key) => !OMITTED.includes(key)).sort())
      // Each tool wrote its own file (-o DIR/ours, -o DIR/curl).
      const fileName = (value: unknown) => (typeof value === 'string' ? value.replace(/\/(ours|curl)$/, '/FILE') : value)
      expect({ ...pick(data, AGREE), filename_effective: fileName(data.filename_effective) }).toEqual({
        ...pick(theirs, AGREE),
        filename_effective: fileName(theirs.filename_effective),
      })
      // The request heads differ (User-Agent), so size_request is checked against what each sent.
      expect(theirs.size_request).toBe(curl.requests.reduce((sum, request) => sum + request.raw.length, 0))
      if (c.output === 'stdout') expect(ours.stdout.slice(0, ours.stdout.indexOf('{'))).toBe(curl.stdout.slice(0, curl.stdout.indexOf('{')))
    })
  }

  const FAILURES = [
    { name: '-f on a 404 (no body counted)', path: '/404', args: ['-f'], code: 22 },
    { name: 'a close mid-body', path: '/short', code: 18 },
    { name: 'a reset mid-body', path: '/reset', code: 56 },
    { name: 'one redirect too many (redirect_url says where to)', path: '/r', args: ['-L', '--max-redirs', '0'], code: 47 },
  ]
  for (const f of FAILURES) {
    it(`${f.name}: exit ${f.code}, -w with what the transfer got to`, async () => {
      const server = await scriptedServer(site)
      const args = ['-s', '-o', '/dev/null', ...(f.args ?? []), '-w', '%{json}', server.url(f.path)]
      const ours = await run('ours', server, args)
      expect(ours.code).toBe(f.code)
      const data = JSON.parse(ours.stdout) as Json
      checkShape(ours.stdout, data)
      expect(data).toMatchObject({ exitcode: f.code, num_connects: 1, size_download: { 22: 0, 47: 5 }[f.code] ?? 3 })
      if (f.code === 47) expect(data.redirect_url).toBe(server.url('/z?q=1'))
      if (!CURL) return
      const curl = await run('curl', server, args)
      expect(curl.code).toBe(f.code)
      expect(pick(data, AGREE)).toEqual(pick(JSON.parse(curl.stdout) as Json, AGREE))
    })
  }

  it('over TLS with -k: scheme HTTPS, ssl_verify_result 18 for a self-signed certificate, appconnect in order', async () => {
    const server = await scriptedServer(site, { tls: createSelfSignedCertificate() })
    const ours = await run('ours', server, ['-s', '-k', '-o', '/dev/null', '-w', '%{json}', server.url('/z')])
    const data = JSON.parse(ours.stdout) as Json
    checkShape(ours.stdout, data, true)
    expect(data).toMatchObject({ scheme: 'HTTPS', ssl_verify_result: 18, http_code: 200, exitcode: 0 })
    expect(data.time_appconnect as number).toBeGreaterThan(0)
    if (!CURL) return
    const curl = await run('curl', server, ['-s', '-k', '-o', '/dev/null', '-w', '%{json}', server.url('/z')])
    expect(pick(data, AGREE)).toEqual(pick(JSON.parse(curl.stdout) as Json, AGREE))
  })

  it('a refused certificate: exit 60, ssl_verify_result 18 and scheme HTTPS in the -w line', async () => {
    const server = await scriptedServer(site, { tls: createSelfSignedCertificate() })
    const ours = await run('ours', server, ['-s', '-o', '/dev/null', '-w', '%{json}', server.url('/z')])
    expect(ours.code).toBe(60)
    const data = JSON.parse(ours.stdout) as Json
    expect(data).toMatchObject({ exitcode: 60, ssl_verify_result: 18, scheme: 'HTTPS', http_code: 0, errormsg: 'SSL certificate problem: self-signed certificate' })
    if (!CURL) return
    const curl = await run('curl', server, ['-s', '-o', '/dev/null', '-w', '%{json}', server.url('/z')])
    expect(curl.code).toBe(60)
    // Left out: curl knows the endpoints of the TCP connection under the failed handshake; we report "" and 0.
    const keys = AGREE.filter((key) => key !== 'local_ip' && key !== 'remote_ip' && key !== 'remote_port')
    expect(pick(data, keys)).toEqual(pick(JSON.parse(curl.stdout) as Json, keys))
  })

  it('a refused connect: exit 7, curl\'s words in errormsg, -w printed all the same', async () => {
    const port = await refusedPort()
    const url = `http://127.0.0.1:${port}/x`
    const ours = await run('ours', undefined, ['-s', '-o', '/dev/null', '-w', '%{json}', url])
    expect(ours.code).toBe(7)
    const data = JSON.parse(ours.stdout) as Json
    checkShape(ours.stdout, data)
    expect(data).toMatchObject({ exitcode: 7, http_code: 0, http_version: '0', num_connects: 0, scheme: null, local_ip: '', remote_port: 0, method: 'GET' })
    expect(data.errormsg).toMatch(new RegExp(`^Failed to connect to 127\\.0\\.0\\.1 port ${port} after \\d+ ms: Couldn't connect to server$`))
    if (!CURL) return
    const curl = await run('curl', undefined, ['-s', '-o', '/dev/null', '-w', '%{json}', url])
    expect(curl.code).toBe(7)
    const theirs = JSON.parse(curl.stdout) as Json
    expect({ ...pick(data, AGREE), errormsg: sameMs(data.errormsg) }).toEqual({ ...pick(theirs, AGREE), errormsg: sameMs(theirs.errormsg) })
  })
})

/** One `name=%{name}` line per variable, to see each one's -w text. */
const EACH = [...JSON_VARIABLES.map((name) => `${name}=%{${name}}`), 'multi=%header{x-multi}'].join('\\n')

function lines(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

describe(`-w '%{name}' for each variable (${WITH_CURL})`, () => {
  it('prints each variable as curl does: 3-digit codes, 6-decimal times, empty for missing strings', async () => {
    const server = await scriptedServer(site)
    const ours = lines((await run('ours', server, ['-s', '-o', '/dev/null', '-w', EACH, server.url('/r')])).stdout)
    expect(ours).toMatchObject({ http_code: '302', http_connect: '000', http_version: '1.1', method: 'GET', scheme: 'HTTP', referer: '', errormsg: '', exitcode: '0' })
    expect(ours).toMatchObject({ redirect_url: server.url('/z?q=1'), size_download: '5', num_headers: '2', urlnum: '0', remote_port: String(server.port) })
    for (const key of TIMES) expect(ours[key]).toMatch(/^\d+\.\d{6}$/)
    expect(ours.local_port).toMatch(/^[1-9]\d*$/)
    expect(ours.speed_download).toMatch(/^\d+$/)
    if (!CURL) return
    const curl = lines((await run('curl', server, ['-s', '-o', '/dev/null', '-w', EACH, server.url('/r')])).stdout)
    expect(pick(ours, [...AGREE, 'multi'])).toEqual(pick(curl, [...AGREE, 'multi']))
  })

  it('prints each variable after a refused connect too', async () => {
    const url = `http://127.0.0.1:${await refusedPort()}/`
    const ours = await run('ours', undefined, ['-s', '-w', EACH, url])
    expect(ours.code).toBe(7)
    const text = lines(ours.stdout)
    expect(text).toMatchObject({ http_code: '000', http_version: '0', scheme: '', local_ip: '', local_port: '0', exitcode: '7', content_type: '' })
    if (!CURL) return
    const curl = await run('curl', undefined, ['-s', '-w', EACH, url])
    const theirs = lines(curl.stdout)
    expect({ ...pick(text, AGREE), errormsg: sameMs(text.errormsg) }).toEqual({ ...pick(theirs, AGREE), errormsg: sameMs(theirs.errormsg) })
  })

  it('%{onerror}: the rest of the template only for a failed transfer', async () => {
    const server = await scriptedServer(site)
    const refused = `http://127.0.0.1:${await refusedPort()}/`
    const template = '%{http_code}%{onerror} failed: %{exitcode}\\n'
    const ok = await run('ours', server, ['-s', '-o', '/dev/null', '-w', template, server.url('/z')])
    const failed = await run('ours', undefined, ['-s', '-w', template, refused])
    expect([ok.stdout, failed.stdout]).toEqual(['200', '000 failed: 7\n'])
    if (!CURL) return
    const curlOk = await run('curl', server, ['-s', '-o', '/dev/null', '-w', template, server.url('/z')])
    const curlFailed = await run('curl', undefined, ['-s', '-w', template, refused])
    expect([ok.stdout, failed.stdout]).toEqual([curlOk.stdout, curlFailed.stdout])
  })

  it('%{header_json}: the last response\'s fields by lower-cased name, repeated ones in one list', async () => {
    const server = await scriptedServer(site)
    const ours = await run('ours', server, ['-s', '-o', '/dev/null', '-w', '%{header_json}', server.url('/z')])
    expect(ours.stdout).toBe('{"content-type":["text/plain; charset=utf-8"],\n"x-multi":["a","b"],\n"content-length":["6"]\n}')
    const refused = await run('ours', undefined, ['-s', '-w', '%{header_json}', `http://127.0.0.1:${await refusedPort()}/`])
    expect(refused.stdout).toBe('{\n}')
    if (!CURL) return
    const curl = await run('curl', server, ['-s', '-o', '/dev/null', '-w', '%{header_json}', server.url('/z')])
    expect(ours.stdout).toBe(curl.stdout)
  })
})

describe('--json', () => {
  it('prints one %{json} object per transfer on stderr; stdout carries the bodies only', async () => {
    const server = await scriptedServer(site)
    const result = await runCli(['-s', '--json', server.url('/z'), server.url('/old')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('hello\nold body')
    const objects = result.stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Json)
    expect(objects).toHaveLength(2)
    expect(objects.map((o) => [o.urlnum, o.url, o.http_code, o.size_download, o.http_version, o.exitcode])).toEqual([
      [0, server.url('/z'), 200, 6, '1.1', 0],
      [1, server.url('/old'), 200, 8, '1', 0],
    ])
    for (const object of objects) expect(Object.keys(object)).toEqual([...JSON_VARIABLES])
    // The second transfer reused the first one's kept-alive connection.
    expect(objects.map((o) => o.num_connects)).toEqual([1, 0])
    expect(objects[1]!.local_port).toBe(objects[0]!.local_port)
  })

  it('a failed transfer still gets its object, with exitcode and errormsg; the exit code is the failure\'s', async () => {
    const server = await scriptedServer(site)
    const port = await refusedPort()
    const result = await runCli(['--json', '-o', '/dev/null', `http://127.0.0.1:${port}/`, server.url('/z')])
    expect(result.code).toBe(7)
    const stderr = result.stderr.trimEnd().split('\n')
    // Without -s the error line comes too, before that transfer's object.
    expect(stderr[0]).toMatch(/^http-get: Failed to connect to 127\.0\.0\.1 port \d+ after \d+ ms: Couldn't connect to server$/)
    const [failed, ok] = stderr.slice(1).map((line) => JSON.parse(line) as Json)
    expect(failed).toMatchObject({ urlnum: 0, exitcode: 7, http_code: 0, num_connects: 0, filename_effective: '/dev/null' })
    expect(failed!.errormsg).toBe(stderr[0]!.slice('http-get: '.length))
    expect(ok).toMatchObject({ urlnum: 1, exitcode: 0, http_code: 200, errormsg: null, filename_effective: null })
    expect(result.stdout.toString()).toBe('hello\n')
  })

  it('with -s only JSON lines reach stderr, also alongside -w on stdout', async () => {
    const result = await runCli(['-s', '--json', '-w', '%{exitcode}\\n', `http://127.0.0.1:${await refusedPort()}/`])
    expect(result.code).toBe(7)
    expect(result.stdout.toString()).toBe('7\n')
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ exitcode: 7 })
  })

  it('a stderr whose reader is gone drops the JSON lines and changes nothing else', async () => {
    const server = await scriptedServer(site)
    const child = spawn(process.execPath, [CLI, '--json', server.url('/z'), server.url('/z')], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stderr.destroy()
    const body = readAll(child.stdout)
    const [code] = (await withTimeout(once(child, 'exit'), 15_000, 'http-get to exit')) as [number]
    expect(code).toBe(0)
    expect((await body).toString()).toBe('hello\nhello\n')
  })

  it('says in --help that it is not curl\'s --json', async () => {
    const help = await runCli(['--help'])
    expect(help.stdout.toString().replace(/\s+/g, ' ')).toMatch(/--json Print one JSON line per transfer to stderr[^[]*not curl's --json/)
  })
})
