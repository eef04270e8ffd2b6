import { resolveHost, toNetworkError } from '@netkit/shared'

/**
 * An address literal and its family, for a dgram socket (which is created per family): literals
 * as given, names through the resolver. Used for the server's bind address and the tester's target.
 */
export async function resolveUdpAddress(host: string, port: number): Promise<{ address: string; family: 4 | 6 }> {
  try {
    return await resolveHost(host)
  } catch (err) {
    throw toNetworkError(err, { operation: 'resolve', host, port })
  }
}
