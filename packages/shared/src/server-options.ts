import { parseHost, parsePort } from './address.js'

/**
 * The `--host` and `--port` options of every @netkit server CLI (tcp-echo, udp-echo, ws-echo),
 * declared once: `y.options(serverAddressOptions({ host: '127.0.0.1', port: 7007 }))`, then
 * `parseServerAddress(argv)`. Plain option objects in yargs' shape, so importing them does not
 * load yargs.
 */
export function serverAddressOptions(defaults: { host: string; port: number }) {
  return {
    host: { type: 'string', default: defaults.host, description: 'Address to bind (0.0.0.0 or :: for all interfaces)' },
    port: { alias: 'p', type: 'string', default: String(defaults.port), description: 'Port to bind (0: any free port)' },
  } as const
}

/**
 * The parsed `--host` and `--port`: brackets dropped from an IPv6 host, port 0-65535 (0: any
 * free port); service names (`echo`) only with `allowService`.
 */
export function parseServerAddress(args: { host: string; port: string }, options: { allowService?: boolean } = {}): { host: string; port: number } {
  return { host: parseHost(args.host), port: parsePort(args.port, { allowZero: true, allowService: options.allowService ?? false }) }
}
