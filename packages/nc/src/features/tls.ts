import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isIP, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import * as tls from 'node:tls'
import { ErrorCode, NetworkError, TimeoutError, UsageError, createSelfSignedCertificate, type Logger } from '@netkit/shared'

/**
 * TLS for nc in ncat's option names: `--ssl`, `--ssl-cert`, `--ssl-key`, `--ssl-trustfile`,
 * `--ssl-servername`, `--ssl-alpn`, `--ssl-insecure`. Both sides wrap a Duplex that is already
 * connected (a plain socket, or a proxy tunnel), so TLS composes with everything else.
 *
 * Client: the server's certificate is verified against the system CAs (or `--ssl-trustfile`)
 * and the host name (or `--ssl-servername`) unless `--ssl-insecure`, which warns.
 * Server: `--ssl-cert`/`--ssl-key`, or a throwaway self-signed certificate made in memory whose
 * SHA-256 fingerprint is printed so a client can check it; `--ssl-trustfile` in listen mode
 * asks clients for a certificate and verifies it against that file.
 */

export interface TlsOptions {
  /** PEM certificate file (server certificate, or client certificate in connect mode). */
  cert?: string
  /** PEM private key file for `cert`. */
  key?: string
  /** PEM file of trusted CA certificates (replaces the system store). */
  trustFile?: string
  /** Name sent in SNI and checked against the certificate (default: the host connected to). */
  servername?: string
  /** ALPN protocols to offer (client) or accept (server), in preference order. */
  alpn?: readonly string[]
  /** Skip verification of the server's certificate (connect mode). */
  insecure?: boolean
  /** How long a handshake may take, in ms (default 30 s in listen mode, none in connect mode). */
  handshakeTimeout?: number
  /** OpenSSL cipher list (--ssl-ciphers); Node's default when unset. */
  ciphers?: string
}

/** A handshake must finish in this time in listen mode, so half-open clients cannot pin slots. */
export const DEFAULT_SERVER_HANDSHAKE_TIMEOUT = 30_000

interface TlsFiles {
  cert?: Buffer
  key?: Buffer
  ca?: Buffer
}

async function readPem(path: string, option: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message
    throw new UsageError(`cannot read ${option} ${path}: ${reason}`)
  }
}

async function loadFiles(options: TlsOptions): Promise<TlsFiles> {
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new UsageError(options.cert === undefined ? '--ssl-key needs --ssl-cert' : '--ssl-cert needs --ssl-key')
  }
  return {
    cert: options.cert === undefined ? undefined : await readPem(options.cert, '--ssl-cert'),
    key: options.key === undefined ? undefined : await readPem(options.key, '--ssl-key'),
    ca: options.trustFile === undefined ? undefined : await readPem(options.trustFile, '--ssl-trustfile'),
  }
}

/** `--ssl-alpn h2,http/1.1` -> `['h2', 'http/1.1']`. */
export function parseAlpn(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (list.length === 0 || list.some((p) => Buffer.byteLength(p) > 255)) throw new UsageError(`invalid --ssl-alpn: ${JSON.stringify(text)}`)
  return list
}

function secureContext(files: TlsFiles, ciphers?: string): tls.SecureContext {
  try {
    return tls.createSecureContext({ cert: files.cert, key: files.key, ca: files.ca, ciphers })
  } catch (err) {
    // A file that is not PEM, or a key that does not match the certificate.
    const message = (err as Error).message
    if (ciphers !== undefined && /cipher/i.test(message)) throw new UsageError(`--ssl-ciphers: OpenSSL accepts none of ${JSON.stringify(ciphers)} (${message})`)
    throw new UsageError(`unusable TLS certificate or key: ${message}`)
  }
}

/** The words people know for the verification failures OpenSSL reports. */
function describeTlsError(err: NodeJS.ErrnoException): string {
  const code = err.code ?? ''
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `certificate does not match the host name: ${err.message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')}`
  const verification = [
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_UNTRUSTED',
    'CERT_REJECTED',
    'CERT_SIGNATURE_FAILURE',
    'INVALID_CA',
  ]
  if (verification.includes(code)) return `certificate verification failed: ${err.message} (trust it with --ssl-trustfile FILE, or skip checks with --ssl-insecure)`
  return err.message.replace(/\s+/g, ' ').trim()
}

function tlsFailure(err: unknown, host: string | undefined, port: number | undefined): NetworkError {
  if (err instanceof NetworkError) return err
  const e = err as NodeJS.ErrnoException
  return tlsRefusal(describeTlsError(e), e.code, host, port, err)
}

/** The handshake did not complete: `TLS handshake with HOST port N failed: REASON`. */
function tlsRefusal(reason: string, errno: string | undefined, host: string | undefined, port: number | undefined, cause?: unknown): NetworkError {
  const peer = host === undefined ? 'peer' : port === undefined ? host : `${host} port ${port}`
  return new NetworkError(ErrorCode.TLS_ERROR, `TLS handshake with ${peer} failed: ${reason}`, errno, { operation: 'tls', host, port }, cause)
}

/** One -v line about the session: protocol, cipher, peer certificate, ALPN. */
export function describeTlsSession(socket: tls.TLSSocket): string {
  const parts = [`${socket.getProtocol() ?? 'TLS'}`, socket.getCipher()?.name ?? '']
  const peer = socket.getPeerX509Certificate()
  if (peer) parts.push(`peer ${peer.subject.replace(/\n/g, ', ')}, SHA-256 ${peer.fingerprint256}`)
  if (socket.alpnProtocol) parts.push(`ALPN ${socket.alpnProtocol}`)
  return `TLS: ${parts.filter((p) => p !== '').join(', ')}`
}

