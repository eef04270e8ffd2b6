import pkg from '../package.json' with { type: 'json' }

/** The version of @netkit/ws-echo. */
export const version: string = pkg.version
