/**
 * WebSocket mode costs a plain session nothing: `ws` (imported from node_modules by the CLI's
 * WebSocket chunk) is loaded only for a ws:// URL or -l --ws. An ESM loader hook records every
 * module the built CLI loads; ws and that chunk must be among them for a WebSocket session and
 * absent otherwise.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { traceLoads } from '@netkit/test-kit'
import { describe, expect, it } from 'vitest'
import { wsEcho } from './helpers/ws-peers.js'
import { NC_CLI, tcpServer } from './support/nc.js'

const dist = path.dirname(NC_CLI)

/** The dist/ chunks that import ws (or carry its code, were it bundled). */
function wsChunks(): string[] {
  return readdirSync(dist)
    .filter((f) => f.startsWith('websocket-') || (f.endsWith('.js') && readFileSync(path.join(dist, f), 'utf8').includes('node_modules/ws/lib/websocket.js')))
    .map((f) => pathToFileURL(path.join(dist, f)).href)
}

const isWs = (chunks: string[]) => (url: string) => chunks.includes(url) || url.includes('/node_modules/ws/')

describe('ws is loaded only in WebSocket mode', () => {
  it('a plain session (quick path and yargs path) does not load it; a ws:// session does', async () => {
    const chunks = wsChunks()
    expect(chunks.length).toBeGreaterThan(0)
    const { port } = await tcpServer((s) => s.pipe(s))
    for (const args of [['-N', '127.0.0.1', String(port)], ['--stats', '-N', '127.0.0.1', String(port)]]) {
      const plain = await traceLoads(NC_CLI, args, { stdin: Buffer.from('hi\n') })
      expect(plain.code, args.join(' ')).toBe(0)
      expect(plain.urls.some((u) => u.endsWith('/cli.js')), 'the hook saw the CLI').toBe(true)
      expect(plain.urls.filter(isWs(chunks)), args.join(' ')).toEqual([])
    }
    const echo = await wsEcho()
    const ws = await traceLoads(NC_CLI, [`ws://127.0.0.1:${echo.port}/`], { stdin: Buffer.from('hi\n') })
    expect(ws.code).toBe(0)
    expect(ws.urls.filter(isWs(chunks)).length).toBeGreaterThan(0)
    expect(ws.urls.some((u) => u.includes('/node_modules/ws/')), 'ws itself was loaded').toBe(true)
  })
})
