/**
 * HTTP authentication for proxies, both ends, sans-I/O: parse `Proxy-Authenticate` challenges,
 * answer Basic and Digest (RFC 7616: MD5, SHA-256 and their -sess variants, qop `auth`,
 * `auth-int` on an empty body, and no qop as RFC 2069), and on the server side issue challenges
 * and verify `Proxy-Authorization` answers. Nothing here touches a socket.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { InvalidArgumentError } from '@netkit/shared'

export interface AuthChallenge {
  /** Lower-cased: `basic`, `digest`, … */
  scheme: string
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>
}

export interface HttpCredentials {
  username: string
  password: string
}

/** Longest challenge list we parse; a proxy's whole response head is capped before this. */
const MAX_CHALLENGE_TEXT = 16 * 1024
const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/

/** A cursor over one header value, for the RFC 9110 list-of-challenges grammar. */
class Scanner {
  pos = 0
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length
  }
  skip(chars: string): void {
    while (!this.done && chars.includes(this.text[this.pos]!)) this.pos++
  }
  token(): string {
    const start = this.pos
    while (!this.done && TOKEN.test(this.text[this.pos]!)) this.pos++
    return this.text.slice(start, this.pos)
  }
  /** A token68 (`abc+/=`), used by schemes that take one blob instead of parameters. */
  token68(): string {
    const start = this.pos
    while (!this.done && /[A-Za-z0-9\-._~+/]/.test(this.text[this.pos]!)) this.pos++
    while (!this.done && this.text[this.pos] === '=') this.pos++
    return this.text.slice(start, this.pos)
  }
  quoted(): string {
    let out = ''
    this.pos++ // opening quote
    while (!this.done) {
      const c = this.text[this.pos++]!
      if (c === '"') return out
      if (c === '\\' && !this.done) out += this.text[this.pos++]
      else out += c
    }
    return out // unterminated: take what there is, as curl does
  }
  peek(): string | undefined {
    return this.text[this.pos]
  }
}

/**
 * Does `name=value` follow at the cursor (a parameter), rather than a new scheme or a token68?
 * A token68 may end in `=` padding (`dXNlcg==`), and a value never starts with `=`.
 */
function atParameter(s: Scanner): boolean {
  const save = s.pos
  const name = s.token()
  s.skip(' \t')
  let is = name !== '' && s.peek() === '='
  if (is) {
    s.pos++
    s.skip(' \t')
    const next = s.peek()
    is = next !== undefined && next !== '=' && next !== ','
  }
  s.pos = save
  return is
}

/**
 * Parse the challenges of one or more `Proxy-Authenticate` / `WWW-Authenticate` values. Several
 * challenges may share one value (`Basic realm="a", Digest realm="a", nonce="n"`).
 */
export function parseChallenges(values: readonly string[]): AuthChallenge[] {
  const challenges: AuthChallenge[] = []
  for (const value of values) {
    const s = new Scanner(value.slice(0, MAX_CHALLENGE_TEXT))
    while (!s.done) {
      s.skip(' \t,')
      const scheme = s.token()
      if (!scheme) {
        s.pos++ // junk: skip a character and resynchronise
        continue
      }
      const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} }
      challenges.push(challenge)
      s.skip(' \t')
      if (!atParameter(s)) {
        const blob = s.token68()
        if (blob) challenge.params['token68'] = blob
      }
      // Parameters, comma-separated, until the next scheme (a token not followed by '=').
      for (;;) {
        s.skip(' \t,')
        if (s.done || !atParameter(s)) break
        const name = s.token().toLowerCase()
        s.skip(' \t')
        s.pos++ // '='
        s.skip(' \t')
        challenge.params[name] = s.peek() === '"' ? s.quoted() : s.token()
      }
    }
  }
  return challenges
}

type DigestHash = 'md5' | 'sha256' | 'sha512-256'
const ALGORITHMS: Record<string, DigestHash> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' }
/** Stronger first: when a proxy offers several Digest challenges we answer the strongest we know. */
const STRENGTH = ['SHA-512-256', 'SHA-256', 'MD5']

