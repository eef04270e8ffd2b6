import net from 'node:net'
import type { RelayResult } from './driver.js'

/** One end of a connection as --json reports it: an address and port, or a Unix socket path. */
export interface Endpoint {
  address: string
  port?: number
}

/** What `--json` prints on stderr when a connect or listen session ends: one line per connection. */
export interface SessionRecord {
  role: 'connect' | 'listen'
  protocol: 'tcp' | 'udp' | 'unix'
  /** Bytes written to the connection and read from it. */
  sent: number
  received: number
  durationMs: number
  /**
   * Why it ended: peer-eof, quit (-q / -N after stdin EOF), idle (-w / --idle-timeout), aborted (a
   * signal); in a --broker/--chat/--keep-open hub also stalled (not reading) and error (a reset).
   */
  reason: RelayResult['reason'] | 'stalled' | 'error'
  local: Endpoint | null
  peer: Endpoint | null
}

interface DatagramLike {
  socket: { address(): { address: string; port: number }; remoteAddress?(): { address: string; port: number } }
  peer?: { address: string; port: number }
}

/** The two ends of `stream` (a TCP, TLS or Unix socket, or nc's datagram stream), as far as known. */
export function endpointsOf(stream: unknown, unixPath?: string): { local: Endpoint | null; peer: Endpoint | null } {
  if (unixPath !== undefined) return { local: { address: unixPath }, peer: { address: unixPath } }
  if (stream instanceof net.Socket) {
    const local = stream.localAddress ? { address: stream.localAddress, port: stream.localPort ?? 0 } : null
    const peer = stream.remoteAddress ? { address: stream.remoteAddress, port: stream.remotePort ?? 0 } : null
    return { local, peer }
  }
  const datagram = stream as Partial<DatagramLike>
  if (datagram.socket && typeof datagram.socket.address === 'function') {
    let local: Endpoint | null = null
    let peer: Endpoint | null = datagram.peer ? { ...datagram.peer } : null
    try {
      local = { ...datagram.socket.address() }
      if (!peer && datagram.socket.remoteAddress) peer = { ...datagram.socket.remoteAddress() }
    } catch {
      // closed, or never connected
    }
    return { local, peer }
  }
  return { local: null, peer: null }
}

/** The two ends of a listen-mode client, from its PeerInfo (a Unix socket: the path). */
export function endpointsOfPeer(peer: { protocol: string; localAddress: string; localPort: number; remoteAddress: string; remotePort: number }, unixPath?: string): { local: Endpoint | null; peer: Endpoint | null } {
  if (peer.protocol === 'unix') return { local: { address: unixPath ?? '' }, peer: { address: unixPath ?? '' } }
  return { local: { address: peer.localAddress, port: peer.localPort }, peer: { address: peer.remoteAddress, port: peer.remotePort } }
}

/** The --json line for a finished session (durationMs rounded to 0.1 ms). */
export function formatSessionRecord(record: SessionRecord): string {
  return JSON.stringify({ ...record, durationMs: Math.round(record.durationMs * 10) / 10 })
}

/** The --json line for a session that failed (a reset, a bad frame): the error instead of the counters. */
export function formatFailedRecord(context: Pick<SessionRecord, 'role' | 'protocol'>, ends: { local: Endpoint | null; peer: Endpoint | null }, err: unknown): string {
  const error = { code: (err as { code?: string } | null)?.code ?? null, message: err instanceof Error ? err.message : String(err) }
  return JSON.stringify({ role: context.role, protocol: context.protocol, reason: 'error', error, ...ends })
}
