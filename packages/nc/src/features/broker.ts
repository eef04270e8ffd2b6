import type { Duplex, Readable, Writable } from 'node:stream'
import type { Logger } from '@netkit/shared'

/**
 * Concurrent listen modes, as ncat has them:
 * - `broker` (--broker): every client's bytes go to every other client, unchanged.
 * - `chat` (--chat): a broker for people: each line goes out as `<user3> text`, with control
 *   characters escaped as ncat does (`\033`), and joins and leaves are announced in ncat's words.
 * - `fanout` (--keep-open on its own): stdin goes to every client and each client's bytes go to
 *   stdout (no client sees another).
 *
 * Backpressure policy: pause briefly, never drop bytes, never stall. A sender is paused while
 * any of its recipients has more than its high-water mark buffered, and resumed when they all
 * drained (or left): a slow reader slows the senders down, and memory stays bounded by
 * (clients x (high-water mark + one chunk)). A client that takes nothing of its backlog for
 * STALLED_CLIENT_MS while senders wait on it is disconnected, which releases them: one client
 * that stops reading cannot stop the others from talking (ncat's broker blocks on it for good).
 */

export type HubMode = 'broker' | 'chat' | 'fanout'

/** Longest chat line kept before it is sent as is: a client cannot grow a buffer without a newline. */
export const MAX_CHAT_LINE = 64 * 1024
/** Bytes queued for a chat member above which announcements to it are skipped. */
export const MAX_ANNOUNCE_BACKLOG = 1024 * 1024
/** How long a client may keep senders waiting without draining its backlog before it is disconnected. */
export const STALLED_CLIENT_MS = 3000

/** Why a client's session in the hub ended. */
export type HubEnd = 'peer-eof' | 'idle' | 'stalled' | 'aborted' | 'error'

/** One client's session in the hub, when it ends (for --json). */
export interface HubSession {
  /** Bytes written to the client and read from it. */
  sent: number
  received: number
  durationMs: number
  reason: HubEnd
}

export interface HubOptions {
  mode: HubMode
  log?: Logger
  /** End a client after this long without bytes in either direction. */
  idleTimeoutMs?: number
  /** fanout: the local side (stdin, stdout). */
  local?: { input: Readable | null; output: Writable }
  /** Disconnect a client that keeps senders waiting this long without draining (default STALLED_CLIENT_MS). */
  stalledClientMs?: number
}

interface Member {
  id: number
  name: string
  address: string
  stream: Duplex
  idle?: NodeJS.Timeout
  /** Armed while senders wait for this client to drain; disconnects it when it fires. */
  stall?: NodeJS.Timeout
  sent: number
  received: number
  started: number
  /** Set by whoever ends the client first. */
  end?: HubEnd
  /** Incomplete chat line. */
  partial: Buffer[]
  partialLength: number
}

/** Escape C0 controls (except tab) and DEL as ncat does, `\NNN` in octal; other bytes, UTF-8 included, pass. */
export function escapeControl(line: Buffer): Buffer {
  let needs = false
  for (const b of line) {
    if ((b < 0x20 && b !== 0x09) || b === 0x7f) {
      needs = true
      break
    }
  }
  if (!needs) return line
  const out: number[] = []
  for (const b of line) {
    if ((b < 0x20 && b !== 0x09) || b === 0x7f) out.push(...Buffer.from(`\\${b.toString(8).padStart(3, '0')}`, 'latin1'))
    else out.push(b)
  }
  return Buffer.from(out)
}

/** Split `chunk` into complete lines (without `\n` or a `\r` before it), keeping the rest in `member`. */
function takeLines(member: Member, chunk: Buffer): Buffer[] {
  const lines: Buffer[] = []
  let start = 0
  for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
    let line = chunk.subarray(start, nl)
    if (member.partialLength > 0) {
      line = Buffer.concat([...member.partial, line])
      member.partial = []
      member.partialLength = 0
    }
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, -1)
    lines.push(line)
    start = nl + 1
  }
  if (start < chunk.length) {
    // Copy: the chunk's memory may be reused by the stream.
    const rest = Buffer.from(chunk.subarray(start))
    member.partial.push(rest)
    member.partialLength += rest.length
    if (member.partialLength >= MAX_CHAT_LINE) {
      lines.push(Buffer.concat(member.partial))
      member.partial = []
      member.partialLength = 0
    }
  }
  return lines
}