function digestAlgorithm(challenge: AuthChallenge): { name: string; hash: DigestHash; sess: boolean } | undefined {
  const name = (challenge.params['algorithm'] ?? 'MD5').toUpperCase()
  const sess = name.endsWith('-SESS')
  const base = sess ? name.slice(0, -5) : name
  const hash = ALGORITHMS[base]
  return hash ? { name: challenge.params['algorithm'] ?? 'MD5', hash, sess } : undefined
}

function digestQop(challenge: AuthChallenge): 'auth' | 'auth-int' | undefined | null {
  const offered = challenge.params['qop']
  if (offered === undefined) return undefined // RFC 2069 style
  const list = offered.split(',').map((q) => q.trim().toLowerCase())
  if (list.includes('auth')) return 'auth'
  if (list.includes('auth-int')) return 'auth-int'
  return null // nothing we can answer
}

/** Can we answer this Digest challenge at all (known algorithm and qop, a nonce)? */
function answerableDigest(challenge: AuthChallenge): boolean {
  return challenge.scheme === 'digest' && !!challenge.params['nonce'] && digestAlgorithm(challenge) !== undefined && digestQop(challenge) !== null
}

/**
 * The challenge to answer, as curl and ncat choose: Digest (the strongest algorithm offered)
 * over Basic; undefined when none is answerable.
 */
export function chooseChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  const digests = challenges.filter(answerableDigest)
  if (digests.length > 0) {
    const rank = (c: AuthChallenge) => {
      const name = digestAlgorithm(c)!.name.toUpperCase().replace(/-SESS$/, '')
      return STRENGTH.indexOf(name)
    }
    return [...digests].sort((a, b) => rank(a) - rank(b))[0]
  }
  return challenges.find((c) => c.scheme === 'basic')
}

export function basicAuthorization(credentials: HttpCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`
}

const hex = (hash: DigestHash, text: string) => createHash(hash).update(text, 'utf8').digest('hex')
const quote = (text: string) => `"${text.replace(/["\\]/g, '\\$&')}"`

export interface DigestRequest {
  method: string
  /** The request-target as sent: the authority for CONNECT, the absolute URI for a forwarded GET. */
  uri: string
  /** Fixed in tests; random otherwise. */
  cnonce?: string
  /** Nonce count (1 for the first use of a nonce). */
  nc?: number
}

interface DigestInputs {
  hash: DigestHash
  sess: boolean
  qop: 'auth' | 'auth-int' | undefined
  username: string
  realm: string
  password: string
  nonce: string
  cnonce: string
  nc: string
  method: string
  uri: string
}

/** RFC 7616 section 3.4.1: the `response` value. */
function digestResponse(i: DigestInputs): string {
  let ha1 = hex(i.hash, `${i.username}:${i.realm}:${i.password}`)
  if (i.sess) ha1 = hex(i.hash, `${ha1}:${i.nonce}:${i.cnonce}`)
  const ha2 = i.qop === 'auth-int' ? hex(i.hash, `${i.method}:${i.uri}:${hex(i.hash, '')}`) : hex(i.hash, `${i.method}:${i.uri}`)
  return i.qop ? hex(i.hash, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`) : hex(i.hash, `${ha1}:${i.nonce}:${ha2}`)
}

/** The `Proxy-Authorization` value answering a Digest challenge. */
export function digestAuthorization(challenge: AuthChallenge, credentials: HttpCredentials, request: DigestRequest): string {
  const algorithm = digestAlgorithm(challenge)
  const qop = digestQop(challenge)
  if (!algorithm || qop === null) throw new InvalidArgumentError('digestAuthorization: challenge not answerable (check chooseChallenge first)')
  const realm = challenge.params['realm'] ?? ''
  const nonce = challenge.params['nonce'] ?? ''
  const cnonce = request.cnonce ?? randomBytes(16).toString('hex')
  const nc = (request.nc ?? 1).toString(16).padStart(8, '0')
  const userhash = challenge.params['userhash']?.toLowerCase() === 'true'
  const username = userhash ? hex(algorithm.hash, `${credentials.username}:${realm}`) : credentials.username
  const response = digestResponse({ ...algorithm, qop, username: credentials.username, realm, password: credentials.password, nonce, cnonce, nc, method: request.method, uri: request.uri })
  const fields = [`username=${quote(username)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(request.uri)}`, `algorithm=${algorithm.name}`, `response=${quote(response)}`]
  if (qop) fields.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`)
  if (challenge.params['opaque'] !== undefined) fields.push(`opaque=${quote(challenge.params['opaque'])}`)
  if (userhash) fields.push('userhash=true')
  return `Digest ${fields.join(', ')}`
}

