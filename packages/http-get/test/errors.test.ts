import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ErrorCode, InvalidArgumentError, NetkitError, UsageError } from '@netkit/shared'
import { describe, expect, it } from 'vitest'
import { CURL_EXIT_CODES, HttpParseError, TransferError, curlExitCode, planOutputs } from '../src/index.js'

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src')

describe('errors', () => {
  it('TransferError is branded: other NetkitErrors are not TransferErrors', () => {
    expect(new NetkitError(ErrorCode.TIMEOUT, 'x') instanceof TransferError).toBe(false)
    expect(new UsageError('x') instanceof TransferError).toBe(false)
    const error = new TransferError(ErrorCode.HTTP_RECV_FAILED, 'Recv failure: Connection reset by peer')
    expect(error).toBeInstanceOf(TransferError)
    expect(error).toBeInstanceOf(NetkitError)
    expect(error.exitCode).toBe(56)
    expect(new HttpParseError(ErrorCode.HTTP_PARTIAL_BODY, 'x')).toBeInstanceOf(TransferError)
    expect(error instanceof HttpParseError).toBe(false)
    // A copy from another install carries the same brand.
    const foreign = Object.create({ [Symbol.for('netkit.error.TransferError')]: true }) as object
    expect(foreign instanceof TransferError).toBe(true)
  })

  it('one table maps catalogue codes to curl exit codes', () => {
    const catalogue = new Set<string>(Object.values(ErrorCode))
    for (const code of Object.keys(CURL_EXIT_CODES)) expect(catalogue.has(code)).toBe(true)
    expect(curlExitCode(ErrorCode.HTTP_CONNECT_FAILED)).toBe(7)
    expect(curlExitCode(ErrorCode.HTTP_PARTIAL_BODY)).toBe(18)
    expect(curlExitCode(ErrorCode.HTTP_TIMEOUT)).toBe(28)
    expect(curlExitCode(ErrorCode.TLS_CERTIFICATE)).toBe(60)
  })

  it('no source file spells an error code as a string literal', () => {
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name)
        if (entry.isDirectory()) walk(full)
        else if (/['"`]NETKIT_[A-Z_]+['"`]/.test(fs.readFileSync(full, 'utf8'))) offenders.push(path.relative(SRC, full))
      }
    }
    walk(SRC)
    expect(offenders).toEqual([])
  })

  it('library misuse throws InvalidArgumentError (exit 2), not RangeError', () => {
    expect(() => planOutputs(1, ['a', 'b'])).toThrow(InvalidArgumentError)
  })
})
