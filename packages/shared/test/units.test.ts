import { describe, expect, it } from 'vitest'
import { UsageError, formatBytes, formatDuration, parseCount, parseDuration, parseSize } from '../src/index.js'

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['3', 3000],
    ['0.25', 250],
    ['0', 0],
  ])('%s is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })
  it.each(['', 'abc', '10x', '-1', '1e3', 's', '99999999h'])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow(UsageError)
  })
})

describe('parseSize', () => {
  it.each([
    ['512', 512],
    ['64k', 65_536],
    ['64K', 65_536],
    ['1M', 1_048_576],
    ['1MiB', 1_048_576],
    ['1MB', 1_048_576],
    ['2g', 2 * 1024 ** 3],
    ['10b', 10],
  ])('%s is %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes)
  })
  it.each(['', 'x', '-5', '1Q', 'k'])('rejects %j', (input) => {
    expect(() => parseSize(input)).toThrow(UsageError)
  })
})

describe('parseCount', () => {
  it('accepts whole numbers within bounds', () => {
    expect(parseCount('100', 'connections')).toBe(100)
    expect(() => parseCount('0', 'connections')).toThrow('connections out of range: 0 (use 1-')
    expect(() => parseCount('1.5', 'connections')).toThrow('invalid connections')
    expect(() => parseCount('abc', 'connections')).toThrow(UsageError)
  })
})

describe('formatting', () => {
  it('formats bytes and durations for people', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.50 KiB')
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.00 GiB')
    expect(formatDuration(850)).toBe('850ms')
    expect(formatDuration(12_345)).toBe('12.3s')
    expect(formatDuration(125_000)).toBe('2m05s')
  })
})

describe('report formatting (one style for every tool)', () => {
  it('groups thousands', async () => {
    const { formatCount } = await import('../src/index.js')
    expect(formatCount(0)).toBe('0')
    expect(formatCount(999)).toBe('999')
    expect(formatCount(1000)).toBe('1,000')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(-48210.4)).toBe('-48,210')
    expect(formatCount(1234.567, 2)).toBe('1,234.57')
  })
  it('gives rates per second with separators, byte rates in IEC units only', async () => {
    const { formatPerSecond, formatByteRate } = await import('../src/index.js')
    expect(formatPerSecond(482_100, 10_000)).toBe('48,210/s')
    expect(formatPerSecond(5, 0)).toBe('0/s')
    expect(formatByteRate(1024 * 1024 * 100, 1000)).toBe('100 MiB/s')
    expect(formatByteRate(512, 1000)).toBe('512 B/s')
    expect(formatByteRate(3 * 1024 ** 3, 2000)).not.toMatch(/\bMB|GB|kB\b/)
  })
  it('has one latency style', async () => {
    const { formatLatency } = await import('../src/index.js')
    expect(formatLatency(0.085)).toBe('85 µs')
    expect(formatLatency(2.345)).toBe('2.35 ms')
    expect(formatLatency(41.23)).toBe('41.2 ms')
    expect(formatLatency(412.3)).toBe('412 ms')
    expect(formatLatency(1200)).toBe('1.20 s')
  })
})

describe('wording', () => {
  it('joins words and counts things in plural-aware English', async () => {
    const { joinWords, plural } = await import('../src/index.js')
    expect(joinWords(['HOST'])).toBe('HOST')
    expect(joinWords(['HOST', 'PORT'])).toBe('HOST and PORT')
    expect(joinWords(['a', 'b', 'c'], 'or')).toBe('a, b or c')
    expect(plural(1, 'connection')).toBe('1 connection')
    expect(plural(0, 'connection')).toBe('0 connections')
    expect(plural(12345, 'mismatched echo', 'mismatched echoes')).toBe('12,345 mismatched echoes')
  })
  it('words missing arguments the one way, as a usage error', async () => {
    const { missingArguments, UsageError, reportError } = await import('../src/index.js')
    const err = missingArguments(['host', 'port'], 'tcp-echo bench HOST PORT')
    expect(err).toBeInstanceOf(UsageError)
    let text = ''
    reportError('tcp-echo', err, { write: (t: string) => (text += t), on: () => {} })
    expect(text).toBe("tcp-echo: missing HOST and PORT: use `tcp-echo bench HOST PORT` (see 'tcp-echo --help')\n")
  })
})
