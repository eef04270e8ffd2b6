import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { Duplex, Readable } from 'node:stream'
import { UsageError, type Logger } from '@netkit/shared'
import { closeSocket, driveSession, type SessionMeter, type Transport } from '../session/driver.js'
import type { SessionEnd, SessionEvent } from '../session/machine.js'
import { crlfTransform } from '../session/taps.js'

/**
 * `-e/--exec PROG [ARGS]` (no shell) and `-c/--sh-exec CMD` (through /bin/sh): a child's stdin
 * and stdout become the connection, one child per connection.
 *
 * Children never outlive nc: each is killed when its connection ends (SIGTERM, then SIGKILL
 * after a grace period), on SIGINT/SIGTERM through the session's abort signal, and with SIGKILL
 * from a process 'exit' hook for any still running. Node opens every descriptor close-on-exec
 * and passes only stdio, so no child inherits the listening socket (tested).
 */

export interface ExecCommand {
  file: string
  args: string[]
  /** For messages: the command as given. */
  display: string
}

/** How long a child may take to exit after SIGTERM before it gets SIGKILL. */
export const KILL_GRACE_MS = 2000

/**
 * Split `-e` text into words as a shell would without expanding anything: whitespace separates,
 * '...' and "..." group, backslash escapes the next character (not inside single quotes).
 */
export function splitCommand(text: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quote) {
      if (ch === quote) quote = undefined
      else if (ch === '\\' && quote === '"' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i]
      else word += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      inWord = true
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i]
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += ch
      inWord = true
    }
  }
  if (quote) throw new UsageError(`unterminated quote in --exec: ${text}`)
  if (inWord) words.push(word)
  return words
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Find `file` as execvp would (a path with `/` as is, else along PATH); undefined if absent. */
export function findProgram(file: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file.includes('/')) return isExecutable(file) ? file : undefined
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir || '.', file)
    if (isExecutable(candidate)) return candidate
  }
  return undefined
}

/** The command for `-e TEXT` or `-c TEXT` (exactly one may be given); checks the program exists. */
export function parseExecCommand(exec: string | undefined, shExec: string | undefined, env: NodeJS.ProcessEnv = process.env): ExecCommand | undefined {
  if (exec !== undefined && shExec !== undefined) throw new UsageError('cannot use -e and -c together')
  if (shExec !== undefined) {
    if (shExec.trim() === '') throw new UsageError('-c needs a command')
    return { file: '/bin/sh', args: ['-c', shExec], display: shExec }
  }
  if (exec === undefined) return undefined
  const words = splitCommand(exec)
  if (words.length === 0) throw new UsageError('-e needs a program')
  const found = findProgram(words[0]!, env)
  if (!found) throw new UsageError(`-e: ${words[0]}: no such executable program`)
  return { file: found, args: words.slice(1), display: exec }
}

/** Where a connection goes, exported to the child as NETKIT_* variables (ncat's NCAT_*). */
export interface ExecEndpoints {
  remoteAddress?: string
  remotePort?: number
  localAddress?: string
  localPort?: number
  /** TCP, UDP or UNIX. */
  protocol: 'tcp' | 'udp' | 'unix'
}

export function execEnvironment(endpoints: ExecEndpoints, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, NETKIT_PROTO: endpoints.protocol.toUpperCase() }
  if (endpoints.remoteAddress) env.NETKIT_REMOTE_ADDR = endpoints.remoteAddress
  if (endpoints.remotePort) env.NETKIT_REMOTE_PORT = String(endpoints.remotePort)
  if (endpoints.localAddress) env.NETKIT_LOCAL_ADDR = endpoints.localAddress
  if (endpoints.localPort) env.NETKIT_LOCAL_PORT = String(endpoints.localPort)
  // The same values under ncat's names, for scripts written for ncat.
  for (const name of ['REMOTE_ADDR', 'REMOTE_PORT', 'LOCAL_ADDR', 'LOCAL_PORT', 'PROTO']) {
    const value = env[`NETKIT_${name}`]
    if (value !== undefined) env[`NCAT_${name}`] = value
  }
  return env
}

// --- the children alive right now, killed when nc exits ---

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function track(child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    // 'exit' handlers must be synchronous: no grace period here, only SIGKILL.
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL')
    })
  }
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

/**
 * SIGTERM (after `waitMs`, for a child that is already on its way out), then SIGKILL after
 * `graceMs` if it is still there; resolves once it exited.
 */
export function terminate(child: ChildProcess, graceMs = KILL_GRACE_MS, waitMs = 0): Promise<void> {
  if (!running(child)) return Promise.resolve()
  return new Promise((resolve) => {
    let killTimer: NodeJS.Timeout | undefined
    const term = () => {
      child.kill('SIGTERM')
      killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    }
    const termTimer = waitMs > 0 ? setTimeout(term, waitMs) : undefined
    child.once('exit', () => {
      clearTimeout(termTimer)
      clearTimeout(killTimer)
      resolve()
    })
    if (waitMs <= 0) term()
  })
}

export interface ExecSessionOptions {
  /** End the session when no bytes moved either way for this long (--idle-timeout, -w). */
  idleTimeoutMs?: number
  /** Aborting kills the child and closes the connection (nc is exiting). */
  signal?: AbortSignal
  log?: Logger
  /** Called with the child's pid once spawned. */
  onSpawn?: (pid: number) => void
  /** How long the child gets after SIGTERM before SIGKILL (default KILL_GRACE_MS). */
  killGraceMs?: number
  /** -C: the child's `\n` goes out as `\r\n`, as ncat does. */
  crlf?: boolean
}

