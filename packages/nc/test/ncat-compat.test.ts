/**
 * ncat's smaller habits (-C on exec output, NCAT_* variables, port 31337 for a bare -l) and
 * diagnostics that cannot kill nc when stderr's reader has gone away.
 */
import { once } from 'node:events'
import tls from 'node:tls'
import { freePort, sleep, waitFor } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { connectTo, readAll, spawnListener, spawnNc } from './support/nc.js'


async function canConnect(port: number): Promise<boolean> {
  try {
    const s = await connectTo(port)
    s.destroy()
    return true
  } catch {
    return false
  }
}

describe('ncat habits', () => {
  it('-C applies to an exec child\'s output (ABC\\r\\n), and without -C the bytes are as written', async () => {
    for (const [flags, expected] of [[['-C'], 'ABC\r\n'], [[], 'ABC\n']] as const) {
      const listener = await spawnListener(['-l', '-v', ...flags, '-c', 'printf "ABC\\n"', '127.0.0.1', '0'], { stdin: 'ignore' })
      const socket = await connectTo(listener.port)
      socket.end()
      expect((await readAll(socket)).toString()).toBe(expected)
      expect(await listener.exit).toBe(0)
    }
  })

  it('exec children get NCAT_* beside NETKIT_*', async () => {
    const listener = await spawnListener(['-l', '-v', '-c', 'echo "$NCAT_REMOTE_ADDR $NCAT_LOCAL_ADDR $NCAT_LOCAL_PORT $NCAT_PROTO $NETKIT_PROTO"; test "$NCAT_REMOTE_PORT" = "$NETKIT_REMOTE_PORT" && echo same-port', '127.0.0.1', '0'], { stdin: 'ignore' })
    const socket = await connectTo(listener.port)
    socket.end()
    expect((await readAll(socket)).toString()).toBe(`127.0.0.1 127.0.0.1 ${listener.port} TCP TCP\nsame-port\n`)
  })

  it('nc -l without a port listens on 31337, as ncat; nc -l host without a port is still a usage error', async () => {
    const bare = spawnNc(['-l', '-v'], { stdin: 'ignore' })
    const m = await bare.waitStderr(/Listening on (\S+) (\d+)/)
    expect(m[2]).toBe('31337')
    bare.child.kill('SIGTERM')
    const named = spawnNc(['-l', 'localhost'], { stdin: 'ignore' })
    expect(await named.exit).toBe(2)
  })
})

describe('with stderr\'s reader closed', () => {
  it('a usage error still exits 2', async () => {
    const nc = spawnNc(['--no-such-option', '127.0.0.1', '1'], { stdin: 'ignore', closedStderr: true })
    expect(await nc.exit).toBe(2)
  })

  it('a runtime error (connection refused) still exits 1', async () => {
    const port = await freePort()
    const nc = spawnNc(['-v', '127.0.0.1', String(port)], { stdin: 'ignore', closedStderr: true })
    expect(await nc.exit).toBe(1)
  })

  it('a -lk --ssl server keeps serving after a failed handshake it could not log', async () => {
    const port = await freePort()
    const server = spawnNc(['-lk', '--ssl', '-v', '127.0.0.1', String(port)], { stdin: 'ignore', closedStderr: true })
    let up = false
    for (let i = 0; i < 100 && !up; i++) {
      up = await canConnect(port)
      if (!up) await sleep(100)
    }
    expect(up).toBe(true)
    // A plain-text client: the handshake fails and nc logs it (to a stderr nobody reads).
    const plain = await connectTo(port)
    plain.on('error', () => {})
    plain.end('GET / HTTP/1.0\r\n\r\n')
    await readAll(plain).catch(() => Buffer.alloc(0))
    await sleep(200)
    // Still serving: a TLS client's bytes reach stdout.
    const secure = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
    await once(secure, 'secureConnect')
    secure.end('still here\n')
    await waitFor(() => server.stdoutSoFar().includes('still here'), 10_000)
    expect(server.stdoutSoFar()).toBe('still here\n')
    expect(server.child.exitCode).toBe(null)
    server.child.kill('SIGTERM')
    expect(await server.exit).toBe(0) // a listener stops gracefully on SIGTERM
  })
})
