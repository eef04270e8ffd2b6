/**
 * The events a running WebSocket echo server reports, one plain object each. `ws-echo --json`
 * prints them as JSON lines on stdout unchanged, so this file is also the JSON format's reference.
 */

/** Why a connection ended. */
export type CloseReason =
  /** A close handshake (either side started it) or the client closing its socket. */
  | 'close'
  /** The client broke the protocol (unmasked frame, bad UTF-8, oversized message, ...); `code` says which. */
  | 'protocol-error'
  /** The socket failed (reset by the peer); `error` says how. */
  | 'error'
  /** No message arrived for `idleTimeout` ms. */
  | 'idle-timeout'
  /** No pong came back within one ping interval. */
  | 'ping-timeout'
  /** The server shut down (closed with 1001; `forced` when the grace period ran out). */
  | 'shutdown'

export interface ListeningEvent {
  event: 'listening'
  host: string
  port: number
  family: 'IPv4' | 'IPv6'
  /** `ws` or `wss`. */
  scheme: 'ws' | 'wss'
  /** Upgrades are accepted on this path only (undefined: any path). */
  path?: string
}

export interface OpenEvent {
  event: 'open'
  /** Per-server connection number, from 1. */
  id: number
  /** `127.0.0.1:50412` or `[::1]:50412`. */
  peer: string
  /** The request path of the upgrade. */
  path: string
  /** Connections open now, this one included. */
  open: number
}

export interface CloseEvent {
  event: 'close'
  id: number
  peer: string
  reason: CloseReason
  /** The close code: the one we sent for protocol errors and shutdowns, else the peer's (1005: none, 1006: no close frame). */
  code: number
  /** Messages received (each echoed back). */
  messages: number
  /** Payload bytes received. */
  bytesIn: number
  /** Payload bytes echoed (prefix included). */
  bytesOut: number
  durationMs: number
  /** One line describing the failure, for reasons other than `close`. */
  error?: string
}

/** A request answered with an HTTP status instead of an upgrade. */
export interface RejectEvent {
  event: 'reject'
  peer: string
  /** 426: not an upgrade; 404: wrong path; 503: max-conns reached or shutting down. */
  status: number
  reason: 'not-upgrade' | 'path' | 'max-conns' | 'shutting-down'
}

/** A server-level failure that did not stop the server (e.g. accept() failing with EMFILE). */
export interface ErrorEvent {
  event: 'error'
  code: string
  message: string
}

export interface WsEchoSummary {
  /** WebSocket connections accepted (upgrades completed). */
  connections: number
  /** Most connections open at the same time. */
  peak: number
  /** Requests answered with an HTTP status (426, 404, 503) instead of an upgrade. */
  rejected: number
  /** Messages received, each echoed. */
  messages: number
  bytesIn: number
  bytesOut: number
  /** Connections closed for a protocol error, by the close code we sent (`{"1002": 3, "1009": 1}`). */
  protocolErrors: Record<string, number>
  /** Connections terminated for a missing pong or for idling. */
  timeouts: number
  /** Connections still open when the grace period ran out, terminated. */
  forced: number
  durationMs: number
}

export interface SummaryEvent extends WsEchoSummary {
  event: 'summary'
}

export type WsEchoEvent = ListeningEvent | OpenEvent | CloseEvent | RejectEvent | ErrorEvent | SummaryEvent
