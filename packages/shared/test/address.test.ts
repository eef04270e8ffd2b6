import { describe, expect, it } from 'vitest'
import { UsageError, formatHostPort, isLoopback, parseHost, parseHostPort, parsePort, parsePortList, serviceName, servicePort, resolveHost } from '../src/index.js'

describe('parsePort', () => {
  it('accepts 1-65535 and service names', () => {
    expect(parsePort('1')).toBe(1)
    expect(parsePort('65535')).toBe(65535)
    expect(parsePort(8080)).toBe(8080)
    expect(parsePort('https')).toBe(443)
    expect(parsePort('ssh')).toBe(22)
  })
  it('accepts 0 only where a listener may pick a port', () => {
    expect(() => parsePort('0')).toThrow(UsageError)
    expect(parsePort('0', { allowZero: true })).toBe(0)
  })
  it.each(['65536', '99999', 'abc', '-1', '1.5', '', '80a', ' '])('rejects %j with a usage error', (input) => {
    expect(() => parsePort(input)).toThrow(UsageError)
  })
  it('says what is wrong', () => {
    expect(() => parsePort('99999')).toThrow('port number out of range: 99999 (use 1-65535)')
    expect(() => parsePort('nosuchservice')).toThrow('unknown service name: nosuchservice')
  })
})

describe('parsePortList', () => {
  it('reads lists, ranges and several arguments, sorted and unique', () => {
    expect(parsePortList('22')).toEqual([22])
    expect(parsePortList('20-25')).toEqual([20, 21, 22, 23, 24, 25])
    expect(parsePortList(['443,80', '20-22', '80'])).toEqual([20, 21, 22, 80, 443])
    expect(parsePortList('8000-8100')).toHaveLength(101)
    expect(parsePortList('1-65535')).toHaveLength(65535)
  })
  it.each(['10-5', '1-99999', 'abc', '22,,80', '0-10', '5-', '-5', '1-2-3'])('rejects %j', (input) => {
    expect(() => parsePortList(input)).toThrow(UsageError)
  })
  it('explains a reversed range', () => {
    expect(() => parsePortList('10-5')).toThrow('invalid port range: 10-5 (start is above end)')
  })
})

describe('parseHostPort', () => {
  it('reads host:port, [v6]:port and separate ports', () => {
    expect(parseHostPort('example.com:80')).toEqual({ host: 'example.com', port: 80 })
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(parseHostPort('[::1]:443')).toEqual({ host: '::1', port: 443 })
    expect(parseHostPort('[fe80::1%eth0]:22')).toEqual({ host: 'fe80::1%eth0', port: 22 })
    expect(parseHostPort('::1', '22')).toEqual({ host: '::1', port: 22 })
    expect(parseHostPort('localhost', 'http')).toEqual({ host: 'localhost', port: 80 })
    expect(parseHostPort('localhost:0', undefined, { allowZero: true })).toEqual({ host: 'localhost', port: 0 })
  })
  it.each([
    ['host:99999', 'port number out of range'],
    [':80', 'missing host'],
    ['[::1', 'missing "]"'],
    ['[::1]', 'expected [host]:port'],
    ['[::1]:', 'expected [host]:port'],
    ['::1:80', 'write IPv6 addresses as [addr]:port'],
    ['localhost', 'expected host:port'],
    ['host:abc', 'unknown service name'],
    ['[notv6]:80', 'brackets are for IPv6 addresses'],
  ])('rejects %j (%s)', (input, message) => {
    expect(() => parseHostPort(input)).toThrow(UsageError)
    expect(() => parseHostPort(input)).toThrow(message)
  })
  it('rejects a missing host given separately', () => {
    expect(() => parseHost('')).toThrow('missing host')
  })
})

describe('addresses for people', () => {
  it('formats IPv6 with brackets', () => {
    expect(formatHostPort('::1', 80)).toBe('[::1]:80')
    expect(formatHostPort('127.0.0.1', 80)).toBe('127.0.0.1:80')
  })
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true)
    expect(['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com'].some(isLoopback)).toBe(false)
  })
  it('names common services both ways', () => {
    expect(serviceName(80)).toBe('http')
    expect(serviceName(53, 'udp')).toBe('domain')
    expect(serviceName(40123)).toBeUndefined()
    expect(servicePort('HTTPS')).toBe(443)
  })
})

describe('resolveHost', () => {
  it('returns a literal as given, with its family', async () => {
    expect(await resolveHost('127.0.0.1')).toEqual({ address: '127.0.0.1', family: 4 })
    expect(await resolveHost('::1')).toEqual({ address: '::1', family: 6 })
  })

  it('resolves a name (localhost, from /etc/hosts) in the family asked for', async () => {
    expect(await resolveHost('localhost', 4)).toEqual({ address: '127.0.0.1', family: 4 })
  })
})
