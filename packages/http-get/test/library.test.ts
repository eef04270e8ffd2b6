import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { fetchUrls, httpGet, parseTarget, buildRequestHead, parseHeaderArgument, formatWriteOut, mapSocketError, transferReport, type HttpGetResult } from '../src/index.js'
import { JSON_VARIABLES, type HeaderList } from '../src/index.js'
import { verifyResult } from '../src/transfer/verify-result.js'
import { response, scriptedServer } from './scripted-server.js'

describe('parseTarget', () => {
  it('keeps the request-target as written, with defaults for port and path', () => {
    const t = parseTarget("http://Example.COM/a%2fb/%7e?q='x'&r=%zz#frag")
    expect(t).toMatchObject({ protocol: 'http', host: 'example.com', port: 80, authority: 'example.com', path: "/a%2fb/%7e?q='x'&r=%zz" })
    expect(parseTarget('https://[::1]:8443').path).toBe('/')
    expect(parseTarget('https://[::1]:8443')).toMatchObject({ host: '::1', port: 8443, authority: '[::1]:8443', origin: 'https://[::1]:8443' })
    expect(parseTarget('https://h:443/?x').path).toBe('/?x')
    expect(parseTarget('https://h:443/').authority).toBe('h')
  })

  it('removes dot segments and percent-encodes what cannot go on the wire', () => {
    expect(parseTarget('http://h/a/./b/../c?x=../y').path).toBe('/a/c?x=../y')
    expect(parseTarget('http://h/a b?c d').path).toBe('/a%20b?c%20d')
  })

  it('rejects bad URLs with exit 3 and other schemes with exit 1', () => {
    expect(() => parseTarget('http://[::1')).toThrow(expect.objectContaining({ exitCode: 3 }))
    expect(() => parseTarget('http://a b/')).toThrow(expect.objectContaining({ exitCode: 3 }))
    expect(() => parseTarget('gopher://h/')).toThrow(expect.objectContaining({ exitCode: 1 }))
  })

  it('turns user:password into Basic authorization and keeps it out of the effective URL', () => {
    const t = parseTarget('http://us%40er:p%3Ass@h:8080/')
    expect(t.credentials).toEqual({ user: 'us@er', password: 'p:ss' })
    expect(t.href).toBe('http://h:8080/')
    expect(buildRequestHead(t, {}, '1')).toContain(`Authorization: Basic ${Buffer.from('us@er:p:ss').toString('base64')}\r\n`)
  })
})

describe('request head and -H parsing', () => {
  it('parses -H forms like curl', () => {
    expect(parseHeaderArgument('X-A:  b c ')).toEqual(['X-A', 'b c'])
    expect(parseHeaderArgument('Accept:')).toEqual(['Accept', null])
    expect(parseHeaderArgument('X-Empty;')).toEqual(['X-Empty', ''])
    // curl trims its ISSPACE (a vertical tab too) but sends Unicode spaces such as NBSP as they are.
    expect(parseHeaderArgument('X-A: \v')).toEqual(['X-A', null])
    expect(parseHeaderArgument('X-A: \u00a0')).toEqual(['X-A', '\u00a0'])
    expect(() => parseHeaderArgument('no colon')).toThrow(/invalid header/)
    expect(() => parseHeaderArgument('Bad Name: x')).toThrow(/invalid header name/)
    // Only spaces and tabs around a name or value are dropped: \v or NBSP are not silently removed.
    expect(() => parseHeaderArgument('a\v: !')).toThrow(/invalid header name/)
    expect(parseHeaderArgument('X-A:\t\u00a0v\u00a0 ')).toEqual(['X-A', '\u00a0v\u00a0'])
  })

  it('sends --compressed Accept-Encoding and an empty header', () => {
    const head = buildRequestHead(parseTarget('http://h/'), { compressed: true, headers: [['X-Empty', '']] }, '9')
    expect(head).toBe('GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: netkit-http-get/9\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nX-Empty:\r\n\r\n')
  })
})

