import { isIP } from 'node:net'
import { toNetworkError } from '@netkit/shared'

/**
 * An address literal and its family, for a dgram socket (which is created per family): literals
 * as given, names through the resolver. Used for the server's bind address and the tester's target.
 */
export async function resolveUdpAddress(host: string, port: number): Promise<{ address: string; family: 4 | 6 }> {
  const family = isIP(host)
  if (family === 4 || family === 6) return { address: host, family }
  try {
    // The resolver loads only for a name: a literal (the usual bind address) never needs it.
    const { lookup } = await import('node:dns/promises')
    const found = await lookup(host)
    return { address: found.address, family: found.family === 6 ? 6 : 4 }
  } catch (err) {
    throw toNetworkError(err, { operation: 'resolve', host, port })
  }
}
