import { describe, expect, it } from 'vitest'
import { ProxyAuthVerifier, answerChallenge, basicAuthorization, chooseChallenge, digestAuthorization, parseChallenges } from '../src/features/http-auth.js'

describe('parseChallenges', () => {
  it('splits several challenges in one value and unquotes parameters', () => {
    const got = parseChallenges(['Basic realm="a b", Digest realm="x\\"y", nonce=abc, qop="auth,auth-int", algorithm=SHA-256'])
    expect(got).toEqual([
      { scheme: 'basic', params: { realm: 'a b' } },
      { scheme: 'digest', params: { realm: 'x"y', nonce: 'abc', qop: 'auth,auth-int', algorithm: 'SHA-256' } },
    ])
  })

  it('reads a token68 with padding (Basic answers) and challenges spread over several values', () => {
    expect(parseChallenges(['Basic dXNlcjpwYXNzMQ==', 'Negotiate'])).toEqual([
      { scheme: 'basic', params: { token68: 'dXNlcjpwYXNzMQ==' } },
      { scheme: 'negotiate', params: {} },
    ])
  })

  it('survives junk without throwing', () => {
    expect(() => parseChallenges(['"", ,,= Digest nonce="unterminated', '\u0000\u00ff'])).not.toThrow()
  })
})

describe('chooseChallenge', () => {
  it('prefers Digest over Basic, and the strongest Digest algorithm', () => {
    const challenges = parseChallenges(['Basic realm="r"', 'Digest realm="r", nonce="1", algorithm=MD5', 'Digest realm="r", nonce="2", algorithm=SHA-256'])
    expect(chooseChallenge(challenges)?.params['nonce']).toBe('2')
    expect(chooseChallenge(parseChallenges(['Basic realm="r"']))?.scheme).toBe('basic')
  })

  it('skips Digest challenges it cannot answer (unknown algorithm or qop)', () => {
    const challenges = parseChallenges(['Digest realm="r", nonce="1", algorithm=SHA-1024', 'Digest realm="r", nonce="2", qop="auth-conf"', 'Basic realm="r"'])
    expect(chooseChallenge(challenges)?.scheme).toBe('basic')
    expect(chooseChallenge(parseChallenges(['Negotiate']))).toBeUndefined()
  })
})

describe('Digest answers (published test vectors)', () => {
  it('RFC 2617 section 3.5: MD5, qop auth', () => {
    const [challenge] = parseChallenges(['Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'])
    const header = digestAuthorization(challenge!, { username: 'Mufasa', password: 'Circle Of Life' }, { method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b', nc: 1 })
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"')
    expect(header).toContain('qop=auth, nc=00000001, cnonce="0a4f113b"')
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"')
  })

  it('RFC 7616 section 3.9.1: MD5 and SHA-256', () => {
    const base = 'realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    const creds = { username: 'Mufasa', password: 'Circle of Life' }
    const request = { method: 'GET', uri: '/dir/index.html', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', nc: 1 }
    const [md5] = parseChallenges([`Digest ${base}, algorithm=MD5`])
    const [sha] = parseChallenges([`Digest ${base}, algorithm=SHA-256`])
    expect(digestAuthorization(md5!, creds, request)).toContain('response="8ca523f5e9506fed4657c9700eebdbec"')
    expect(digestAuthorization(sha!, creds, request)).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"')
  })

  it('answers a challenge without qop the RFC 2069 way (no nc, no cnonce)', () => {
    const [challenge] = parseChallenges(['Digest realm="r", nonce="n"'])
    const header = answerChallenge(challenge!, { username: 'u', password: 'p' }, { method: 'CONNECT', uri: 'h:1' })
    expect(header).toMatch(/^Digest /)
    expect(header).not.toContain('cnonce')
    expect(header).not.toContain('qop')
  })

  it('escapes quotes and backslashes in quoted fields', () => {
    const [challenge] = parseChallenges(['Digest realm="r", nonce="n", qop=auth'])
    const header = digestAuthorization(challenge!, { username: 'a"b\\c', password: 'p' }, { method: 'CONNECT', uri: 'h:1', cnonce: 'c' })
    expect(header).toContain('username="a\\"b\\\\c"')
    expect(parseChallenges([header])[0]!.params['username']).toBe('a"b\\c')
  })
})

describe('ProxyAuthVerifier', () => {
  const credentials = { username: 'user', password: 'pass' }

  it('accepts its own Digest challenge answered correctly, and Basic', () => {
    const verifier = new ProxyAuthVerifier({ realm: 'netkit', credentials })
    const challenge = chooseChallenge(parseChallenges(verifier.challenges()))!
    expect(challenge.scheme).toBe('digest')
    const header = answerChallenge(challenge, credentials, { method: 'CONNECT', uri: 'example.test:443' })
    expect(verifier.verify(header, 'CONNECT', 'example.test:443')).toBe('ok')
    expect(verifier.verify(basicAuthorization(credentials), 'GET', '/')).toBe('ok')
  })

  it('refuses wrong passwords, other URIs, forged nonces and missing headers', () => {
    const verifier = new ProxyAuthVerifier({ realm: 'netkit', credentials })
    const challenge = chooseChallenge(parseChallenges(verifier.challenges()))!
    const wrong = answerChallenge(challenge, { username: 'user', password: 'nope' }, { method: 'CONNECT', uri: 'h:1' })
    expect(verifier.verify(wrong, 'CONNECT', 'h:1')).toBe('bad')
    const right = answerChallenge(challenge, credentials, { method: 'CONNECT', uri: 'h:1' })
    expect(verifier.verify(right, 'CONNECT', 'h:2')).toBe('bad')
    const forged = answerChallenge({ ...challenge, params: { ...challenge.params, nonce: 'ffff.forged' } }, credentials, { method: 'CONNECT', uri: 'h:1' })
    expect(verifier.verify(forged, 'CONNECT', 'h:1')).toBe('bad')
    expect(verifier.verify(basicAuthorization({ username: 'user', password: 'x' }), 'GET', '/')).toBe('bad')
    expect(verifier.verify(undefined, 'GET', '/')).toBe('missing')
  })

  it('answers an expired nonce with stale', () => {
    let now = 1_000_000
    const verifier = new ProxyAuthVerifier({ realm: 'netkit', credentials, nonceLifetimeMs: 1000, now: () => now })
    const challenge = chooseChallenge(parseChallenges(verifier.challenges()))!
    const header = answerChallenge(challenge, credentials, { method: 'CONNECT', uri: 'h:1' })
    now += 5000
    expect(verifier.verify(header, 'CONNECT', 'h:1')).toBe('stale')
    expect(verifier.challenges(true)[0]).toContain('stale=true')
  })
})
