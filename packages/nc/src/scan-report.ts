import type { Writable } from 'node:stream'
import type { Logger } from '@netkit/shared'
import { serviceName, writeJsonLine } from '@netkit/shared'
import type { NcOptions } from './options.js'
import { scan, type ScanResult } from './net/scan.js'
import { successMessage } from './net/connect.js'

/**
 * nc -z: scan and report as OpenBSD nc does (with -v, `Connection to H P port [tcp/SVC]
 * succeeded!` and `nc: connect to H port P (tcp) failed: ...` on stderr, in port order), or one
 * JSON object per port on stdout with --json. Exit 0 if any port is open, else 1.
 */
export async function runScan(options: NcOptions, stdout: Writable, log: Logger, signal?: AbortSignal): Promise<number> {
  let anyOpen = false
  const protocol = options.udp ? 'udp' : 'tcp'
  const report = (r: ScanResult) => {
    if (r.state === 'open') anyOpen = true
    if (options.json) {
      const service = serviceName(r.port, protocol)
      const record: Record<string, unknown> = { host: r.host, address: r.address, port: r.port, protocol, state: r.state }
      if (service) record.service = service
      if (r.message) record.error = r.message
      writeJsonLine(record, stdout)
    }
    if (r.state === 'open') log.info(successMessage(r.host, r.address, r.port, protocol, options.numeric))
    else if (log.verbosity >= 1 && r.message) log.error(r.message)
  }
  const scanOptions = {
    host: options.host!,
    ports: options.ports!,
    udp: options.udp,
    family: options.family,
    concurrency: options.concurrency,
    timeoutMs: options.connectTimeoutMs,
    sourceAddress: options.sourceAddress,
    signal,
  }
  // Node builds an error with a stack trace for every refused port; the stacks are never shown.
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    await scan(scanOptions, report)
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
  return anyOpen ? 0 : 1
}