/** The `Proxy-Authorization` value for `challenge` (Basic or Digest). */
export function answerChallenge(challenge: AuthChallenge, credentials: HttpCredentials, request: DigestRequest): string {
  return challenge.scheme === 'digest' ? digestAuthorization(challenge, credentials, request) : basicAuthorization(credentials)
}

// ---- server side -------------------------------------------------------------------------------

export interface AuthVerifierOptions {
  realm: string
  credentials: HttpCredentials
  /** How long a nonce stays valid (default 5 minutes); an older one is answered with stale=true. */
  nonceLifetimeMs?: number
  /** For tests. */
  now?: () => number
}

export type AuthVerdict = 'ok' | 'missing' | 'bad' | 'stale'

/**
 * Issues Basic and Digest (MD5, qop auth, as ncat and curl both speak it) challenges and checks
 * answers. Nonces are stateless: a timestamp and its HMAC under a per-process secret, so any
 * number of clients cost no memory.
 */
export class ProxyAuthVerifier {
  readonly #secret = randomBytes(32)
  readonly #options: Required<AuthVerifierOptions>

  constructor(options: AuthVerifierOptions) {
    this.#options = { nonceLifetimeMs: 5 * 60_000, now: Date.now, ...options }
  }

  #nonce(): string {
    const stamp = this.#options.now().toString(16)
    return `${stamp}.${createHmac('sha256', this.#secret).update(stamp).digest('base64url')}`
  }

  #nonceState(nonce: string): 'ok' | 'bad' | 'stale' {
    const [stamp, mac] = nonce.split('.')
    if (!stamp || !mac || !/^[0-9a-f]{1,16}$/.test(stamp)) return 'bad'
    const expected = createHmac('sha256', this.#secret).update(stamp).digest('base64url')
    if (!safeEqual(mac, expected)) return 'bad'
    return this.#options.now() - Number.parseInt(stamp, 16) > this.#options.nonceLifetimeMs ? 'stale' : 'ok'
  }

  /** The `Proxy-Authenticate` values for a 407, Digest first; `stale` after an expired nonce. */
  challenges(stale = false): string[] {
    const realm = quote(this.#options.realm)
    return [`Digest realm=${realm}, nonce="${this.#nonce()}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}`, `Basic realm=${realm}`]
  }

  /** Check a `Proxy-Authorization` value for a request with this method and request-target. */
  verify(header: string | undefined, method: string, uri: string): AuthVerdict {
    if (header === undefined) return 'missing'
    const [answer] = parseChallenges([header])
    if (!answer) return 'bad'
    const { username, password } = this.#options.credentials
    if (answer.scheme === 'basic') {
      const decoded = Buffer.from(answer.params['token68'] ?? '', 'base64').toString('utf8')
      return safeEqual(decoded, `${username}:${password}`) ? 'ok' : 'bad'
    }
    if (answer.scheme !== 'digest') return 'bad'
    const p = answer.params
    if (p['username'] !== username || p['realm'] !== this.#options.realm || p['uri'] !== uri || !p['nonce'] || !p['response']) return 'bad'
    const algorithm = digestAlgorithm(answer)
    if (!algorithm) return 'bad'
    const qop = p['qop'] === undefined ? undefined : p['qop'] === 'auth' || p['qop'] === 'auth-int' ? p['qop'] : null
    if (qop === null || (qop && (!p['cnonce'] || !p['nc']))) return 'bad'
    const expected = digestResponse({ ...algorithm, qop, username, realm: this.#options.realm, password, nonce: p['nonce'], cnonce: p['cnonce'] ?? '', nc: p['nc'] ?? '', method, uri })
    if (!safeEqual(p['response'].toLowerCase(), expected)) return 'bad'
    return this.#nonceState(p['nonce'])
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
