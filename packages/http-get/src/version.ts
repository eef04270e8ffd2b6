import pkg from '../package.json' with { type: 'json' }

/** The version of @netkit/http-get. */
export const version: string = pkg.version
