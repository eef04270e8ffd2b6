import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { runCli as runProgram, spawnCli, tempDir } from '@netkit/test-kit'
import { beforeAll, describe, expect, it } from 'vitest'
import { CLI, response, runCli, scriptedServer } from './scripted-server.js'

const CURL = spawnSync('curl', ['--version']).status === 0 ? 'curl' : undefined

/** 256 MiB of zeros, compressed to a few hundred KiB: a decompression bomb. */
const DECODED = 256 * 1024 * 1024
const ZEROS = Buffer.alloc(1024 * 1024)
/** Far below the bomb's size: a client that buffered the decoded body would pass it at once. */
const RSS_LIMIT = 200 * 1024 * 1024

async function compress(stream: zlib.Deflate | zlib.Gzip | zlib.BrotliCompress): Promise<Buffer> {
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise((resolve) => stream.on('end', resolve))
  for (let i = 0; i < DECODED / ZEROS.length; i++) {
    if (!stream.write(ZEROS)) await new Promise((resolve) => stream.once('drain', resolve))
  }
  stream.end()
  await done
  return Buffer.concat(chunks)
}

function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined // the process just ended
  }
}

/** The body as chunked pieces of 16 KiB, as a server streaming a bomb would send it. */
function chunked(body: Buffer): Buffer {
  const parts: Buffer[] = []
  for (let at = 0; at < body.length; at += 16 * 1024) {
    const piece = body.subarray(at, at + 16 * 1024)
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from('0\r\n\r\n'))
  return Buffer.concat(parts)
}

describe('--compressed decompression bombs: memory stays bounded, sizes reported right', () => {
  const bombs: Record<string, Buffer> = {}
  beforeAll(async () => {
    bombs.deflate = await compress(zlib.createDeflate({ level: 9 }))
    bombs.br = await compress(zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }))
    bombs.gzip = await compress(zlib.createGzip({ level: 9 }))
  }, 60_000)

  const cases = [
    { coding: 'deflate', transfer: 'Content-Length' },
    { coding: 'br', transfer: 'Content-Length' },
    { coding: 'gzip', transfer: 'chunked' },
  ] as const
  for (const { coding, transfer } of cases) {
    it(`${coding} over ${transfer}: ${DECODED / 1024 / 1024} MiB decoded to a slow reader, RSS < ${RSS_LIMIT / 1024 / 1024} MB`, async () => {
      const encoded = bombs[coding]!
      const server = await scriptedServer((socket) => {
        if (transfer === 'chunked') {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nTransfer-Encoding: chunked\r\n\r\n`)
          socket.end(chunked(encoded))
        } else {
          socket.end(response(encoded, { 'Content-Encoding': coding }))
        }
      })
      const run = spawnCli(CLI, ['--compressed', '-s', '-w', '\n%{size_download}', server.url('/bomb')], { stdin: 'ignore', hashStdout: false })
      const stdout = run.child.stdout!
      let decoded = 0
      let tail = Buffer.alloc(0)
      stdout.pause()
      stdout.removeAllListeners('data')
      let maxRss = 0
      const sample = setInterval(() => {
        maxRss = Math.max(maxRss, rssOf(run.child.pid!) ?? 0)
      }, 20)
      // A slow reader first: the client must stop decoding while stdout is full.
      await new Promise((resolve) => setTimeout(resolve, 1500))
      stdout.on('data', (chunk: Buffer) => {
        decoded += chunk.length
        tail = Buffer.concat([tail, chunk]).subarray(-64)
      })
      stdout.resume()
      const code = await run.exit
      clearInterval(sample)
      expect(code).toBe(0)
      expect(maxRss).toBeGreaterThan(0)
      expect(maxRss).toBeLessThan(RSS_LIMIT)
      const trailer = `\n${encoded.length}`
      expect(tail.toString('latin1').endsWith(trailer)).toBe(true)
      // Every decoded byte arrived, and -w's size_download is the encoded size on the wire (as curl's).
      expect(decoded - trailer.length).toBe(DECODED)
    }, 60_000)
  }
})

describe('-O after -L: the file name', () => {
  /** Runs `tool -s -L -O url` in a fresh directory; returns what it created there (recursively). */
  async function saveWith(program: 'ours' | 'curl', url: string) {
    const dir = tempDir('http-get-O-')
    const cwd = path.join(dir, 'cwd')
    fs.mkdirSync(cwd)
    const args = ['-s', '-L', '-O', url]
    const result = program === 'ours' ? await runCli(args, { cwd }) : await runProgram('', args, { program: CURL, cwd })
    const created = fs.readdirSync(dir, { recursive: true }).map(String).sort()
    return { code: result.code, created }
  }

  const cases = [
    { name: 'a plain redirect', start: '/start/first.txt', location: '/dir/last.bin?x=1', expected: 'first.txt' },
    { name: 'a Location that climbs out of the directory', start: '/get/report.csv', location: '../../../../tmp/evil.sh', expected: 'report.csv' },
    { name: 'encoded slashes and dots in the URL', start: '/x/..%2F..%2Fescape', location: '/y/%2E%2E%2Fother', expected: '..%2F..%2Fescape' },
  ]
  for (const { name, start, location, expected } of cases) {
    it(`${name}: ${expected}, inside the working directory${CURL ? ', as curl names it' : ' (curl not installed: name pinned from curl 7.88)'}`, async () => {
      const server = await scriptedServer((socket, request) => {
        if (request.target === start) socket.end(response('', { Location: location }, '302 Found'))
        else socket.end(response(`body of ${request.target}`))
      })
      const ours = await saveWith('ours', server.url(start))
      expect(ours).toEqual({ code: 0, created: ['cwd', path.join('cwd', expected)] })
      if (CURL) expect(ours).toEqual(await saveWith('curl', server.url(start)))
    })
  }
})
