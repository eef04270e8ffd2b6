import type * as Crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { isIP } from 'node:net'
import { InvalidArgumentError } from './errors.js'

/**
 * Self-signed X.509 v3 certificates built with node:crypto alone: an EC P-256 key, a minimal DER
 * encoder for the TBSCertificate, and an ECDSA-SHA256 signature. Enough for throwaway TLS
 * listeners (`nc -l --ssl`) and for tests that need a certificate a client can trust via `ca`.
 */

export interface SelfSignedCertificateOptions {
  /** Subject and issuer common name (default `localhost`). */
  commonName?: string
  /** subjectAltName entries: DNS names and IP addresses (default `localhost`, `127.0.0.1`, `::1`). */
  altNames?: string[]
  /** Days of validity from now (default 30); notBefore is set an hour back for clock skew. */
  days?: number
}

export interface SelfSignedCertificate {
  /** PKCS#8 PEM private key. */
  key: string
  /** PEM certificate. */
  cert: string
  /** SHA-256 of the DER certificate as `AB:CD:…`, the form `X509Certificate.fingerprint256` uses. */
  fingerprint256: string
}

// --- a minimal DER encoder: only the types a certificate needs ---

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(body.length), body])
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items))
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items))
const octetString = (body: Buffer) => tlv(0x04, body)
const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'))
const bitString = (body: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), body]))
const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]))
/** [n] EXPLICIT: a constructed context tag around an encoded value. */
const explicit = (n: number, body: Buffer) => tlv(0xa0 | n, body)

/** A non-negative INTEGER from big-endian bytes (minimal, with a 0 byte if the top bit is set). */
function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  let body = bytes.subarray(start)
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body])
  return tlv(0x02, body)
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const out: number[] = [parts[0]! * 40 + parts[1]!]
  for (const part of parts.slice(2)) {
    const base128: number[] = [part & 0x7f]
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) base128.unshift((v & 0x7f) | 0x80)
    out.push(...base128)
  }
  return tlv(0x06, Buffer.from(out))
}

/** UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString() // 2026-11-24T21:53:38.123Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '') + 'Z' // 20261124215338Z
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'))
}

/** The 4 or 16 address bytes of an IP literal (IPv6 with `::` and an embedded IPv4 tail). */
export function ipAddressBytes(address: string): Buffer {
  const family = isIP(address)
  if (family === 4) return Buffer.from(address.split('.').map(Number))
  if (family !== 6) throw new InvalidArgumentError(`not an IP address: ${address}`)
  // Rewrite an embedded IPv4 tail (`::ffff:1.2.3.4`) as two hex groups, then expand `::`.
  const text = address.split('%')[0]!.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) => {
    const [w, x, y, z] = [a, b, c, d].map(Number) as [number, number, number, number]
    return `${((w << 8) | x).toString(16)}:${((y << 8) | z).toString(16)}`
  })
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)))
  const halves = text.split('::')
  const head = parse(halves[0]!)
  const rest = halves.length === 2 ? parse(halves[1]!) : []
  const groups = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest] : head
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2))
  return out
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value))
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** `AB:CD:…` as node's X509Certificate prints fingerprints. */
export function formatFingerprint(digest: Buffer): string {
  return [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')
}

// node:crypto is loaded on first use, not imported: the CLIs bundle this file into the chunk every
// start-up reads, and importing node:crypto there costs each `nc host port` about 4 ms for a
// certificate only `--ssl` listeners ever make.
const loadBuiltin = createRequire(import.meta.url)

/** A fresh key pair and a self-signed certificate for it, all in memory. */
export function createSelfSignedCertificate(options: SelfSignedCertificateOptions = {}): SelfSignedCertificate {
  const { createHash, generateKeyPairSync, randomBytes, sign } = loadBuiltin('node:crypto') as typeof Crypto
  const commonName = options.commonName ?? 'localhost'
  const altNames = options.altNames ?? ['localhost', '127.0.0.1', '::1']
  const days = options.days ?? 30
  if (!(days > 0)) throw new InvalidArgumentError(`days must be positive: ${days}`)

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })

  const serial = randomBytes(16)
  serial[0] = (serial[0]! & 0x7f) | 0x01 // positive and non-zero, at most 20 bytes (RFC 5280 4.1.2.2)
  const notBefore = new Date(Date.now() - 60 * 60 * 1000)
  const notAfter = new Date(Date.now() + days * 24 * 60 * 60 * 1000)
  const name = sequence(set(sequence(oid(OID.commonName), utf8String(commonName))))
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256))

  const generalNames = altNames.map((entry) =>
    isIP(entry) ? tlv(0x87, ipAddressBytes(entry)) : tlv(0x82, Buffer.from(entry, 'ascii')),
  )
  // The key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1).
  const publicKeyBits = spki.subarray(spki.length - 65)
  const extensions: Buffer[] = [
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.keyUsage, true, tlv(0x03, Buffer.from([0x07, 0x80]))), // digitalSignature
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth), oid(OID.clientAuth))),
    extension(OID.subjectKeyIdentifier, false, octetString(createHash('sha1').update(publicKeyBits).digest())),
  ]
  if (generalNames.length > 0) extensions.push(extension(OID.subjectAltName, false, sequence(...generalNames)))

  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(serial),
    signatureAlgorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    explicit(3, sequence(...extensions)),
  )
  const signature = sign('sha256', tbs, privateKey) // DER-encoded ECDSA-Sig-Value
  const der = sequence(tbs, signatureAlgorithm, bitString(signature))

  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: pem('CERTIFICATE', der),
    fingerprint256: formatFingerprint(createHash('sha256').update(der).digest()),
  }
}