export class Hub {
  readonly mode: HubMode
  private readonly members = new Map<number, Member>()
  private readonly byStream = new WeakMap<Writable, Member>()
  /** Per sender: how many full recipients it waits for (paused while above 0). */
  private readonly holds = new Map<Readable, number>()
  private nextId = 1
  private readonly options: HubOptions
  private closed = false

  constructor(options: HubOptions) {
    this.mode = options.mode
    this.options = options
    options.local?.output.setMaxListeners(0)
    const input = options.local?.input
    if (options.mode === 'fanout' && input) {
      input.on('data', (chunk: Buffer) => this.deliver(input, chunk, [...this.members.values()].map((m) => m.stream)))
      input.on('error', () => {})
      // Nobody to send to yet: leave stdin unread (the kernel buffers it) until a client comes.
      input.pause()
    }
  }

  /** Clients connected now. */
  get size(): number {
    return this.members.size
  }

  /** Serve a client until it leaves (or the hub closes); resolves then. */
  add(stream: Duplex, address = 'unknown'): Promise<HubSession> {
    if (this.closed) {
      stream.destroy()
      return Promise.resolve({ sent: 0, received: 0, durationMs: 0, reason: 'aborted' })
    }
    const id = this.nextId++
    const member: Member = { id, name: `<user${id}>`, address, stream, sent: 0, received: 0, started: performance.now(), partial: [], partialLength: 0 }
    const others = [...this.members.values()]
    this.members.set(id, member)
    this.byStream.set(stream, member)
    // Each paused sender waits on 'drain' and 'close': up to two listeners per other client.
    stream.setMaxListeners(0)
    this.options.log?.info(`${address} joined as ${member.name} (${this.members.size} connected)`)
    if (this.mode === 'chat') {
      // ncat's announcements, to everyone: who came, and who was there already.
      this.announce(`${address} is connected as ${member.name}.`)
      this.announce(`already connected: ${others.length > 0 ? others.map((o) => `${o.address} as ${o.name}`).join(', ') : 'nobody'}.`)
    }
    if (this.mode === 'fanout' && this.members.size === 1) this.options.local?.input?.resume()
    this.touch(member)
    return new Promise<HubSession>((resolve) => {
      const leave = () => {
        if (!this.members.has(id)) return
        this.members.delete(id)
        if (member.idle) clearTimeout(member.idle)
        if (member.stall) clearTimeout(member.stall)
        this.options.log?.info(`${member.name} (${address}) left`)
        if (this.mode === 'chat') {
          if (member.partialLength > 0) this.chatLine(member, Buffer.concat(member.partial))
          this.announce(`${member.name} is disconnected.`)
        }
        if (this.mode === 'fanout' && this.members.size === 0) this.options.local?.input?.pause()
        // Anyone paused on this member's buffer carries on when it closes ('close' releases).
        if (!stream.destroyed) {
          stream.end()
          stream.destroy()
        }
        resolve({ sent: member.sent, received: member.received, durationMs: performance.now() - member.started, reason: member.end ?? 'peer-eof' })
      }
      stream.on('data', (chunk: Buffer) => {
        member.received += chunk.length
        this.touch(member)
        this.receive(member, chunk)
      })
      stream.on('end', leave)
      stream.on('close', leave)
      stream.on('error', (err: Error) => {
        member.end ??= 'error'
        this.options.log?.debug(`${member.name}: ${err.message}`)
        leave()
      })
      stream.resume()
    })
  }

