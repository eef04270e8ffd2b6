/** Listen forms, -k, Unix sockets, UDP, -w timeouts, and stdout closed early. */
import { spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { NC_CLI, blackholePort, connectTo, readUntil, spawnListener, spawnNc, tcpServer } from './support/nc.js'

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nc-test-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('listen mode', () => {
  it('port 0 with -v reports the bound port, `nc -l host port` form', async () => {
    const nc = await spawnListener(['-lv', '127.0.0.1', '0'], { stdin: 'ignore' })
    expect(nc.stderrSoFar()).toMatch(/^Listening on 127\.0\.0\.1 \d+\n/)
    const client = await connectTo(nc.port)
    await nc.waitStderr(/Connection received on 127\.0\.0\.1 \d+/)
    client.end('hi\n')
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('hi\n')
  })

  it('accepts the traditional `nc -l -p port` form and binds 0.0.0.0', async () => {
    const nc = await spawnListener(['-l', '-v', '-p', '0'], { stdin: 'ignore' })
    expect(nc.stderrSoFar()).toMatch(/^Listening on 0\.0\.0\.0 \d+/)
    const client = await connectTo(nc.port)
    client.end('classic\n')
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('classic\n')
  })

  it('without -k stops listening after the first client', async () => {
    const nc = await spawnListener(['-lv', '127.0.0.1', '0'])
    const first = await connectTo(nc.port)
    await nc.waitStderr(/Connection received/)
    const second = net.connect(nc.port, '127.0.0.1')
    const [err] = (await once(second, 'error')) as [NodeJS.ErrnoException]
    expect(err.code).toBe('ECONNREFUSED')
    first.end()
    nc.child.stdin!.end()
    expect(await nc.exit).toBe(0)
  })

  it('-k serves three clients in a row', async () => {
    const nc = await spawnListener(['-lkv', '127.0.0.1', '0'], { stdin: 'ignore' })
    for (const name of ['one', 'two', 'three']) {
      const client = await connectTo(nc.port)
      client.resume()
      client.end(`${name}\n`)
      // nc writes a client's bytes to stdout before it closes that client's socket
      await once(client, 'close')
    }
    nc.child.kill('SIGTERM')
    expect(await nc.exit).toBe(0) // a listener ends gracefully on SIGTERM
    expect(nc.child.signalCode).toBeNull() // it exited by itself, not killed by the signal
    expect((await nc.stdout).toString()).toBe('one\ntwo\nthree\n')
    expect(nc.stderrSoFar().match(/Connection received on 127\.0\.0\.1 \d+/g)).toHaveLength(3)
  })

  it('SIGTERM stops -lk gracefully: the session ends, the listener closes, exit 0', async () => {
    const nc = await spawnListener(['-lkv', '127.0.0.1', '0'], { stdin: 'ignore' })
    const client = await connectTo(nc.port)
    client.resume()
    await nc.waitStderr(/Connection received/)
    client.write('kept\n')
    await new Promise((r) => setTimeout(r, 200))
    nc.child.kill('SIGTERM')
    expect(await nc.exit).toBe(0)
    expect(nc.child.signalCode).toBeNull()
    expect((await nc.stdout).toString()).toBe('kept\n')
    expect(await nc.stderr).not.toMatch(/abort|error/i)
    // The session was ended and the port is closed.
    if (!client.readableEnded) await once(client, 'end')
    const again = net.connect(nc.port, '127.0.0.1')
    const [err] = (await once(again, 'error')) as [NodeJS.ErrnoException]
    expect(err.code).toBe('ECONNREFUSED')
  })

  it('-k hands stdin to each client in turn', async () => {
    const nc = await spawnListener(['-lkv', '127.0.0.1', '0'])
    for (const line of ['for the first\n', 'for the second\n']) {
      const client = await connectTo(nc.port)
      await nc.waitStderr(new RegExp(`Connection received on 127\\.0\\.0\\.1 ${client.localPort}`))
      const got = readUntil(client, line)
      nc.child.stdin!.write(line)
      expect(await got).toBe(line)
      client.end()
      await once(client, 'close')
    }
    nc.child.kill('SIGTERM')
    expect(await nc.exit).toBe(0)
  })

  it('reports a port in use in one line, exit 1', async () => {
    const { port } = await tcpServer(() => {})
    const nc = spawnNc(['-l', '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe('nc: Address already in use\n')
  })
})

describe('connect mode messages', () => {
  it('-v prints the OpenBSD success line', async () => {
    const { port } = await tcpServer((s) => s.end())
    const nc = spawnNc(['-v', '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    expect(await nc.stderr).toBe(`Connection to 127.0.0.1 ${port} port [tcp/*] succeeded!\n`)
  })

  it('a refused connect is one line, exit 1', async () => {
    const { server, port } = await tcpServer(() => {})
    server.close()
    await once(server, 'close')
    const nc = spawnNc(['127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe(`nc: connect to 127.0.0.1 port ${port} (tcp) failed: Connection refused\n`)
  })

  it('-s and -p bind the source address and port', async () => {
    let seen: [string | undefined, number | undefined] = [undefined, undefined]
    const { port } = await tcpServer((s) => {
      seen = [s.remoteAddress, s.remotePort]
      s.end()
    })
    // a free source port: bind, read it, release
    const probe = net.createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const sourcePort = (probe.address() as net.AddressInfo).port
    probe.close()
    await once(probe, 'close')
    const nc = spawnNc(['-s', '127.0.0.1', '-p', String(sourcePort), '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    expect(seen).toEqual(['127.0.0.1', sourcePort])
  })

  it('-s with an address this host lacks: OpenBSD\'s "bind failed" line, exit 1', async () => {
    const { port } = await tcpServer((s) => s.destroy())
    // 192.0.2.1 (TEST-NET-1) is never a local address; the bind fails before any packet is sent.
    const nc = spawnNc(['-s', '192.0.2.1', '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe('nc: bind failed: Cannot assign requested address\n')
  })

  it('IPv6 with -6 on ::1', async () => {
    const server = net.createServer((s) => s.end('over v6\n')).listen(0, '::1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const nc = spawnNc(['-6', '::1', String((server.address() as net.AddressInfo).port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('over v6\n')
  })
})

describe('-w timeouts', () => {
  it('connect to a blackholed port times out with OpenBSD wording, exit 1', async () => {
    const port = await blackholePort()
    const started = performance.now()
    const nc = spawnNc(['-w', '1', '127.0.0.1', String(port)], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(performance.now() - started).toBeGreaterThanOrEqual(900)
    expect(await nc.stderr).toBe(`nc: connect to 127.0.0.1 port ${port} (tcp) timed out: Operation now in progress\n`)
  })

  it('SIGTERM while a connect hangs: exit 143, nothing on stderr', async () => {
    const port = await blackholePort()
    const nc = spawnNc(['-w', '30', '127.0.0.1', String(port)], { stdin: 'ignore' })
    // time to start and install its signal handlers (generous: the machine may be busy)
    await new Promise((r) => setTimeout(r, 1500))
    nc.child.kill('SIGTERM')
    expect(await nc.exit).toBe(143)
    expect(nc.child.signalCode).toBeNull()
    expect(await nc.stderr).toBe('')
  })

  it('a listener that accepts and never speaks: idle timeout ends quietly, exit 0', async () => {
    let accepted = false
    const { port } = await tcpServer(() => (accepted = true))
    const started = performance.now()
    const nc = spawnNc(['-w', '1', '-d', '127.0.0.1', String(port)])
    expect(await nc.exit).toBe(0)
    expect(accepted).toBe(true)
    expect(performance.now() - started).toBeGreaterThanOrEqual(900)
    expect(await nc.stderr).toBe('')
  })

  it('the idle timer restarts while data flows', async () => {
    const { port } = await tcpServer((s) => {
      let n = 0
      const timer = setInterval(() => {
        s.write(`tick ${n++}\n`)
        if (n === 4) clearInterval(timer)
      }, 400)
      s.on('close', () => clearInterval(timer))
    })
    const nc = spawnNc(['-w', '1', '-d', '127.0.0.1', String(port)])
    expect(await nc.exit).toBe(0)
    expect((await nc.stdout).toString()).toBe('tick 0\ntick 1\ntick 2\ntick 3\n')
  })
})

describe('Unix-domain stream sockets', () => {
  it('-lU and -U talk both ways', async () => {
    const sock = path.join(tempDir(), 'nc.sock')
    const listener = spawnNc(['-lUvN', sock])
    await listener.waitStderr(/Listening on /)
    expect(listener.stderrSoFar()).toBe(`Bound on ${sock}\nListening on ${sock}\n`)
    const client = spawnNc(['-U', sock])
    const heard = readUntil(listener.child.stdout!, 'from client\n')
    client.child.stdin!.write('from client\n')
    await listener.waitStderr(/Connection received/)
    await heard
    listener.child.stdin!.end('from listener\n')
    expect(await client.exit).toBe(0)
    expect(await listener.exit).toBe(0)
    expect((await client.stdout).toString()).toBe('from listener\n')
    expect(existsSync(sock)).toBe(false) // the listener removes its socket file
  })

  it('a missing socket path is one line, exit 1', async () => {
    const sock = path.join(tempDir(), 'absent.sock')
    const nc = spawnNc(['-U', sock], { stdin: 'ignore' })
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe(`nc: ${sock}: No such file or directory\n`)
  })
})

describe('UDP', () => {
  it('connect mode sends stdin as datagrams and prints replies', async () => {
    const server = dgram.createSocket('udp4')
    onTestFinished(() => {
      server.close()
    })
    server.on('message', (msg, rinfo) => server.send(Buffer.concat([Buffer.from('echo: '), msg]), rinfo.port, rinfo.address))
    server.bind(0, '127.0.0.1')
    await once(server, 'listening')
    const nc = spawnNc(['-u', '-w', '1', '127.0.0.1', String(server.address().port)])
    const out = readUntil(nc.child.stdout!, 'echo: ping\n')
    nc.child.stdin!.write('ping\n')
    expect(await out).toBe('echo: ping\n')
    nc.child.stdin!.end()
    expect(await nc.exit).toBe(0) // -w 1: idle after stdin EOF
  })

  it('a port nobody listens on (ICMP port unreachable) is one line, exit 1', async () => {
    const probe = dgram.createSocket('udp4')
    probe.bind(0, '127.0.0.1')
    await once(probe, 'listening')
    const port = probe.address().port
    probe.close()
    const nc = spawnNc(['-u', '127.0.0.1', String(port)])
    nc.child.stdin!.write('one\n')
    const timer = setInterval(() => nc.child.stdin!.write('again\n'), 200)
    onTestFinished(() => clearInterval(timer))
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe(`nc: connect to 127.0.0.1 port ${port} (udp) failed: Connection refused\n`)
  })

  it('listen mode answers the first peer', async () => {
    const nc = spawnNc(['-luv', '127.0.0.1', '0'])
    const m = await nc.waitStderr(/Bound on 127\.0\.0\.1 (\d+)/)
    const port = Number(m[1])
    const client = dgram.createSocket('udp4')
    onTestFinished(() => {
      client.close()
    })
    client.bind(0, '127.0.0.1')
    await once(client, 'listening')
    const reply = once(client, 'message') as Promise<[Buffer, dgram.RemoteInfo]>
    client.send('hello over udp\n', port, '127.0.0.1')
    await nc.waitStderr(new RegExp(`Connection received on 127\\.0\\.0\\.1 ${client.address().port}`))
    nc.child.stdin!.write('reply\n')
    const [msg] = await reply
    expect(msg.toString()).toBe('reply\n')
    nc.child.kill('SIGTERM')
    await nc.exit
    expect((await nc.stdout).toString()).toBe('hello over udp\n')
  })

  it('listen mode with -k answers whoever sent last', async () => {
    const nc = spawnNc(['-lukv', '127.0.0.1', '0'])
    const port = Number((await nc.waitStderr(/Bound on 127\.0\.0\.1 (\d+)/))[1])
    const clients = [dgram.createSocket('udp4'), dgram.createSocket('udp4')]
    for (const c of clients) {
      onTestFinished(() => {
        c.close()
      })
      c.bind(0, '127.0.0.1')
      await once(c, 'listening')
    }
    for (const [i, c] of clients.entries()) {
      const reply = once(c, 'message') as Promise<[Buffer]>
      c.send(`from ${i}\n`, port, '127.0.0.1')
      await nc.waitStderr(new RegExp(`Connection received on 127\\.0\\.0\\.1 ${c.address().port}`))
      nc.child.stdin!.write(`to ${i}\n`)
      expect((await reply)[0].toString()).toBe(`to ${i}\n`)
    }
    nc.child.kill('SIGTERM')
    await nc.exit
    expect((await nc.stdout).toString()).toBe('from 0\nfrom 1\n')
  })
})

describe('stdout closed early', () => {
  it('`nc ... | head -c 10` ends quietly', async () => {
    const { port } = await tcpServer((s) => {
      const chunk = Buffer.alloc(64 * 1024, 'x')
      const pump = () => {
        while (s.write(chunk)) {
          if (s.destroyed) return
        }
      }
      s.on('drain', pump)
      pump()
    })
    const child = spawn('sh', ['-c', `"${process.execPath}" "${NC_CLI}" -d 127.0.0.1 ${port} | head -c 10`], { stdio: ['ignore', 'pipe', 'pipe'] })
    onTestFinished(() => {
      child.kill('SIGKILL')
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    await once(child, 'close')
    expect(out).toBe('xxxxxxxxxx')
    expect(err).toBe('')
  })

  it('exits 0 with nothing on stderr when its stdout pipe closes', async () => {
    const { port } = await tcpServer((s) => {
      const timer = setInterval(() => s.write(Buffer.alloc(16 * 1024, 'y')), 20)
      s.on('close', () => clearInterval(timer))
    })
    const nc = spawnNc(['-d', '127.0.0.1', String(port)])
    await once(nc.child.stdout!, 'data')
    nc.child.stdout!.destroy()
    expect(await nc.exit).toBe(0)
    expect(await nc.stderr).toBe('')
  })
})

describe('connection the peer resets', () => {
  it('a reset is a network failure: one line, exit 1', async () => {
    const { port } = await tcpServer((s) => {
      s.once('data', () => s.resetAndDestroy())
    })
    const nc = spawnNc(['127.0.0.1', String(port)])
    nc.child.stdin!.write('trigger\n')
    expect(await nc.exit).toBe(1)
    expect(await nc.stderr).toBe('nc: Connection reset by peer\n')
  })
})