describe('formatWriteOut', () => {
  const data = transferReport('http://h/', {
    url: 'http://h/', effectiveUrl: 'http://h/x', method: 'GET', status: 301, httpVersion: '1.1', reason: '', headers: [['Content-Type', 'a/b']], trailers: [],
    sizeDownload: 7, sizeHeader: 40, sizeRequest: 30, numRedirects: 2, numConnects: 1, contentType: 'a/b',
    timings: { namelookup: 0, connect: 0.0015, appconnect: 0, pretransfer: 0.0016, redirect: 0.001, starttransfer: 0.002, total: 0.0031234567 },
  } satisfies HttpGetResult)

  it('expands variables and escapes, warns on unknown ones', () => {
    const warnings: string[] = []
    expect(formatWriteOut('%{http_code}|%{time_total}|%{nope}|%%|\\t|\\x|%header{content-type}|%{url_effective}\\n', data, (w) => warnings.push(w))).toBe(
      '301|0.003123||%|\t|\\x|a/b|http://h/x\n',
    )
    expect(warnings).toEqual(["unknown --write-out variable: 'nope'"])
  })

  it('prints 000 for a transfer without a response', () => {
    const failed = transferReport('http://h/', new Error('boom'))
    expect(formatWriteOut('%{http_code} %{errormsg}', failed)).toBe('000 boom')
  })

  it('prints curl\'s forms: http_version 1 for HTTP/1.0, null for missing strings in %{json}, header_json', () => {
    const old = { ...data, httpVersion: '1.0' as const, headers: [['A', '1'], ['b', '2'], ['a', '"3"']] as HeaderList, redirectUrl: 'http://h/next' }
    expect(formatWriteOut('%{http_version} %{num_headers} %{redirect_url} %{speed_download} %{urlnum}', { ...old, urlNum: 4 })).toBe('1 3 http://h/next 2241 4')
    expect(formatWriteOut('%{header_json}', old)).toBe('{"a":["1","\\"3\\""],\n"b":["2"]\n}')
    const json = JSON.parse(formatWriteOut('%{json}', data)) as Record<string, unknown>
    expect(json).toMatchObject({ errormsg: null, filename_effective: null, referer: null, scheme: null, local_ip: '', http_version: '1.1', time_total: 0.003123 })
    expect(Object.keys(json)).toEqual([...JSON_VARIABLES])
  })

  it('maps Node\'s certificate verdicts to OpenSSL\'s verify results', () => {
    expect([verifyResult(undefined), verifyResult('DEPTH_ZERO_SELF_SIGNED_CERT'), verifyResult('CERT_HAS_EXPIRED'), verifyResult('ERR_TLS_CERT_ALTNAME_INVALID'), verifyResult('???')]).toEqual([0, 18, 10, 62, 1])
  })
})

