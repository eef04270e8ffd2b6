import { Writable } from 'node:stream'
import fc from 'fast-check'
import { UsageError } from '@netkit/shared'
import { describe, expect, it } from 'vitest'
import { httpGet, nullSink, parseTarget } from '../src/index.js'
import { main } from '../src/main.js'
import { scriptedServer, type ScriptedServer } from './scripted-server.js'

/**
 * Every value a user or caller puts on the wire, as arbitrary strings: either http-get refuses it
 * (a usage error, exit 2) or the server receives exactly one request whose head differs from the
 * default one only by the one intended field. Runs in-process (main(argv) and httpGet) against a
 * real loopback server, so hundreds of cases take seconds.
 */

const RUNS = 150

/** Characters that break protocols, mixed with ordinary ones and any code point. */
const wireChar = fc.oneof(
  fc.constantFrom('\r', '\n', '\r\n', '\0', '\t', ' ', ':', ';', '@', '/', '?', '#', '%', '\x01', '\x7f', 'é', '😀', '\ud800', '\udc00'),
  fc.constantFrom(...'abcXYZ019-_.~=&'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
)
const wireString = fc.string({ unit: wireChar, maxLength: 24 })

const OWS = /^[ \t]+|[ \t]+$/g
/** What curl (and so http-get) trims around a -H name and value: ISSPACE less CR and LF. */
const CURL_SPACE = /^[ \t\v\f]+|[ \t\v\f]+$/g
const utf8AsLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1')

interface Received {
  requestLine: string
  fields: Array<[string, string]>
}

/** The one request the server got: its request line and its fields, as the server parsed them. */
function onlyRequest(server: ScriptedServer, port: number): Received {
  expect(server.requests).toHaveLength(1)
  const raw = server.requests[0]!.raw
  expect(raw.endsWith('\r\n\r\n')).toBe(true)
  const [requestLine, ...lines] = raw.slice(0, -4).split('\r\n')
  const fields = lines.map((line): [string, string] => {
    const colon = line.indexOf(':')
    expect(colon).toBeGreaterThan(0)
    return [line.slice(0, colon), line.slice(colon + 1).replace(OWS, '')]
  })
  const host = fields.filter(([name]) => name.toLowerCase() === 'host')
  expect(host).toEqual([['Host', `127.0.0.1:${port}`]])
  return { requestLine: requestLine!, fields }
}

/** The head's fields minus the defaults (Host, User-Agent, Accept) that `except` does not replace. */
function nonDefault(fields: Array<[string, string]>, except: string[] = []): Array<[string, string]> {
  const defaults = ['host', 'user-agent', 'accept'].filter((name) => !except.includes(name))
  return fields.filter(([name]) => !defaults.includes(name.toLowerCase()))
}

async function cli(argv: string[]): Promise<number> {
  const stderr = new Writable({ write: (_chunk, _encoding, done) => done() })
  try {
    return await main(argv, { stdout: nullSink, stderr })
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    return 2
  }
}

async function freshServer() {
  const server = await scriptedServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'))
  return { server, reset: () => server.requests.splice(0) }
}

describe('wire-bound inputs: refused, or exactly the intended field reaches the server (property)', () => {
  it('-H NAME: VALUE', async () => {
    const { server, reset } = await freshServer()
    await fc.assert(
      fc.asyncProperty(wireString, wireString, async (rawName, value) => {
        fc.pre(!rawName.includes(':') && !rawName.includes(';'))
        reset()
        const code = await cli(['-s', '-H', `${rawName}: ${value}`, server.url('/')])
        if (code === 2) {
          expect(server.requests).toHaveLength(0)
          return
        }
        expect(code).toBe(0)
        const name = rawName.replace(CURL_SPACE, '')
        const intended = value.replace(CURL_SPACE, '')
        const { fields } = onlyRequest(server, server.port)
        const extra = nonDefault(fields, [name.toLowerCase()]).filter(([n]) => n.toLowerCase() !== 'host')
        // An empty value removes a default header (`-H 'Name:'`): then nothing is added.
        expect(extra).toEqual(intended === '' ? [] : [[name, utf8AsLatin1(intended)]])
      }),
      { numRuns: RUNS },
    )
  })

  it('-A USER-AGENT and the library userAgent option', async () => {
    const { server, reset } = await freshServer()
    await fc.assert(
      fc.asyncProperty(wireString, fc.boolean(), async (agent, viaLibrary) => {
        reset()
        let refused: boolean
        if (viaLibrary) {
          refused = await httpGet(server.url('/'), { userAgent: agent }).then(
            () => false,
            (err: unknown) => {
              expect(err).toBeInstanceOf(UsageError)
              return true
            },
          )
        } else {
          const code = await cli(['-s', '-A', agent, server.url('/')])
          expect([0, 2]).toContain(code)
          refused = code === 2
        }
        if (refused) {
          expect(server.requests).toHaveLength(0)
          return
        }
        const { fields } = onlyRequest(server, server.port)
        expect(nonDefault(fields, ['user-agent'])).toEqual([['User-Agent', utf8AsLatin1(agent.replace(OWS, ''))]])
      }),
      { numRuns: RUNS },
    )
  })

  it('URL path and query', async () => {
    const { server, reset } = await freshServer()
    await fc.assert(
      fc.asyncProperty(wireString, async (rest) => {
        reset()
        const url = `${server.url('/')}${rest}`
        const code = await cli(['-s', url])
        if (code === 3 || code === 2) {
          expect(server.requests).toHaveLength(0)
          return
        }
        expect(code).toBe(0)
        const { requestLine, fields } = onlyRequest(server, server.port)
        expect(nonDefault(fields)).toEqual([])
        // The request line is the method, the target the URL parser intended, and the version.
        expect(requestLine).toBe(`GET ${parseTarget(url).path} HTTP/1.1`)
        expect(requestLine.split(' ')).toHaveLength(3)
      }),
      { numRuns: RUNS },
    )
  })

  it('URL credentials (percent-encoded user and password)', async () => {
    const { server, reset } = await freshServer()
    await fc.assert(
      fc.asyncProperty(wireString, wireString, async (user, password) => {
        let encoded: string
        try {
          encoded = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`
        } catch {
          return // an unpaired surrogate cannot be percent-encoded, so it cannot be in a URL
        }
        reset()
        const url = `http://${encoded}@127.0.0.1:${server.port}/`
        const code = await cli(['-s', url])
        if (code === 2) {
          expect(server.requests).toHaveLength(0)
          return
        }
        expect(code).toBe(0)
        const { fields } = onlyRequest(server, server.port)
        const expected = user === '' && password === '' ? [] : [['Authorization', `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`]]
        expect(nonDefault(fields)).toEqual(expected)
      }),
      { numRuns: RUNS },
    )
  })
})
