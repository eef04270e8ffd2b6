import pkg from '../package.json' with { type: 'json' }

/** The version of @netkit/framing. */
export const version: string = pkg.version
