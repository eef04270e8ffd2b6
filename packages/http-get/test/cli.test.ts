import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import zlib from 'node:zlib'
import { tempDir } from '@netkit/test-kit'
import { describe, expect, it, onTestFinished } from 'vitest'
import { CLI, response, runCli, scriptedServer } from './scripted-server.js'

/** Run the CLI piped into `head -c 10`: what head printed, and stderr ending with the CLI's exit code. */
async function runIntoHead(args: string[]): Promise<{ out: string; err: string }> {
  const command = `"${process.execPath}" "${CLI}" ${args.join(' ')} | head -c 10; echo "exit \${PIPESTATUS[0]}" >&2`
  const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] })
  onTestFinished(() => {
    child.kill('SIGKILL')
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  await once(child, 'close')
  return { out, err }
}

/**
 * A server that answers `[target]`, holding the answer to /slow until `requests` requests have
 * arrived (proof that they were in flight together), or 5 s so that a regression fails, not hangs.
 */
async function slowFirstServer(requests: number) {
  const held: Array<() => void> = []
  let released = false
  const server = await scriptedServer((socket, request) => {
    const send = () => socket.end(response(`[${request.target}]`))
    if (request.target === '/slow') held.push(send)
    else send()
    if (server.requests.length === requests && held.length > 0) {
      released = true
      for (const release of held.splice(0)) release()
    }
  })
  const timer = setTimeout(() => held.splice(0).forEach((release) => release()), 5000)
  onTestFinished(() => clearTimeout(timer))
  return { server, releasedByRequests: () => released }
}

describe('http-get CLI: requests', () => {
  it('GETs a URL, writes the body to stdout and sends exactly the default request head', async () => {
    const server = await scriptedServer((socket) => socket.end(response('hello\n', { 'Content-Type': 'text/plain' })))
    const result = await runCli([server.url('/a/b?x=1')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('hello\n')
    expect(server.requests[0]!.raw).toBe(
      `GET /a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUser-Agent: netkit-http-get/0.1.0\r\nAccept: */*\r\n\r\n`,
    )
  })

  it('keeps percent-escapes and odd characters of the path and query as given', async () => {
    const server = await scriptedServer((socket) => socket.end(response('ok')))
    const result = await runCli([server.url("/%7Euser/a%2Fb?q=%41'x&y=a%20b"), server.url('/{a}|^`b`/"c"?<d>={e}')])
    expect(result.code).toBe(0)
    expect(server.requests[0]!.target).toBe("/%7Euser/a%2Fb?q=%41'x&y=a%20b")
    // Printable ASCII goes out as typed, as curl (with -g) sends it; WHATWG would encode {}`"<>.
    expect(server.requests[1]!.target).toBe('/{a}|^`b`/"c"?<d>={e}')
  })

  it('-H adds, replaces and removes headers; -A sets the User-Agent; --http1.0', async () => {
    const server = await scriptedServer((socket) => socket.end(response('ok')))
    const result = await runCli(['-H', 'X-One: 1', '-H', 'Accept: text/html', '-H', 'Host:', '-A', 'agent/2', '--http1.0', server.url('/')])
    expect(result.code).toBe(0)
    expect(server.requests[0]!.raw).toBe('GET / HTTP/1.0\r\nUser-Agent: agent/2\r\nX-One: 1\r\nAccept: text/html\r\n\r\n')
  })

  it('-H Host replaces the Host header but keeps it first, as curl does (RFC 9112 §3.2)', async () => {
    const server = await scriptedServer((socket) => socket.end(response('ok')))
    const result = await runCli(['-H', 'Accept: y', '-H', 'X-Z: 1', '-H', 'Host: example.test', '-A', 'a', server.url('/')])
    expect(result.code).toBe(0)
    expect(server.requests[0]!.raw).toBe('GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: a\r\nAccept: y\r\nX-Z: 1\r\n\r\n')
  })

  it('usage errors exit 2 with one line', async () => {
    for (const args of [[], ['--max-redirs', 'abc', 'http://127.0.0.1:1/'], ['--parallel', '0', 'http://127.0.0.1:1/'], ['-o', 'a', '-o', 'b', 'http://127.0.0.1:1/']]) {
      const result = await runCli(args)
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/^http-get: .*\n$/)
    }
  })

  it('names an unknown option, even when it is followed by the URL', async () => {
    for (const [args, name] of [[['--bogus', 'http://127.0.0.1:1/'], 'bogus'], [['-Z', 'http://127.0.0.1:1/'], 'Z'], [['http://127.0.0.1:1/', '--bogus'], 'bogus']] as const) {
      const result = await runCli([...args])
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(new RegExp(`^http-get: Unknown argument: ${name}\\b.*\\n$`))
    }
    const none = await runCli([])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/^http-get: no URL specified.*\n$/)
  })

  it('rejects a header with a line break (usage error, exit 2)', async () => {
    const result = await runCli(['-H', 'X: a\r\nEvil: 1', 'http://127.0.0.1:1/'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^http-get: header contains a line break/)
  })

  it('-I sends HEAD and prints the response head, no body expected', async () => {
    const server = await scriptedServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-A: b\r\n\r\n'))
    const result = await runCli(['-I', server.url('/')])
    expect(result.code).toBe(0)
    expect(server.requests[0]!.method).toBe('HEAD')
    expect(result.stdout.toString('latin1')).toBe('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-A: b\r\n\r\n')
  })

  it('connects to an IPv6 literal [::1] and sends the bracketed Host', async () => {
    const server = await scriptedServer((socket) => socket.end(response('six')), { host: '::1' })
    const result = await runCli([server.url('/')])
    expect(result.stderr).toBe('')
    expect(result.stdout.toString()).toBe('six')
    expect(server.requests[0]!.headers.get('host')).toBe(`[::1]:${server.port}`)
  })

  it('omits the default port from Host and assumes http:// without a scheme', async () => {
    const server = await scriptedServer((socket) => socket.end(response('x')))
    const result = await runCli([`127.0.0.1:${server.port}/p`])
    expect(result.code).toBe(0)
    expect(server.requests[0]!.target).toBe('/p')
  })

  it('reuses one keep-alive connection for consecutive URLs on one origin', async () => {
    const server = await scriptedServer((socket, request) => socket.write(response(`body of ${request.target}\n`)))
    const result = await runCli([server.url('/1'), server.url('/2'), server.url('/3')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('body of /1\nbody of /2\nbody of /3\n')
    expect(server.connections).toBe(1)
    expect(server.requests.map((r) => r.connection)).toEqual([0, 0, 0])
  })

  it('--http1.0 does not reuse a connection the server did not explicitly keep alive', async () => {
    const server = await scriptedServer((socket, request) => socket.write(response(request.target)))
    const result = await runCli(['--http1.0', server.url('/1'), server.url('/2')])
    expect(result.stdout.toString()).toBe('/1/2')
    expect(server.connections).toBe(2)
  })

  it('opens a new connection when the server says Connection: close', async () => {
    const server = await scriptedServer((socket, request) => socket.end(response(`${request.target}`, { Connection: 'close' })))
    const result = await runCli([server.url('/1'), server.url('/2')])
    expect(result.stdout.toString()).toBe('/1/2')
    expect(server.connections).toBe(2)
  })

  it('--parallel fetches concurrently and still writes stdout in URL order', async () => {
    const slow = await slowFirstServer(2)
    const result = await runCli(['--parallel', '2', slow.server.url('/slow'), slow.server.url('/fast')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('[/slow][/fast]')
    expect(slow.releasedByRequests()).toBe(true)
    expect(slow.server.connections).toBe(2)
  })

  it('--parallel keeps starting transfers to files while an earlier one is still running', async () => {
    const slow = await slowFirstServer(5)
    const dir = tempDir()
    const files = ['a', 'b', 'c', 'd', 'e'].map((name) => path.join(dir, name))
    const urls = ['/slow', '/b', '/c', '/d', '/e'].map((p) => slow.server.url(p))
    const args = ['--parallel', '2', ...files.flatMap((file) => ['-o', file]), ...urls, '-w', '%{url} ']
    const result = await runCli(args)
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe(urls.map((url) => `${url} `).join(''))
    expect(slow.releasedByRequests()).toBe(true)
    expect(fs.readFileSync(files[0]!, 'utf8')).toBe('[/slow]')
    expect(fs.readFileSync(files[4]!, 'utf8')).toBe('[/e]')
  })

  it('--parallel keeps each -w line with its own body', async () => {
    const slow = await slowFirstServer(3)
    const url = (p: string) => slow.server.url(p)
    const result = await runCli(['--parallel', '3', '-w', ' %{url_effective}\\n', url('/slow'), url('/fast'), url('/third')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe(`[/slow] ${url('/slow')}\n[/fast] ${url('/fast')}\n[/third] ${url('/third')}\n`)
    expect(slow.releasedByRequests()).toBe(true)
  })

  it('exits 3 on a malformed URL and 1 on an unsupported scheme', async () => {
    const bad = await runCli(['http://[::1/'])
    expect(bad.code).toBe(3)
    expect(bad.stderr).toMatch(/^http-get: URL rejected/)
    const ftp = await runCli(['ftp://127.0.0.1/'])
    expect(ftp.code).toBe(1)
  })

  it('exits 7 when the connection is refused', async () => {
    const server = await scriptedServer(() => {})
    const port = server.port
    await new Promise<void>((resolve) => server.server.close(() => resolve()))
    const result = await runCli([`http://127.0.0.1:${port}/`])
    expect(result.code).toBe(7)
    expect(result.stderr).toMatch(new RegExp(`^http-get: Failed to connect to 127\\.0\\.0\\.1 port ${port} after \\d+ ms: Couldn't connect to server\n$`))
  })
})

describe('http-get CLI: output', () => {
  it('-o writes each URL to its file; -O names the file after the URL', async () => {
    const server = await scriptedServer((socket, request) => socket.write(response(`content ${request.target}`)))
    const dir = tempDir()
    const result = await runCli(['-o', path.join(dir, 'first.txt'), server.url('/one'), '-O', server.url('/dir/two.bin'), '-w', '[%{filename_effective}]'], { cwd: dir })
    expect(result.code).toBe(0)
    // Like curl, %{filename_effective} names the -o file as well as the -O one.
    expect(result.stdout.toString()).toBe(`[${path.join(dir, 'first.txt')}][two.bin]`)
    expect(fs.readFileSync(path.join(dir, 'first.txt'), 'utf8')).toBe('content /one')
    expect(fs.readFileSync(path.join(dir, 'two.bin'), 'utf8')).toBe('content /dir/two.bin')
  })

  it('-O on a URL without a file name exits 23', async () => {
    const server = await scriptedServer((socket) => socket.end(response('x')))
    const dir = tempDir()
    const result = await runCli(['-O', server.url('/')], { cwd: dir })
    expect(result.code).toBe(23)
    expect(result.stderr).toMatch(/Remote file name has no length/)
  })

  it('-o into a missing directory exits 23', async () => {
    const server = await scriptedServer((socket) => socket.end(response('x')))
    const result = await runCli(['-o', '/nonexistent-dir/x/y', server.url('/')])
    expect(result.code).toBe(23)
    expect(result.stderr).toMatch(/^http-get: Failed to open the file/)
  })

  it('stdout on a full device: exit 23, the error reported once per transfer', async () => {
    const server = await scriptedServer((socket) => socket.end(response('body')))
    const dir = tempDir()
    const cases = [
      { args: [server.url('/')], lines: 1 },
      { args: ['-o', path.join(dir, 'out'), '-w', '%{http_code}', server.url('/')], lines: 1 },
      { args: [server.url('/a'), server.url('/b')], lines: 2 },
    ]
    for (const { args, lines } of cases) {
      const full = fs.openSync('/dev/full', 'w')
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', full, 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
      fs.closeSync(full)
      onTestFinished(() => {
        child.kill('SIGKILL')
      })
      let err = ''
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
      const [code] = (await once(child, 'close')) as [number]
      expect(code).toBe(23)
      expect(err).toBe('http-get: Failure writing output to stdout: ENOSPC: no space left on device, write\n'.repeat(lines))
    }
  })

  it('stdout on a socket the reader resets: exit 23 with one line, no stack trace', async () => {
    const server = await scriptedServer((socket) => socket.end(response(Buffer.alloc(32 * 1024 * 1024, 0x61))))
    // The reader never reads and resets its end once the writer is stuck on a full socket.
    const reader = net.createServer((socket) => {
      socket.on('error', () => {})
      setTimeout(() => socket.resetAndDestroy(), 300)
    })
    reader.listen(0, '127.0.0.1')
    await once(reader, 'listening')
    onTestFinished(() => {
      reader.close()
    })
    const stdout = net.connect((reader.address() as net.AddressInfo).port, '127.0.0.1')
    await once(stdout, 'connect')
    const child = spawn(process.execPath, [CLI, server.url('/')], { stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    stdout.destroy()
    onTestFinished(() => {
      child.kill('SIGKILL')
    })
    let err = ''
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
    const [code] = (await once(child, 'close')) as [number]
    expect(err).toBe('http-get: Failure writing output to stdout: write ECONNRESET\n')
    expect(code).toBe(23)
  })

  it('is binary safe', async () => {
    const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff))
    const server = await scriptedServer((socket) => socket.end(response(body)))
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.equals(body)).toBe(true)
  })

  it('-i includes the head, and the trailers after a chunked body', async () => {
    const server = await scriptedServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n'),
    )
    const result = await runCli(['-i', server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString('latin1')).toBe('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\nhelloX-Sum: 42\r\n')
  })

  it('-f exits 22 on a 404 and prints no body; -w still reports the status', async () => {
    const server = await scriptedServer((socket) => socket.end(response('not here', {}, '404 Not Found')))
    const result = await runCli(['-f', '-w', '%{http_code}\\n', server.url('/')])
    expect(result.code).toBe(22)
    expect(result.stdout.toString()).toBe('404\n')
    expect(result.stderr).toBe('http-get: The requested URL returned error: 404\n')
    const silent = await runCli(['-sf', server.url('/')])
    expect(silent.code).toBe(22)
    expect(silent.stderr).toBe('')
    const shown = await runCli(['-sSf', server.url('/')])
    expect(shown.stderr).toBe('http-get: The requested URL returned error: 404\n')
    const file = path.join(tempDir(), 'never')
    const toFile = await runCli(['-sf', '-o', file, server.url('/')])
    expect(toFile.code).toBe(22)
    expect(fs.existsSync(file)).toBe(false)
  })

  it('-f with -i or -I still prints the response head (no body), as curl does', async () => {
    const server = await scriptedServer((socket) => socket.write(response('not here', {}, '404 Not Found')))
    for (const flag of ['-i', '-I']) {
      const result = await runCli(['-sf', flag, server.url('/')])
      expect(result.code).toBe(22)
      expect(result.stdout.toString()).toBe('HTTP/1.1 404 Not Found\r\nContent-Length: 8\r\n\r\n')
    }
  })

  it('reads a response that arrives one byte per write, trailers included', async () => {
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nX-T: done\r\n\r\n')
    const server = await scriptedServer((socket) => {
      let i = 0
      const next = () => {
        if (i >= bytes.length) return void socket.end()
        socket.write(bytes.subarray(i, ++i), () => setImmediate(next))
      }
      next()
    })
    const result = await runCli(['-i', server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString('latin1')).toBe('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\nabcdefgX-T: done\r\n')
  })

  it('without -f a 404 body is printed and the exit code is 0', async () => {
    const server = await scriptedServer((socket) => socket.end(response('not here', {}, '404 Not Found')))
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('not here')
  })

  it('-w expands variables, %header{}, escapes and %{json}', async () => {
    const server = await scriptedServer((socket) => socket.end(response('12345', { 'Content-Type': 'text/x', 'X-Multi': 'a', 'x-multi': 'b' })))
    const result = await runCli(['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{content_type} %header{x-multi} %{num_redirects} %{url_effective}\\t100%%\\n', server.url('/z')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe(`200 5 text/x a, b 0 ${server.url('/z')}\t100%\n`)
    const json = await runCli(['-s', '-o', '/dev/null', '-w', '%{json}', server.url('/z')])
    const data = JSON.parse(json.stdout.toString())
    expect(data).toMatchObject({ http_code: 200, size_download: 5, content_type: 'text/x', num_redirects: 0, url_effective: server.url('/z'), exitcode: 0 })
    for (const key of ['time_total', 'time_connect', 'time_starttransfer']) {
      expect(typeof data[key]).toBe('number')
      expect(data[key]).toBeGreaterThanOrEqual(0)
    }
    expect(data.time_total).toBeGreaterThanOrEqual(data.time_starttransfer)
    expect(data.time_starttransfer).toBeGreaterThanOrEqual(data.time_connect)
  })

  it('-w @file reads the format from a file', async () => {
    const server = await scriptedServer((socket) => socket.end(response('x')))
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'fmt'), 'code=%{http_code}\n')
    const result = await runCli(['-s', '-o', '/dev/null', '-w', `@${path.join(dir, 'fmt')}`, server.url('/')])
    expect(result.stdout.toString()).toBe('code=200\n')
  })

  it('-v shows the request, the response head and connection notes on stderr only', async () => {
    const server = await scriptedServer((socket) => socket.end(response('body')))
    const result = await runCli(['-v', server.url('/v')])
    expect(result.stdout.toString()).toBe('body')
    expect(result.stderr).toContain(`* Connected to 127.0.0.1 (127.0.0.1) port ${server.port}`)
    expect(result.stderr).toContain('> GET /v HTTP/1.1\n')
    // curl's blank lines after each head: '> ' and '< ' (with the space).
    expect(result.stderr).toContain('< HTTP/1.1 200 OK\n< Content-Length: 4\n< \n')
    expect(result.stderr).toContain('> Accept: */*\n> \n')
  })

  it('stops quietly when stdout is closed early', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x61)
    const server = await scriptedServer((socket) => socket.end(response(big)))
    expect(await runIntoHead([server.url('/')])).toEqual({ out: 'aaaaaaaaaa', err: 'exit 0\n' })
    // A failure before the pipe closed keeps its exit code.
    const refused = await scriptedServer(() => {})
    const port = refused.port
    await new Promise<void>((resolve) => refused.server.close(() => resolve()))
    const failed = await runIntoHead([`http://127.0.0.1:${port}/`, server.url('/')])
    expect(failed.out).toBe('aaaaaaaaaa')
    expect(failed.err).toMatch(new RegExp(`^http-get: Failed to connect to 127\\.0\\.0\\.1 port ${port} after \\d+ ms: Couldn't connect to server\nexit 7\n$`))
  })
})

describe('http-get CLI: redirects', () => {
  it('-L follows relative and absolute Locations, 303 and 307 keep GET', async () => {
    const server = await scriptedServer((socket, request) => {
      if (request.target === '/start') socket.write(response('', { Location: 'next/../step?x=1' }, '301 Moved Permanently'))
      else if (request.target === '/step?x=1') socket.write(response('', { Location: `http://127.0.0.1:${server.port}/abs` }, '303 See Other'))
      else if (request.target === '/abs') socket.write(response('', { Location: '/final' }, '307 Temporary Redirect'))
      else socket.write(response(`final ${request.method}`))
    })
    const result = await runCli(['-L', '-w', '\\n%{num_redirects} %{url_effective}', server.url('/start')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe(`final GET\n3 ${server.url('/final')}`)
    expect(server.requests.map((r) => r.target)).toEqual(['/start', '/step?x=1', '/abs', '/final'])
    expect(server.connections).toBe(1)
  })

  it('without -L prints the redirect response itself', async () => {
    const server = await scriptedServer((socket) => socket.end(response('moved', { Location: '/x' }, '302 Found')))
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('moved')
  })

  it('-iL prints every head and only the last body', async () => {
    const server = await scriptedServer((socket, request) => {
      if (request.target === '/') socket.write(response('redirect body', { Location: '/b' }, '302 Found'))
      else socket.write(response('B'))
    })
    const result = await runCli(['-iL', server.url('/')])
    expect(result.stdout.toString('latin1')).toBe('HTTP/1.1 302 Found\r\nContent-Length: 13\r\nLocation: /b\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB')
  })

  it('-L sends -H Authorization, Cookie and Host only to the original origin, as curl does', async () => {
    const other = await scriptedServer((socket) => socket.write(response('other')))
    const server = await scriptedServer((socket, request) => {
      if (request.target === '/start') socket.write(response('', { Location: '/same' }, '302 Found'))
      else socket.write(response('', { Location: other.url('/away') }, '302 Found'))
    })
    const headers = ['Authorization: Bearer secret', 'Cookie: a=b', 'Host: example.test', 'X-Other: 1']
    const result = await runCli(['-sL', ...headers.flatMap((h) => ['-H', h]), server.url('/start')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('other')
    const same = server.requests[1]!
    expect([same.headers.get('authorization'), same.headers.get('cookie'), same.headers.get('host')]).toEqual(['Bearer secret', 'a=b', 'example.test'])
    const away = other.requests[0]!
    expect(away.headers.has('authorization') || away.headers.has('cookie')).toBe(false)
    expect(away.headers.get('host')).toBe(`127.0.0.1:${other.port}`)
    expect(away.headers.get('x-other')).toBe('1')
  })

  it('a redirect loop is an error (exit 47)', async () => {
    const server = await scriptedServer((socket, request) => socket.write(response('', { Location: request.target === '/a' ? '/b' : '/a' }, '302 Found')))
    const result = await runCli(['-L', server.url('/a')])
    expect(result.code).toBe(47)
    expect(result.stderr).toBe(`http-get: Redirect loop detected: ${server.url('/a')} -> ${server.url('/b')} -> ${server.url('/a')}\n`)
  })

  it('more redirects than --max-redirs is exit 47', async () => {
    const server = await scriptedServer((socket, request) => {
      const n = Number(request.target.slice(1))
      socket.write(response('', { Location: `/${n + 1}` }, '302 Found'))
    })
    const result = await runCli(['-L', '--max-redirs', '3', server.url('/0')])
    expect(result.code).toBe(47)
    expect(result.stderr).toBe('http-get: Maximum (3) redirects followed\n')
    expect(server.requests.length).toBe(4)
  })
})

describe('http-get CLI: --compressed', () => {
  const text = 'compressible text '.repeat(5000)
  for (const [coding, encode] of [
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const) {
    it(`decodes ${coding}, sent in chunked pieces`, async () => {
      const encoded = encode(Buffer.from(text))
      const server = await scriptedServer((socket) => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nTransfer-Encoding: chunked\r\n\r\n`)
        for (let i = 0; i < encoded.length; i += 100) {
          const piece = encoded.subarray(i, i + 100)
          socket.write(`${piece.length.toString(16)}\r\n`)
          socket.write(piece)
          socket.write('\r\n')
        }
        socket.end('0\r\n\r\n')
      })
      const result = await runCli(['--compressed', '-w', '%{size_download}', server.url('/')])
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(server.requests[0]!.headers.get('accept-encoding')).toBe('gzip, deflate, br')
      expect(result.stdout.toString()).toBe(`${text}${encoded.length}`)
    })
  }

  it('without --compressed the encoded bytes are written as received', async () => {
    const encoded = zlib.gzipSync(Buffer.from(text))
    const server = await scriptedServer((socket) => socket.end(response(encoded, { 'Content-Encoding': 'gzip' })))
    const result = await runCli([server.url('/')])
    expect(result.stdout.equals(encoded)).toBe(true)
  })

  it('stops quietly when stdout is closed early while decoding', async () => {
    const encoded = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x61))
    const server = await scriptedServer((socket) => socket.end(response(encoded, { 'Content-Encoding': 'gzip' })))
    expect(await runIntoHead(['--compressed', server.url('/')])).toEqual({ out: 'aaaaaaaaaa', err: 'exit 0\n' })
  })

  it('an empty body with a Content-Encoding is an empty body, as in curl (not exit 61)', async () => {
    const server = await scriptedServer((socket, request) => {
      if (request.target === '/length') socket.write('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n')
      else socket.write('HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
    })
    const result = await runCli(['--compressed', '-w', '%{http_code} ', server.url('/length'), server.url('/chunked')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('200 200 ')
  })

  it('a corrupt gzip body is exit 61', async () => {
    const server = await scriptedServer((socket) => socket.end(response(Buffer.from('not gzip at all'), { 'Content-Encoding': 'gzip' })))
    const result = await runCli(['--compressed', server.url('/')])
    expect(result.code).toBe(61)
    expect(result.stderr).toMatch(/^http-get: Error while processing content unencoding/)
  })
})

describe('http-get CLI: failures', () => {
  it('a server that closes mid-body: exit 18, the partial body is written', async () => {
    const server = await scriptedServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial-data'))
    const dir = tempDir()
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(18)
    expect(result.stdout.toString()).toBe('partial-data')
    expect(result.stderr).toBe('http-get: transfer closed with 88 bytes remaining to read\n')
    const file = path.join(dir, 'out')
    const toFile = await runCli(['-o', file, server.url('/')])
    expect(toFile.code).toBe(18)
    expect(fs.readFileSync(file, 'utf8')).toBe('partial-data')
  })

  it('an empty reply is exit 52', async () => {
    const server = await scriptedServer((socket) => socket.end())
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(52)
    expect(result.stderr).toBe('http-get: Empty reply from server\n')
  })

  it('a 100 KiB header section is exit 8 with a clear line', async () => {
    const server = await scriptedServer((socket) => socket.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`))
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(8)
    expect(result.stderr).toMatch(/^http-get: Too large response headers/)
    expect(result.stderr.split('\n').length).toBe(2)
  })

  for (const [name, bytes] of [
    ['a non-HTTP status line', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['conflicting Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n'],
  ] as const) {
    it(`${name} is exit 8`, async () => {
      const server = await scriptedServer((socket) => socket.end(bytes))
      const result = await runCli([server.url('/')])
      expect(result.code).toBe(8)
      expect(result.stderr).toMatch(/^http-get: /)
      expect(result.stderr).not.toMatch(/\n.+/)
    })
  }

  it('a malformed chunk after good ones still writes the good body bytes, then exit 8', async () => {
    // One write, so the good chunk and the bad size arrive in the same read.
    const server = await scriptedServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n'),
    )
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(8)
    expect(result.stdout.toString()).toBe('hello')
  })

  it('-m: a server that never answers is exit 28', async () => {
    const server = await scriptedServer(() => {})
    const result = await runCli(['-m', '500ms', server.url('/')])
    expect(result.code).toBe(28)
    expect(result.stderr).toBe('http-get: Operation timed out after 500 milliseconds with 0 bytes received\n')
  })

  it('-m 0 and --connect-timeout 0 mean no limit, as in curl', async () => {
    const server = await scriptedServer((socket) => setTimeout(() => socket.end(response('late')), 50))
    const result = await runCli(['-m', '0', '--connect-timeout', '0', server.url('/')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('late')
  })

  it('--connect-timeout covers the TLS handshake: a silent TCP peer is exit 28', async () => {
    const server = await scriptedServer(() => {})
    const result = await runCli(['--connect-timeout', '0.5', server.url('/', 'https')])
    expect(result.code).toBe(28)
    expect(result.stderr).toBe('http-get: SSL connection timeout\n')
  })

  it('a reset in the middle of the body is exit 56', async () => {
    const server = await scriptedServer((socket) => {
      // The pause lets the client read the first bytes before the RST (which discards unread data).
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nsome', () => setTimeout(() => socket.resetAndDestroy(), 200))
    })
    const result = await runCli([server.url('/')])
    expect(result.code).toBe(56)
    expect(result.stderr).toMatch(/^http-get: Recv failure: .*Connection reset by peer/)
    expect(result.stdout.toString()).toBe('some')
  })

  it('with several URLs, a failure does not stop the others and sets the exit code', async () => {
    const server = await scriptedServer((socket, request) => {
      if (request.target === '/bad') socket.end()
      else socket.end(response(request.target))
    })
    const result = await runCli([server.url('/ok1'), server.url('/bad'), server.url('/ok2')])
    expect(result.stdout.toString()).toBe('/ok1/ok2')
    expect(result.code).toBe(52)
  })
})

describe('http-get CLI: response framing end to end (RFC 9112 §6.3)', () => {
  it('skips a 100 Continue interim response', async () => {
    const server = await scriptedServer((socket) => socket.end('HTTP/1.1 100 Continue\r\nX-I: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))
    const result = await runCli(['-i', server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString('latin1')).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  })

  it('204 and 304 have no body and keep the connection for the next URL', async () => {
    const server = await scriptedServer((socket, request) => {
      if (request.target === '/204') socket.write('HTTP/1.1 204 No Content\r\n\r\n')
      else if (request.target === '/304') socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n')
      else socket.write(response('after'))
    })
    const result = await runCli(['-w', '[%{http_code}]', server.url('/204'), server.url('/304'), server.url('/x')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('[204][304]after[200]')
    expect(server.connections).toBe(1)
  })

  it('an HTTP/1.0 response without a length is read to the close', async () => {
    const server = await scriptedServer((socket) => socket.end('HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it until close'))
    const result = await runCli(['-w', ' %{size_download}', server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('all of it until close 21')
  })

  it('an empty reason phrase and obs-fold are accepted', async () => {
    const server = await scriptedServer((socket) => socket.end('HTTP/1.1 200 \r\nX-Fold: a\r\n  b\r\nContent-Length: 1\r\n\r\n!'))
    const result = await runCli(['-i', server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString('latin1')).toBe('HTTP/1.1 200\r\nX-Fold: a b\r\nContent-Length: 1\r\n\r\n!')
  })

  it('Transfer-Encoding and Content-Length together: chunked wins, flagged with -v', async () => {
    const server = await scriptedServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'))
    const result = await runCli(['-v', server.url('/')])
    expect(result.code).toBe(0)
    expect(result.stdout.toString()).toBe('hello')
    expect(result.stderr).toContain('* Warning: both Transfer-Encoding and Content-Length (chunked wins)\n')
  })
})
