import pkg from '../package.json' with { type: 'json' }

/** The version of @netkit/nc. */
export const version: string = pkg.version
