import type { EventEmitter } from 'node:events'
import { toNetworkError, type NetworkContext } from './errors.js'

/**
 * Start listening (a net.Server) or binding (a dgram.Socket) and wait for the outcome: resolves
 * with `target` once it emits 'listening', rejects on its first 'error' instead. `start` makes
 * the listen()/bind() call. The failure is worded from `context` (`bind to 127.0.0.1 port 7007
 * (tcp) failed: Address already in use`), or by `describe` for a tool with its own wording.
 * Only that first error is taken; listeners for later ones are the caller's.
 */
export function bindServer<T extends EventEmitter>(
  target: T,
  start: (target: T) => void,
  describe: NetworkContext | ((err: Error) => Error),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (err: Error) => {
      target.off('listening', onListening)
      reject(typeof describe === 'function' ? describe(err) : toNetworkError(err, describe))
    }
    const onListening = () => {
      target.off('error', onError)
      resolve(target)
    }
    target.once('error', onError)
    target.once('listening', onListening)
    start(target)
  })
}
