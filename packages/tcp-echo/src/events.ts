/**
 * The events a running echo server reports, one plain object each. `tcp-echo --json` prints them
 * as JSON lines on stdout unchanged, so this file is also the JSON format's reference.
 */

/** Why a connection ended. */
export type CloseReason =
  /** Both sides finished normally (the client ended, we echoed everything and ended). */
  | 'end'
  /** The socket failed (reset by the peer, broken pipe); `error` says how. */
  | 'error'
  /** Nothing was read or written for `idleTimeout` ms. */
  | 'idle-timeout'
  /** Frame mode: a frame's declared or accumulated size passed `maxFrameSize`. */
  | 'frame-too-large'
  /** Frame mode: the bytes are not a valid frame (a malformed varint prefix). */
  | 'frame-invalid'
  /** Frame mode: the client ended its side inside a frame; that partial frame was not echoed. */
  | 'frame-truncated'
  /** The server shut down and the grace period ran out. */
  | 'shutdown'

export interface ListeningEvent {
  event: 'listening'
  host: string
  port: number
  family: 'IPv4' | 'IPv6'
}

export interface OpenEvent {
  event: 'open'
  /** Per-server connection number, from 1. */
  id: number
  /** `127.0.0.1:50412` or `[::1]:50412`. */
  peer: string
  /** Connections open now, this one included. */
  open: number
}

export interface CloseEvent {
  event: 'close'
  id: number
  peer: string
  reason: CloseReason
  /** Bytes received from the peer. */
  bytesIn: number
  /** Bytes echoed back (handed to the socket). */
  bytesOut: number
  durationMs: number
  /** One line describing the failure, for reasons other than `end`. */
  error?: string
}

/** A connection refused because `maxConns` were open (the kernel accepted it, we closed it at once). */
export interface DropEvent {
  event: 'drop'
  peer: string
  reason: 'max-conns'
}

/** A server-level failure that did not stop the server (e.g. accept() failing with EMFILE). */
export interface ErrorEvent {
  event: 'error'
  code: string
  message: string
}

export interface TcpEchoSummary {
  /** Connections accepted and served (dropped ones not included). */
  connections: number
  /** Most connections open at the same time. */
  peak: number
  /** Connections refused because of maxConns. */
  dropped: number
  bytesIn: number
  bytesEchoed: number
  /** Connections still open when the grace period ran out, closed by force. */
  forced: number
  durationMs: number
}

export interface SummaryEvent extends TcpEchoSummary {
  event: 'summary'
}

export type TcpEchoEvent = ListeningEvent | OpenEvent | CloseEvent | DropEvent | ErrorEvent | SummaryEvent
