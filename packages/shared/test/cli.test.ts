import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createCli } from '../src/cli.js'
import { UsageError, parsePort, reportError, toNetworkError } from '../src/index.js'

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString()
    cb()
  }
}

// yargs throws from parse failures synchronously or as a rejection depending on the path; runMain
// awaits inside its try, so both reach it. Normalise to a promise here.
const parse = (parser: { parseAsync(): unknown }) => (async () => parser.parseAsync())()

const cli = (argv: string[]) =>
  createCli({ name: 'tool', version: '1.2.3', usage: '$0 [options] host port', argv, exitProcess: false })
    .option('port', { type: 'string' })
    .command('$0 [host]', false)

describe('createCli', () => {
  it('counts -v and parses options', async () => {
    const args = await cli(['-vv', '--port', '80', 'example.com']).parseAsync()
    expect(args.verbose).toBe(2)
    expect(args.port).toBe('80')
    expect(args.host).toBe('example.com')
  })
  it('turns an unknown option into a UsageError (exit 2)', async () => {
    await expect(parse(cli(['--bogus']))).rejects.toThrow(UsageError)
    await expect(parse(cli(['--bogus']))).rejects.toThrow('Unknown argument: bogus')
  })
  it('keeps multi-line yargs messages (choices) to one line', async () => {
    const parser = cli(['--mode', 'x']).option('mode', { choices: ['a', 'b'] })
    const err = await parse(parser).catch((e: Error) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect((err as Error).message).toBe('Invalid values: Argument: mode, Given: "x", Choices: "a", "b"')
  })
  it('passes errors thrown by validation through unchanged', async () => {
    const parser = cli(['--port', '99999']).check((argv) => {
      parsePort(String(argv.port))
      return true
    })
    await expect(parse(parser)).rejects.toThrow('port number out of range: 99999')
  })
})

describe('reportError', () => {
  it('prints a usage error as one line with a hint and returns 2', () => {
    const out = new Capture()
    expect(reportError('nc', new UsageError('invalid port: "abc"'), out)).toBe(2)
    expect(out.text).toBe(`nc: invalid port: "abc" (see 'nc --help')\n`)
  })
  it('prints a network error as one line and returns 1', () => {
    const out = new Capture()
    const err = toNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), { operation: 'connect', host: '127.0.0.1', port: 5, protocol: 'tcp' })
    expect(reportError('nc', err, out)).toBe(1)
    expect(out.text).toBe('nc: connect to 127.0.0.1 port 5 (tcp) failed: Connection refused\n')
  })
  it('prints a stack and a bug hint for unexpected errors', () => {
    const out = new Capture()
    expect(reportError('nc', new TypeError('oops'), out)).toBe(1)
    const lines = out.text.trim().split('\n')
    expect(lines[0]).toContain('this is a bug in nc')
    expect(lines[1]).toBe('TypeError: oops')
    expect(lines.length).toBeGreaterThan(2)
  })
})
