import net from 'node:net'
import { resolveHost } from '@netkit/shared'
import { connectError, connectTimeout, describeHost } from './connect.js'
import type { ScanResult } from './scan-result.js'
import { DEFAULT_SCAN_CONCURRENCY } from '../options.js'

export type { PortState, ScanResult } from './scan-result.js'

export interface ScanOptions {
  host: string
  ports: readonly number[]
  udp?: boolean
  family?: 4 | 6
  /** Connections in flight at once. */
  concurrency?: number
  /** Per-port connect timeout in ms (-w); UDP probes wait this long for a refusal (default 1000). */
  timeoutMs?: number
  sourceAddress?: string
  signal?: AbortSignal
}

/** Resolve a host once for the whole scan; a failure is worded like getaddrinfo's. */
async function resolveOnce(host: string, port: number, family: 4 | 6 | undefined): Promise<string> {
  try {
    return (await resolveHost(host, family)).address
  } catch (err) {
    throw connectError(err, host, port)
  }
}

function probeTcp(host: string, address: string, port: number, options: ScanOptions): Promise<ScanResult> {
  return new Promise((resolve) => {
    const base = { host, address, port, protocol: 'tcp' as const }
    const socket = net.connect({ host: address, port, localAddress: options.sourceAddress })
    let timer: NodeJS.Timeout | undefined
    const done = (result: ScanResult) => {
      if (timer) clearTimeout(timer)
      socket.removeAllListeners()
      socket.on('error', () => {})
      socket.destroy()
      resolve(result)
    }
    socket.once('connect', () => done({ ...base, state: 'open' }))
    socket.once('error', (err) => {
      const code = (err as { code?: string }).code
      // Refused is the common case (thousands per scan): word it without building an error object.
      if (code === 'ECONNREFUSED') done({ ...base, state: 'closed', message: `connect to ${describeHost(host, address)} port ${port} (tcp) failed: Connection refused` })
      else done({ ...base, state: 'error', message: connectError(err, host, port).message })
    })
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      timer = setTimeout(() => done({ ...base, state: 'timeout', message: connectTimeout(host, port).message }), options.timeoutMs)
    }
  })
}

/**
 * Scan ports with at most `concurrency` probes in flight; `onResult` is called in port order
 * (results that finish early wait for their predecessors). Resolves with all results.
 */
export async function scan(options: ScanOptions, onResult?: (result: ScanResult) => void): Promise<ScanResult[]> {
  const ports = options.ports
  if (ports.length === 0) return []
  const address = await resolveOnce(options.host, ports[0]!, options.family)
  const concurrency = Math.max(1, Math.min(options.concurrency ?? DEFAULT_SCAN_CONCURRENCY, ports.length))
  const results: (ScanResult | undefined)[] = new Array(ports.length)
  let nextToStart = 0
  let nextToReport = 0
  // UDP probes (and node:dgram) load only for -u.
  const probe = options.udp ? (await import('./probe-udp.js')).probeUdp : probeTcp

  const worker = async () => {
    while (nextToStart < ports.length && !options.signal?.aborted) {
      const index = nextToStart++
      results[index] = await probe(options.host, address, ports[index]!, options)
      while (nextToReport < ports.length && results[nextToReport] !== undefined) {
        onResult?.(results[nextToReport]!)
        nextToReport++
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return results.filter((r): r is ScanResult => r !== undefined)
}
