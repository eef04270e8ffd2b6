import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  UsageError,
  WIRE_LIMITS,
  basicCredentials,
  checkCredentials,
  checkEnvName,
  checkEnvValue,
  checkHeaderName,
  checkHeaderValue,
  checkRequestTarget,
  checkToken,
} from '../src/index.js'

function refusal(run: () => unknown): string {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    const message = (err as Error).message
    expect(message).not.toMatch(/[\r\n]/)
    return message
  }
  throw new Error('expected a UsageError')
}

describe('wire gate', () => {
  it('header names are tokens', () => {
    expect(checkHeaderName('X-Custom_1.a')).toBe('X-Custom_1.a')
    expect(refusal(() => checkHeaderName('Bad Name'))).toBe('header name is not a token (letters, digits and !#$%&\'*+-.^_`|~ only): "Bad Name"')
    expect(refusal(() => checkHeaderName(''))).toMatch(/is empty/)
    expect(refusal(() => checkHeaderName('X\r\nY'))).toMatch(/^header name contains a line break: "X\\r\\nY"$/)
    expect(refusal(() => checkHeaderName('x'.repeat(WIRE_LIMITS.headerName + 1)))).toMatch(/too long/)
  })

  it('header values refuse CR, LF, NUL and other controls, keep HTAB and non-ASCII', () => {
    expect(checkHeaderValue('a\tb ü')).toBe('a\tb ü')
    expect(refusal(() => checkHeaderValue('ua\r\nX-Evil: 1', 'User-Agent'))).toBe('User-Agent contains a line break: "ua\\r\\nX-Evil: 1"')
    expect(refusal(() => checkHeaderValue('a\0b'))).toMatch(/contains NUL/)
    expect(refusal(() => checkHeaderValue('a\x01b'))).toMatch(/control character \(0x01\)/)
    expect(refusal(() => checkHeaderValue('a\x7f'))).toMatch(/0x7f/)
    expect(refusal(() => checkHeaderValue('a\ud800'))).toMatch(/unpaired surrogate/)
    expect(checkHeaderValue('😀')).toBe('😀')
    expect(refusal(() => checkHeaderValue('x'.repeat(WIRE_LIMITS.headerValue + 1)))).toMatch(/too long: 65537 characters/)
  })

  it('request targets are visible ASCII without spaces', () => {
    expect(checkRequestTarget('/a/b?c=%20&d={}')).toBe('/a/b?c=%20&d={}')
    expect(refusal(() => checkRequestTarget('/a b'))).toMatch(/contains a space/)
    expect(refusal(() => checkRequestTarget('/a\nb'))).toMatch(/line break/)
    expect(refusal(() => checkRequestTarget('/ü'))).toMatch(/percent-encoded/)
    expect(refusal(() => checkRequestTarget(''))).toMatch(/empty/)
  })

  it('credentials: no controls, no colon in the user, never echoed', () => {
    expect(basicCredentials({ user: 'ü', password: 'p:w' })).toBe(`Basic ${Buffer.from('ü:p:w').toString('base64')}`)
    expect(refusal(() => checkCredentials('a:b', 'secret'))).toMatch(/user name contains ':'/)
    const message = refusal(() => checkCredentials('u', 'se\r\ncret', 'proxy credentials'))
    expect(message).toMatch(/^proxy credentials: password contains a line break/)
    expect(refusal(() => checkCredentials('u', 'se\x01cret'))).not.toContain('cret')
  })

  it('tokens and environment entries', () => {
    expect(checkToken('chat.v2')).toBe('chat.v2')
    expect(refusal(() => checkToken('a,b', 'WebSocket subprotocol'))).toMatch(/^WebSocket subprotocol is not a token/)
    expect(checkEnvValue('multi\nline')).toBe('multi\nline')
    expect(refusal(() => checkEnvValue('a\0b', 'NAME'))).toMatch(/^value of NAME contains NUL/)
    expect(refusal(() => checkEnvName('A=B'))).toMatch(/contains = or NUL/)
  })

  it('a value that passes can never add a line to the head (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), (name, value) => {
        let line: string
        try {
          line = `${checkHeaderName(name)}: ${checkHeaderValue(value)}\r\n`
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError)
          return
        }
        expect(line.indexOf('\r')).toBe(line.length - 2)
        expect(line.indexOf('\n')).toBe(line.length - 1)
        expect(line.includes('\0')).toBe(false)
      }),
      { numRuns: 500 },
    )
  })
})
