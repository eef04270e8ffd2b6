import net from 'node:net'
import { once } from 'node:events'
import { describe, expect, it, onTestFinished } from 'vitest'
import { NetkitError, NetworkError, TimeoutError, UsageError, describeErrno, toNetworkError } from '../src/index.js'

function systemError(code: string, extra: Record<string, unknown> = {}): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code} something`), { code, syscall: 'connect', ...extra })
}

describe('toNetworkError', () => {
  const cases: Array<[string, string, string]> = [
    ['ECONNREFUSED', 'NETKIT_CONNECT_REFUSED', 'Connection refused'],
    ['ECONNRESET', 'NETKIT_CONNECTION_RESET', 'Connection reset by peer'],
    ['EPIPE', 'NETKIT_BROKEN_PIPE', 'Broken pipe'],
    ['ETIMEDOUT', 'NETKIT_TIMEOUT', 'Connection timed out'],
    ['EADDRINUSE', 'NETKIT_ADDRESS_IN_USE', 'Address already in use'],
    ['EADDRNOTAVAIL', 'NETKIT_ADDRESS_NOT_AVAILABLE', 'Cannot assign requested address'],
    ['EACCES', 'NETKIT_PERMISSION_DENIED', 'Permission denied'],
    ['ENOTFOUND', 'NETKIT_HOST_NOT_FOUND', 'Name or service not known'],
    ['EAI_AGAIN', 'NETKIT_DNS_TEMPORARY_FAILURE', 'Temporary failure in name resolution'],
    ['EHOSTUNREACH', 'NETKIT_HOST_UNREACHABLE', 'No route to host'],
    ['ENETUNREACH', 'NETKIT_NETWORK_UNREACHABLE', 'Network is unreachable'],
    ['EMFILE', 'NETKIT_TOO_MANY_OPEN_FILES', 'Too many open files'],
  ]
  it.each(cases)('maps %s to %s with the strerror text', (errno, code, text) => {
    const err = toNetworkError(systemError(errno), { operation: 'connect', host: '127.0.0.1', port: 5, protocol: 'tcp' })
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.code).toBe(code)
    expect(err.exitCode).toBe(1)
    expect(err.message).toBe(`connect to 127.0.0.1 port 5 (tcp) failed: ${text}`)
    expect((err as NetworkError).errno).toBe(errno)
    expect(describeErrno(errno)).toBe(text)
  })

  it('keeps the original error as cause and words lookups like getaddrinfo', () => {
    const original = systemError('ENOTFOUND')
    const err = toNetworkError(original, { operation: 'resolve', host: 'nowhere.invalid', port: 80 })
    expect(err.cause).toBe(original)
    expect(err.message).toBe('getaddrinfo for host "nowhere.invalid" port 80: Name or service not known')
  })

  it('uses the message of an unknown error and derives a code from its errno', () => {
    const err = toNetworkError(systemError('EWEIRD'), { operation: 'bind' })
    expect(err.code).toBe('NETKIT_EWEIRD')
    expect(err.message).toBe('bind failed: EWEIRD something')
  })

  it('passes NetkitErrors through unchanged', () => {
    const usage = new UsageError('bad')
    expect(toNetworkError(usage)).toBe(usage)
  })

  it('turns an AggregateError from autoSelectFamily into one error naming the addresses tried', () => {
    const agg = new AggregateError(
      [systemError('ECONNREFUSED', { address: '::1', port: 9 }), systemError('ECONNREFUSED', { address: '127.0.0.1', port: 9 })],
      'all failed',
    )
    const err = toNetworkError(agg, { operation: 'connect', host: 'localhost', port: 9, protocol: 'tcp' })
    expect(err.code).toBe('NETKIT_CONNECT_REFUSED')
    expect(err.message).toBe('connect to localhost port 9 (tcp) failed: Connection refused (tried ::1, 127.0.0.1)')
  })

  it('maps a real refused connection on loopback', async () => {
    const server = net.createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as net.AddressInfo
    server.close()
    await once(server, 'close')
    const socket = net.connect(port, '127.0.0.1')
    const [raw] = await once(socket, 'error')
    const err = toNetworkError(raw, { operation: 'connect', host: '127.0.0.1', port, protocol: 'tcp' })
    expect(err.message).toBe(`connect to 127.0.0.1 port ${port} (tcp) failed: Connection refused`)
  })

  it('maps a real address-in-use on loopback', async () => {
    const a = net.createServer().listen(0, '127.0.0.1')
    await once(a, 'listening')
    onTestFinished(() => void a.close())
    const { port } = a.address() as net.AddressInfo
    const b = net.createServer().listen(port, '127.0.0.1')
    const [raw] = await once(b, 'error')
    expect(toNetworkError(raw, { operation: 'bind', host: '127.0.0.1', port }).code).toBe('NETKIT_ADDRESS_IN_USE')
  })
})

describe('error classes', () => {
  it('carry stable codes, exit codes and names', () => {
    const usage = new UsageError('invalid port')
    expect(usage).toBeInstanceOf(NetkitError)
    expect(usage).toBeInstanceOf(UsageError)
    expect(usage).not.toBeInstanceOf(NetworkError)
    expect([usage.code, usage.exitCode, usage.name]).toEqual(['NETKIT_USAGE', 2, 'UsageError'])
    const timeout = new TimeoutError('timed out')
    expect(timeout).toBeInstanceOf(NetworkError)
    expect([timeout.code, timeout.exitCode]).toEqual(['NETKIT_TIMEOUT', 1])
  })

  it('answer instanceof by brand, so two installed copies still agree', () => {
    const foreign = Object.create(Object.prototype, { [Symbol.for('netkit.error.NetkitError')]: { value: true } })
    expect(foreign instanceof NetkitError).toBe(true)
    expect(foreign instanceof UsageError).toBe(false)
    expect(new Error('x') instanceof NetkitError).toBe(false)
    expect((null as unknown as object) instanceof NetkitError).toBe(false)
  })
})
