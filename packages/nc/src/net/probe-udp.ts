import dgram from 'node:dgram'
import net from 'node:net'
import { connectError } from './connect.js'
import type { ScanResult } from './scan-result.js'

/**
 * UDP has no handshake: send one probe byte and treat an ICMP port-unreachable (ECONNREFUSED on
 * the connected socket) within the timeout as closed, silence as open, as OpenBSD nc does.
 */
export function probeUdp(host: string, address: string, port: number, options: { timeoutMs?: number }): Promise<ScanResult> {
  return new Promise((resolve) => {
    const base = { host, address, port, protocol: 'udp' as const }
    const socket = dgram.createSocket(net.isIP(address) === 6 ? 'udp6' : 'udp4')
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const done = (result: ScanResult) => {
      if (settled) return
      settled = true
      if (timer) clearTimeout(timer)
      socket.close()
      resolve(result)
    }
    const fail = (err: unknown) => {
      const state = (err as { code?: string }).code === 'ECONNREFUSED' ? 'closed' : 'error'
      done({ ...base, state, message: connectError(err, host, port, 'udp').message })
    }
    socket.on('error', fail)
    socket.connect(port, address, () => {
      const send = () => socket.send(Buffer.from('X'), (err) => err && fail(err))
      send()
      // A second probe collects the ICMP error of the first on Linux.
      setTimeout(() => !settled && send(), 50)
      timer = setTimeout(() => done({ ...base, state: 'open' }), options.timeoutMs ?? 1000)
    })
  })
}
