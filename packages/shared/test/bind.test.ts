import dgram from 'node:dgram'
import net from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { bindServer, NetworkError } from '../src/index.js'

describe('bindServer', () => {
  it('resolves once a net.Server listens, and rejects with a worded NetworkError when the port is taken', async () => {
    const first = await bindServer(net.createServer(), (s) => s.listen(0, '127.0.0.1'), { operation: 'bind', host: '127.0.0.1', port: 0, protocol: 'tcp' })
    onTestFinished(() => void first.close())
    const port = (first.address() as net.AddressInfo).port
    const second = net.createServer()
    const err = await bindServer(second, (s) => s.listen(port, '127.0.0.1'), { operation: 'bind', host: '127.0.0.1', port, protocol: 'tcp' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect(err).toMatchObject({ code: 'NETKIT_ADDRESS_IN_USE', message: `bind to 127.0.0.1 port ${port} (tcp) failed: Address already in use` })
    // Only the first error was taken: no listener is left behind.
    expect(second.listenerCount('error')).toBe(0)
    expect(second.listenerCount('listening')).toBe(0)
  })

  it('binds a dgram socket, and takes a tool-specific wording', async () => {
    const socket = await bindServer(dgram.createSocket('udp4'), (s) => s.bind(0, '127.0.0.1'), {})
    onTestFinished(() => {
      socket.close()
    })
    const port = socket.address().port
    const other = dgram.createSocket('udp4')
    const err = await bindServer(other, (s) => s.bind(port, '127.0.0.1'), (e) => new Error(`custom: ${(e as NodeJS.ErrnoException).code}`)).catch((e: unknown) => e)
    expect((err as Error).message).toBe('custom: EADDRINUSE')
    other.close()
  })
})