  /** Disconnect everyone (nc is exiting). */
  close(): void {
    this.closed = true
    for (const m of this.members.values()) {
      m.end ??= 'aborted'
      m.stream.destroy()
    }
  }

  private touch(member: Member): void {
    const ms = this.options.idleTimeoutMs
    if (ms === undefined || ms <= 0) return
    if (member.idle) member.idle.refresh()
    else {
      member.idle = setTimeout(() => {
        this.options.log?.info(`${member.name} (${member.address}) idle for ${ms} ms: disconnected`)
        member.end ??= 'idle'
        member.stream.destroy()
      }, ms)
    }
  }

  private receive(member: Member, chunk: Buffer): void {
    switch (this.mode) {
      case 'broker':
        this.deliver(member.stream, chunk, this.othersThan(member))
        break
      case 'fanout':
        if (this.options.local) this.deliver(member.stream, chunk, [this.options.local.output])
        break
      case 'chat':
        for (const line of takeLines(member, chunk)) this.chatLine(member, line)
        break
    }
  }

  private othersThan(member: Member): Duplex[] {
    const out: Duplex[] = []
    for (const m of this.members.values()) if (m !== member) out.push(m.stream)
    return out
  }

  private chatLine(member: Member, line: Buffer): void {
    const message = Buffer.concat([Buffer.from(`${member.name} `), escapeControl(line), Buffer.from('\n')])
    this.deliver(member.stream, message, this.othersThan(member))
  }

  private announce(text: string): void {
    const message = Buffer.from(`<announce> ${text}\n`)
    for (const m of this.members.values()) {
      // Announcements do not wait for anyone; a member that is not reading misses them instead
      // of letting others' comings and goings grow its buffer without bound.
      if (m.stream.destroyed || !m.stream.writable || m.stream.writableLength > MAX_ANNOUNCE_BACKLOG) continue
      m.sent += message.length
      m.stream.write(message)
    }
  }

  /**
   * Write `chunk` to every target; if any is over its high-water mark, pause `source` until
   * each such target drained or went away.
   */
  private deliver(source: Readable, chunk: Buffer, targets: Writable[]): void {
    const full: Writable[] = []
    for (const target of targets) {
      if ((target as Duplex).destroyed || !target.writable) continue
      if (target !== this.options.local?.output) this.touchStream(target, chunk.length)
      if (!target.write(chunk)) full.push(target)
    }
    if (full.length === 0) return
    this.holds.set(source, (this.holds.get(source) ?? 0) + full.length)
    source.pause()
    const release = () => {
      const left = (this.holds.get(source) ?? 1) - 1
      if (left > 0) {
        this.holds.set(source, left)
        return
      }
      this.holds.delete(source)
      if (!(source as Duplex).destroyed) source.resume()
    }
    for (const target of full) {
      this.watchStall(target)
      let done = false
      const once = () => {
        if (done) return
        done = true
        target.off('drain', once)
        target.off('close', once)
        release()
      }
      target.on('drain', once)
      target.on('close', once)
    }
  }

  /**
   * Senders now wait for `target` to drain: give it STALLED_CLIENT_MS to take its backlog, then
   * disconnect it (its 'close' releases them). The local output (fanout's stdout) is never cut.
   */
  private watchStall(target: Writable): void {
    const member = this.byStream.get(target)
    if (!member || member.stall) return
    const ms = this.options.stalledClientMs ?? STALLED_CLIENT_MS
    member.stall = setTimeout(() => {
      this.options.log?.info(`${member.name} (${member.address}) not reading for ${ms} ms with ${member.stream.writableLength} bytes queued: disconnected`)
      member.end ??= 'stalled'
      member.stream.destroy()
    }, ms)
    const clear = () => {
      clearTimeout(member.stall)
      member.stall = undefined
    }
    target.once('drain', clear)
  }

  private touchStream(stream: Writable, bytes: number): void {
    const member = this.byStream.get(stream)
    if (!member) return
    member.sent += bytes
    this.touch(member)
  }
}
