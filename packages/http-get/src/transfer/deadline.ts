import { ErrorCode } from '@netkit/shared'
import { TransferError } from '../errors.js'

/**
 * The ways a transfer is stopped from outside: -m/--max-time (exit 28, naming the bytes received
 * so far) and the caller's AbortSignal. `signal` aborts with the reason; `onAbort` reaches the
 * exchange in progress, whose socket is then closed.
 */
export class Deadline {
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout | undefined
  private readonly outer: AbortSignal | undefined
  private readonly outerAbort = () => this.abort(this.outer!.reason)
  onAbort: ((reason: unknown) => void) | undefined

  constructor(maxTime: number | undefined, outer: AbortSignal | undefined, bytesReceived: () => string) {
    this.outer = outer
    // bytesReceived says `3` or, with a known length, `3 out of 100`, as curl does.
    if (maxTime !== undefined) {
      this.timer = setTimeout(() => {
        this.abort(new TransferError(ErrorCode.HTTP_TIMEOUT, `Operation timed out after ${maxTime} milliseconds with ${bytesReceived()} bytes received`))
      }, maxTime)
    }
    outer?.addEventListener('abort', this.outerAbort, { once: true })
    if (outer?.aborted) this.controller.abort(outer.reason)
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  private abort(reason: unknown): void {
    this.controller.abort(reason)
    this.onAbort?.(reason)
  }

  /** Stop the timer and forget the outer signal (the transfer ended). */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.outer?.removeEventListener('abort', this.outerAbort)
  }
}