describe('httpGet and fetchUrls', () => {
  it('returns status, headers and the body, and follows redirects', async () => {
    const server = await scriptedServer((socket, request) => {
      if (request.target === '/') socket.write(response('', { Location: '/there' }, '302 Found'))
      else socket.write(response('arrived', { 'Content-Type': 'text/plain' }))
    })
    const result = await httpGet(server.url('/'), { followRedirects: true })
    expect(result).toMatchObject({ status: 200, numRedirects: 1, effectiveUrl: server.url('/there'), contentType: 'text/plain', sizeDownload: 7 })
    expect(result.body!.toString()).toBe('arrived')
    // What -w reports comes with the result: sizes over both requests, the connection's endpoints.
    const heads = response('', { Location: '/there' }, '302 Found').length + response('', { 'Content-Type': 'text/plain' }).length
    expect(result).toMatchObject({ method: 'GET', sizeHeader: heads, sizeRequest: server.requests.reduce((n, r) => n + r.raw.length, 0), redirectUrl: undefined })
    expect(result.connection).toMatchObject({ scheme: 'http', remoteAddress: '127.0.0.1', remotePort: server.port, localAddress: '127.0.0.1', sslVerifyResult: 0 })
    const t = result.timings
    expect([t.namelookup, t.connect, t.pretransfer, t.starttransfer, t.total]).toEqual([t.namelookup, t.connect, t.pretransfer, t.starttransfer, t.total].sort((a, b) => a - b))
    expect(t.redirect).toBeGreaterThan(0)
    expect(t.redirect).toBeLessThanOrEqual(t.pretransfer)
  })

  it('rejects with curl exit codes', async () => {
    const server = await scriptedServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))
    await expect(httpGet(server.url('/'))).rejects.toMatchObject({ exitCode: 18, code: 'NETKIT_HTTP_PARTIAL_BODY' })
  })

  it('respects backpressure: a slow output pauses the socket, memory stays bounded', async () => {
    const size = 32 * 1024 * 1024
    const server = await scriptedServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`)
      const piece = Buffer.alloc(64 * 1024, 0x5a)
      let sent = 0
      const pump = () => {
        while (sent < size) {
          sent += piece.length
          if (!socket.write(piece)) {
            socket.once('drain', pump)
            return
          }
        }
        socket.end()
      }
      pump()
    })
    let received = 0
    let maxQueued = 0
    const output = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length
        maxQueued = Math.max(maxQueued, this.writableLength)
        setImmediate(callback)
      },
    })
    const result = await httpGet(server.url('/'), { output })
    expect(result.sizeDownload).toBe(size)
    expect(received).toBe(size)
    // Without pausing, the whole 32 MiB would queue in the writable as fast as loopback delivers it.
    expect(maxQueued).toBeLessThan(4 * 1024 * 1024)
  })

  it('fetchUrls reuses one connection in order and reports each outcome', async () => {
    const server = await scriptedServer((socket, request) => {
      if (request.target === '/missing') socket.write(response('nope', {}, '404 Not Found'))
      else socket.write(response(request.target))
    })
    const outcomes = await fetchUrls([server.url('/a'), server.url('/missing'), server.url('/b')], { fail: true })
    expect((outcomes[0] as HttpGetResult).body!.toString()).toBe('/a')
    expect(outcomes[1]).toMatchObject({ exitCode: 22 })
    expect((outcomes[2] as HttpGetResult).body!.toString()).toBe('/b')
    // -f closes the connection of the failed transfer (its body is not read), so two connections.
    expect(server.connections).toBe(2)
  })

  it('retries once on a fresh connection when a kept-alive one was closed by the server', async () => {
    const server = await scriptedServer((socket, request) => {
      // Claims keep-alive, then closes right after the response: the second request meets a dead socket.
      socket.end(response(request.target))
    })
    const outcomes = await fetchUrls([server.url('/1'), server.url('/2')])
    expect(outcomes.map((o) => (o as HttpGetResult).body?.toString())).toEqual(['/1', '/2'])
  })

  it('max-time aborts a stalled body with exit 28, keeping what arrived', async () => {
    const server = await scriptedServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst'))
    const chunks: Buffer[] = []
    const output = new Writable({ write(chunk: Buffer, _e, cb) { chunks.push(chunk); cb() } })
    await expect(httpGet(server.url('/'), { output, maxTime: 300 })).rejects.toMatchObject({ exitCode: 28 })
    expect(Buffer.concat(chunks).toString()).toBe('first')
  })
})

describe('mapSocketError', () => {
  const target = parseTarget('https://example.test:8443/')
  const sysError = (code: string, message = code) => Object.assign(new Error(message), { code })

  it('maps resolver, connect, TLS and transfer failures to curl exit codes', () => {
    expect(mapSocketError(sysError('ENOTFOUND'), 'connect', target)).toMatchObject({ exitCode: 6, message: 'Could not resolve host: example.test' })
    expect(mapSocketError(sysError('EAI_AGAIN'), 'connect', target)).toMatchObject({ exitCode: 6 })
    expect(mapSocketError(new AggregateError([sysError('ECONNREFUSED'), sysError('ECONNREFUSED')]), 'connect', target)).toMatchObject({ exitCode: 7 })
    expect(mapSocketError(sysError('EHOSTUNREACH'), 'connect', target)).toMatchObject({ exitCode: 7 })
    expect(mapSocketError(sysError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'handshake', target)).toMatchObject({
      exitCode: 60,
      message: 'SSL certificate problem: self-signed certificate',
    })
    expect(mapSocketError(sysError('ERR_TLS_CERT_ALTNAME_INVALID'), 'handshake', target)).toMatchObject({ exitCode: 60 })
    expect(mapSocketError(sysError('CERT_HAS_EXPIRED'), 'handshake', target)).toMatchObject({ exitCode: 60 })
    expect(mapSocketError(sysError('ERR_SSL_WRONG_VERSION_NUMBER'), 'handshake', target)).toMatchObject({ exitCode: 35 })
    expect(mapSocketError(sysError('ECONNRESET'), 'transfer', target)).toMatchObject({ exitCode: 56, message: 'Recv failure: Connection reset by peer' })
  })
})

describe('cancelling', () => {
  it('an AbortSignal stops a transfer with its reason', async () => {
    const server = await scriptedServer(() => {})
    const controller = new AbortController()
    const pending = httpGet(server.url('/'), { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('stopped by test')), 50)
    await expect(pending).rejects.toThrow('stopped by test')
  })
})