export interface TlsClient {
  /** Wrap a connected Duplex; resolves once the handshake (and verification) succeeded. */
  connect(socket: Duplex, host: string, port?: number): Promise<tls.TLSSocket>
}

/** Read the files and warn about `--ssl-insecure` once; returns a reusable client. */
export async function createTlsClient(options: TlsOptions, log?: Logger): Promise<TlsClient> {
  const files = await loadFiles(options)
  const context = secureContext(files, options.ciphers)
  const alpn = options.alpn ? [...options.alpn] : undefined
  if (options.insecure) log?.warn('warning: --ssl-insecure: the server certificate is not verified')
  return {
    connect(socket, host, port) {
      const name = options.servername ?? host
      return new Promise((resolve, reject) => {
        const secure = tls.connect({
          socket: socket as Socket,
          secureContext: context,
          // The name checked against the certificate; SNI itself must not be an IP (RFC 6066).
          host: name,
          servername: isIP(name) === 0 ? name : undefined,
          ALPNProtocols: alpn,
          rejectUnauthorized: !options.insecure,
        })
        let timer: NodeJS.Timeout | undefined
        const fail = (err: unknown) => {
          if (timer) clearTimeout(timer)
          secure.destroy()
          reject(tlsFailure(err, host, port))
        }
        if (options.handshakeTimeout) {
          timer = setTimeout(() => fail(new TimeoutError(`TLS handshake with ${host}${port === undefined ? '' : ` port ${port}`} timed out`, { operation: 'tls', host, port })), options.handshakeTimeout)
        }
        secure.once('error', fail)
        secure.once('secureConnect', () => {
          if (timer) clearTimeout(timer)
          secure.off('error', fail)
          log?.info(describeTlsSession(secure))
          resolve(secure)
        })
      })
    },
  }
}

/**
 * Why the client's certificate failed verification, or undefined when it passed. tls.Server
 * does this check in its own 'secure' hook through the TLSWrap handle's `verifyError()`; a
 * TLSSocket made around an accepted socket has to ask the same handle (`ssl`, public since
 * Node 0.x). If a future Node hides it, fail closed.
 */
function clientVerifyError(secure: tls.TLSSocket): string | undefined {
  const handle = (secure as unknown as { ssl?: { verifyError?: () => Error | null } }).ssl
  if (typeof handle?.verifyError !== 'function') return 'cannot verify client certificates with this Node.js version'
  const error = handle.verifyError()
  if (!error) return secure.getPeerX509Certificate() ? undefined : 'no certificate'
  return error.message
}

export interface TlsServer {
  /** SHA-256 fingerprint of the certificate served. */
  readonly fingerprint256: string
  /** Whether the certificate was generated for this run. */
  readonly selfSigned: boolean
  /** Run the server side of the handshake on an accepted socket. */
  accept(socket: Duplex, peer?: { host?: string; port?: number }): Promise<tls.TLSSocket>
}

/**
 * Prepare the listening side. Without `--ssl-cert` a throwaway certificate for localhost and
 * the loopback addresses is generated and its fingerprint printed on stderr (always: the
 * fingerprint is how a client can trust it).
 */
export async function createTlsServer(options: TlsOptions, log?: Logger): Promise<TlsServer> {
  const files = await loadFiles(options)
  let selfSigned = false
  if (!files.cert) {
    const generated = createSelfSignedCertificate({ commonName: 'netkit nc', altNames: ['localhost', '127.0.0.1', '::1'] })
    files.cert = Buffer.from(generated.cert)
    files.key = Buffer.from(generated.key)
    selfSigned = true
  }
  const context = secureContext(files, options.ciphers)
  const fingerprint256 = new X509Certificate(files.cert).fingerprint256
  if (selfSigned) log?.warn(`generated a temporary self-signed certificate, SHA-256 fingerprint ${fingerprint256}`)
  else log?.info(`TLS certificate SHA-256 fingerprint ${fingerprint256}`)
  const alpn = options.alpn ? [...options.alpn] : undefined
  const timeout = options.handshakeTimeout ?? DEFAULT_SERVER_HANDSHAKE_TIMEOUT
  return {
    fingerprint256,
    selfSigned,
    accept(socket, peer = {}) {
      return new Promise((resolve, reject) => {
        const secure = new tls.TLSSocket(socket as Socket, {
          isServer: true,
          secureContext: context,
          ALPNProtocols: alpn,
          requestCert: files.ca !== undefined,
          rejectUnauthorized: files.ca !== undefined,
        })
        let timer: NodeJS.Timeout | undefined
        const fail = (err: unknown) => {
          if (timer) clearTimeout(timer)
          secure.destroy()
          socket.destroy()
          reject(tlsFailure(err, peer.host, peer.port))
        }
        if (timeout > 0) {
          timer = setTimeout(() => fail(new TimeoutError(`TLS handshake with ${peer.host ?? 'peer'} timed out`, { operation: 'tls', ...peer })), timeout)
        }
        secure.once('error', fail)
        // The peer closing before the handshake ends emits 'close' without an error.
        const early = () => fail(tlsRefusal('peer closed the connection during the handshake', 'ECONNRESET', peer.host, peer.port))
        secure.once('close', early)
        secure.once('secure', () => {
          if (files.ca !== undefined) {
            const reason = clientVerifyError(secure)
            if (reason) {
              fail(tlsRefusal(`client certificate rejected: ${reason}`, undefined, peer.host, peer.port))
              return
            }
          }
          if (timer) clearTimeout(timer)
          secure.off('error', fail)
          secure.off('close', early)
          log?.debug(describeTlsSession(secure))
          resolve(secure)
        })
      })
    },
  }
}