export interface ExecSessionResult {
  /** Bytes written to the connection (from the child) and read from it (to the child). */
  sent: number
  received: number
  durationMs: number
  reason: 'peer-eof' | 'quit' | 'idle' | 'aborted'
  /** The child's exit code, or the signal that ended it. */
  exit: number | NodeJS.Signals | null
}

/**
 * The exec transport: the connection's bytes go to the child's stdin, the child's stdout goes to
 * the connection (pipe both ways, so a slow peer or a slow child bounds the buffers). A reset
 * ends the session through 'close' like any close; the child may stop reading its stdin (exit,
 * or close it), and then what the peer sends is discarded.
 */
function createExecTransport(stream: Duplex, child: ChildProcess, command: ExecCommand, options: ExecSessionOptions): Transport {
  const stdin = child.stdin!
  // -C applies to what the child writes, as to stdin in a plain session.
  const stdout: Readable = options.crlf ? child.stdout!.pipe(crlfTransform()) : child.stdout!
  let emit: (event: SessionEvent) => void = () => {}
  let stdoutEnded = false
  let onReceived = (_chunk: Buffer) => {}
  let onSent = (_chunk: Buffer) => {}
  const transport = { start, shutdownWrite, endOutput: () => stdin.end(), flushOutput: (done: () => void) => done(), stop, close }
  const onStdoutEnd = () => {
    stdoutEnded = true
    emit(INPUT_EOF)
  }

  function start(report: (event: SessionEvent) => void, meter: SessionMeter) {
    emit = report
    onReceived = (chunk) => meter.received(chunk.length)
    onSent = (chunk) => meter.sent(chunk.length)
    child.once('error', (err: NodeJS.ErrnoException) => {
      options.log?.warn(`-e: ${command.display}: ${err.code === 'ENOENT' ? 'no such executable program' : err.message}`)
      emit({ type: 'local-gone' })
    })
    child.once('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid)
      options.log?.debug(`started ${command.display} (pid ${child.pid})`)
    })
    child.once('exit', () => emit({ type: 'local-exit' }))
    stdin.on('error', () => {
      stream.unpipe(stdin)
      stream.resume()
    })
    stream.on('error', () => {})
    stream.on('data', onReceived)
    stream.once('end', () => emit(PEER_EOF))
    stream.once('close', () => emit(PEER_CLOSED))
    stdout.on('data', onSent)
    stdout.once('end', onStdoutEnd)
    stream.pipe(stdin, { end: false })
    stdout.pipe(stream, { end: false })
  }

  // The child closed its output: our write side goes down once its last bytes are out.
  function shutdownWrite() {
    stream.once('finish', () => emit({ type: 'write-finished' }))
    stream.end()
  }

  function stop() {
    stream.unpipe(stdin)
    stdout.unpipe(stream)
    stream.off('data', onReceived)
    stdout.off('data', onSent)
  }

  function close(reason: SessionEnd | 'failed') {
    if (reason === 'idle') options.log?.info(`idle timeout: closing the connection to ${command.display}`)
    closeSocket(stream)
    stdin.destroy()
    // A child that closed its output is usually exiting: give it a moment before SIGTERM.
    const exiting = reason === 'peer-eof' && stdoutEnded
    const grace = options.killGraceMs ?? KILL_GRACE_MS
    return terminate(child, grace, exiting ? grace : 0)
  }
  return transport
}

const INPUT_EOF: SessionEvent = { type: 'input-eof' }
const PEER_EOF: SessionEvent = { type: 'peer-eof' }
const PEER_CLOSED: SessionEvent = { type: 'peer-closed' }

/**
 * Run `command` with its stdin and stdout on `stream` until the session is over, by the
 * half-close rules of machine.ts for a local program:
 * - bytes from the connection go to the child's stdin; the peer's EOF closes that stdin;
 * - the child's stdout goes to the connection; its EOF shuts down our write side;
 * - the session ends when the child has exited and its output is flushed, or when the
 *   connection closes completely (the child is then terminated), or on idle timeout/abort.
 */
export async function execSession(stream: Duplex, command: ExecCommand, endpoints: ExecEndpoints, options: ExecSessionOptions = {}): Promise<ExecSessionResult> {
  // The peer's EOF must close only the child's stdin, not our write side: the child may still
  // answer (`printf data | nc -N host port` to `nc -l -e sort`). Sockets auto-end without this.
  ;(stream as { allowHalfOpen?: boolean }).allowHalfOpen = true
  let child: ChildProcess
  try {
    child = spawn(command.file, command.args, { stdio: ['pipe', 'pipe', 'inherit'], env: execEnvironment(endpoints) })
  } catch (err) {
    stream.destroy()
    throw new UsageError(`-e: ${command.display}: ${(err as Error).message}`)
  }
  track(child)
  const transport = createExecTransport(stream, child, command, options)
  const result = await driveSession(transport, { localProgram: true, idleTimeoutMs: options.idleTimeoutMs }, options.signal)
  return { ...result, exit: child.exitCode ?? child.signalCode }
}
