/** What a port scan (-z) finds for one port. */
export type PortState = 'open' | 'closed' | 'timeout' | 'error'

export interface ScanResult {
  host: string
  /** The address connected to (host resolved once). */
  address: string
  port: number
  protocol: 'tcp' | 'udp'
  state: PortState
  /** Why it is not open, worded like OpenBSD nc (`connect to H port P (tcp) failed: Connection refused`). */
  message?: string
}

