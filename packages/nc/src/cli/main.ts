// The nc command: parse, build the extras' hooks, run the library, map the outcome to an exit code.
import { createLogger, exitQuietlyOnBrokenPipe, onShutdown, runMain } from '@netkit/shared'
import type { NcExtensions } from '../run.js'
import type { NcOptions } from '../options.js'
import { buildParser, quickParse, toOptions, type Args } from './parse.js'

/** The options and hooks of the nc extras (TLS, exec, proxies, brokers, ACLs); no hooks with plain OpenBSD options. */
async function withExtras(args: Args, options: NcOptions, signal: AbortSignal): Promise<{ options: NcOptions; extensions: NcExtensions | undefined }> {
  const { buildExtensions } = await import('./extras.js')
  const { extrasArgsFrom } = await import('./extras-options.js')
  const log = createLogger({ name: 'nc', verbosity: options.verbose ?? 0 })
  // A getter: opening process.stdin claims fd 0, which a plain session reads itself (buffer-transport.ts).
  return buildExtensions(extrasArgsFrom(args), options, { get stdin() { return process.stdin }, stdout: process.stdout, log, signal })
}

/**
 * Run nc with `args` (argv without node and the script) as the bin does; resolves with the exit
 * code, also set as process.exitCode. Errors are printed (one line for the expected ones).
 */
export async function main(args: readonly string[]): Promise<number> {
  await runMain('nc', async () => {
    const quick = quickParse(args)
    // A quick-path line will run the library: start loading it while the options are checked.
    const library = quick ? import('../run.js') : undefined
    library?.catch(() => {})
    const parsed = quick ?? ((await (await buildParser(args)).parseAsync()) as Args)
    const parsedOptions = await toOptions(parsed)
    const controller = new AbortController()
    let signalExit: number | undefined
    const removeShutdown = onShutdown((signal) => {
      // SIGTERM asks a listener to stop: it closes the listener, ends its sessions and exits 0, as
      // the echo servers do (`kill %1` in a script is not an error). Anything else was interrupted.
      signalExit = signal === 'SIGINT' ? 130 : parsedOptions.mode === 'listen' ? 0 : 143
      controller.abort()
    })
    // process.stdin is opened only when read: a plain session reads fd 0 itself.
    let stdinOpened = false
    try {
      // OpenBSD letters alone never ask for an extra: skip loading them.
      const { options, extensions } = quick ? { options: parsedOptions, extensions: undefined } : await withExtras(parsed, parsedOptions, controller.signal)
      const { runNc } = await (library ?? import('../run.js'))
      // A reader that goes away (`nc ... | head -c 10`) ends nc quietly.
      exitQuietlyOnBrokenPipe(process.stdout)
      const usesStdin = options.mode !== 'scan' && !options.noStdin
      const code = await runNc(options, {
        get stdin() {
          if (!usesStdin) return null
          stdinOpened = true
          return process.stdin
        },
        stdinFd: 0,
        stdout: process.stdout,
        stdoutFd: 1,
        log: createLogger({ name: 'nc', verbosity: options.verbose ?? 0 }),
        signal: controller.signal,
        extensions,
      })
      return signalExit ?? code
    } catch (err) {
      // Interrupted while connecting or waiting for a client: the signal is the news, not the error.
      if (signalExit !== undefined) return signalExit
      throw err
    } finally {
      removeShutdown()
      // stdin may still be open (peer closed first); it must not keep the process alive.
      if (stdinOpened) process.stdin.destroy()
    }
  })
  return typeof process.exitCode === 'number' ? process.exitCode : 0
}
