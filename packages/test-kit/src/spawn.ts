import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { onTestFinished } from 'vitest'
import { tempDir } from './files.js'

export interface SpawnCliOptions {
  /** 'pipe' (default): write and end it yourself; a Buffer: written then ended; 'ignore': /dev/null. */
  stdin?: 'pipe' | 'ignore' | Buffer
  /** Give a Buffer stdin as a regular file instead of a pipe (`tool < file`). */
  stdinAsFile?: boolean
  /** Send stdout to a regular file, read when the process ends (`tool > file`). */
  stdoutAsFile?: boolean
  /** Hash stdout instead of keeping it (large transfers): `stdout` resolves to the sha256 hex as a Buffer. */
  hashStdout?: boolean
  /** Added to the environment (which always gets NO_COLOR=1 unless overridden). */
  env?: NodeJS.ProcessEnv
  /** Run this program with `args` instead of `node CLI args` (a peer tool such as OpenBSD nc). */
  program?: string
  cwd?: string
  /**
   * Close the reading end of the child's stderr pipe as soon as it is spawned (before node has
   * started, so before the first diagnostic), as a supervisor that exited or `2>&1 | head -1`
   * does: every write to stderr then fails with EPIPE. `stderr` resolves to ''.
   */
  closedStderr?: boolean
}

export interface SpawnedCli {
  child: ChildProcess
  /** All of stdout, when the process ends. */
  stdout: Promise<Buffer>
  /** All of stderr as text, when the process ends. */
  stderr: Promise<string>
  /** Exit code, or 128 + signal number. */
  exit: Promise<number>
  /** Stdout and stderr so far (stdout is empty when hashed or sent to a file). */
  stdoutSoFar(): string
  stderrSoFar(): string
  /** Resolve with the first stderr match of `re`; reject when the process ends first or after `ms`. */
  waitStderr(re: RegExp, ms?: number): Promise<RegExpMatchArray>
  /** Resolve with the first stdout match of `re`; reject when the process ends first or after `ms`. */
  waitStdout(re: RegExp, ms?: number): Promise<RegExpMatchArray>
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 }

/** The child's stdin and stdout: pipes, or regular files when the options ask for them. */
function stdioFor(options: SpawnCliOptions): { stdin: 'ignore' | 'pipe' | number; stdout: 'pipe' | number; stdoutFile?: string } {
  let stdin: 'ignore' | 'pipe' | number = options.stdin === 'ignore' ? 'ignore' : 'pipe'
  if (options.stdinAsFile && Buffer.isBuffer(options.stdin)) {
    const file = path.join(tempDir('netkit-stdin-'), 'stdin')
    writeFileSync(file, options.stdin)
    const fd = openSync(file, 'r')
    stdin = fd
    onTestFinished(() => closeSync(fd))
  }
  if (!options.stdoutAsFile) return { stdin, stdout: 'pipe' }
  const stdoutFile = path.join(tempDir('netkit-stdout-'), 'stdout')
  const fd = openSync(stdoutFile, 'w')
  onTestFinished(() => closeSync(fd))
  return { stdin, stdout: fd, stdoutFile }
}

/** Text seen so far on stdout and stderr, and waiters woken whenever more comes or the child ends. */
class Transcript {
  out = ''
  err = ''
  private readonly waiters: Array<() => void> = []

  constructor(private readonly child: ChildProcess) {}

  wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  /** A waitStdout/waitStderr for the text `source` returns. */
  waitOn(source: () => string, name: string) {
    return (re: RegExp, ms = 10_000) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} on ${name}; got: ${source()}`)), ms)
        const check = () => {
          const m = source().match(re)
          if (m) {
            clearTimeout(timer)
            resolve(m)
          } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
            clearTimeout(timer)
            reject(new Error(`process ended before ${re} appeared on ${name}; got: ${source()}`))
          } else {
            this.waiters.push(check)
          }
        }
        check()
      })
  }
}

/** All of stdout once the child closes: read from its file, hashed, or collected (and mirrored as text). */
function collectStdout(child: ChildProcess, options: SpawnCliOptions, stdoutFile: string | undefined, transcript: Transcript): Promise<Buffer> {
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()))
  if (stdoutFile !== undefined) return closed.then(() => readFileSync(stdoutFile))
  if (options.hashStdout) {
    const hash = createHash('sha256')
    child.stdout!.on('data', (c: Buffer) => hash.update(c))
    return closed.then(() => Buffer.from(hash.digest('hex')))
  }
  const chunks: Buffer[] = []
  child.stdout!.on('data', (c: Buffer) => {
    chunks.push(c)
    transcript.out += c.toString('latin1')
    transcript.wake()
  })
  return closed.then(() => Buffer.concat(chunks))
}

/** Spawn `node cli ...args` (or `options.program`); SIGKILLed when the test finishes if still running. */
export function spawnCli(cli: string, args: readonly string[], options: SpawnCliOptions = {}): SpawnedCli {
  const stdio = stdioFor(options)
  const [cmd, argv] = options.program ? [options.program, [...args]] : [process.execPath, [cli, ...args]]
  const child = spawn(cmd, argv, {
    stdio: [stdio.stdin, stdio.stdout, 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    cwd: options.cwd,
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  if (Buffer.isBuffer(options.stdin) && typeof stdio.stdin !== 'number') child.stdin!.end(options.stdin)
  child.stdin?.on('error', () => {}) // the tool may exit before reading all of it

  const transcript = new Transcript(child)
  if (options.closedStderr) {
    child.stderr!.destroy()
  } else {
    child.stderr!.on('data', (c: Buffer) => {
      transcript.err += c.toString()
      transcript.wake()
    })
  }
  const stdout = collectStdout(child, options, stdio.stdoutFile, transcript)
  const exit = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      transcript.wake()
      resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 1))
    })
  })
  return {
    child,
    stdout,
    stderr: exit.then(() => transcript.err),
    exit,
    stdoutSoFar: () => transcript.out,
    stderrSoFar: () => transcript.err,
    waitStderr: transcript.waitOn(() => transcript.err, 'stderr'),
    waitStdout: transcript.waitOn(() => transcript.out, 'stdout'),
  }
}

export interface CliResult {
  code: number
  stdout: Buffer
  stderr: string
}

/** Run a CLI to its end (killed after `ms`) and collect everything. */
export async function runCli(cli: string, args: readonly string[], options: SpawnCliOptions & { ms?: number } = {}): Promise<CliResult> {
  const run = spawnCli(cli, args, { stdin: 'ignore', ...options })
  const timer = setTimeout(() => run.child.kill('SIGKILL'), options.ms ?? 15_000)
  const [code, stdout, stderr] = await Promise.all([run.exit, run.stdout, run.stderr])
  clearTimeout(timer)
  return { code, stdout, stderr }
}
