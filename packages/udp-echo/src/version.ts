import pkg from '../package.json' with { type: 'json' }

/** The version of @netkit/udp-echo. */
export const version: string = pkg.version
