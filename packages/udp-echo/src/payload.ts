/**
 * The load tester's datagrams (sans-I/O): an 8-byte header (a check word mixing the run id with
 * the sequence number, then the sequence number, both big-endian uint32) and a body cut from a random pattern at an offset that depends on the
 * sequence number, so an echo of the wrong datagram, a truncated one or a flipped byte all
 * fail verification.
 */
import { randomBytes } from 'node:crypto'
import { InvalidArgumentError } from '@netkit/shared'

export const HEADER_SIZE = 8
/** The largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP); IPv6 allows 65527. */
export const MAX_UDP_PAYLOAD_V4 = 65_507
export const MAX_UDP_PAYLOAD_V6 = 65_527

/** A bijective mix of the sequence number, so any change to it changes the check word too. */
const checkWord = (runId: number, seq: number) => (runId ^ Math.imul(seq, 0x9e3779b1)) >>> 0

export type Verdict = { ok: true; seq: number } | { ok: false; seq: number | undefined; reason: string }

export class PayloadCodec {
  readonly size: number
  readonly runId: number
  private readonly pattern: Buffer

  constructor(size: number, runId = randomBytes(4).readUInt32BE(0)) {
    if (!Number.isInteger(size) || size < HEADER_SIZE || size > MAX_UDP_PAYLOAD_V6) {
      throw new InvalidArgumentError(`datagram size must be ${HEADER_SIZE}-${MAX_UDP_PAYLOAD_V6} bytes, got ${size}`)
    }
    this.size = size
    this.runId = runId >>> 0
    this.pattern = randomBytes(size - HEADER_SIZE + 256)
  }

  /** A new datagram for sequence number `seq` (a fresh buffer: dgram owns it until sent). */
  encode(seq: number): Buffer {
    const buf = Buffer.allocUnsafe(this.size)
    buf.writeUInt32BE(checkWord(this.runId, seq), 0)
    buf.writeUInt32BE(seq >>> 0, 4)
    const offset = seq & 0xff
    this.pattern.copy(buf, HEADER_SIZE, offset, offset + this.size - HEADER_SIZE)
    return buf
  }

  /** Check an echoed datagram byte for byte against what `encode` produced for its sequence number. */
  verify(data: Uint8Array): Verdict {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    if (buf.byteLength < HEADER_SIZE) return { ok: false, seq: undefined, reason: `short datagram (${buf.byteLength} bytes)` }
    const seq = buf.readUInt32BE(4)
    if (buf.readUInt32BE(0) !== checkWord(this.runId, seq)) return { ok: false, seq: undefined, reason: 'header does not match what this run sent' }
    if (buf.byteLength !== this.size) return { ok: false, seq, reason: `size ${buf.byteLength}, expected ${this.size}` }
    const offset = seq & 0xff
    if (buf.compare(this.pattern, offset, offset + this.size - HEADER_SIZE, HEADER_SIZE) !== 0) {
      return { ok: false, seq, reason: 'payload differs from what was sent' }
    }
    return { ok: true, seq }
  }
}
