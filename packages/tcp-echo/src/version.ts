import pkg from '../package.json' with { type: 'json' }

/** The version of @netkit/tcp-echo. */
export const version: string = pkg.version
