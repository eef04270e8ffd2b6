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
