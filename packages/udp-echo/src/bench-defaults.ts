// The load tester's defaults, apart from the tester itself: the option table (cli-spec.ts) shows
// them in --help without loading the tester (and node:crypto) into a server's start-up.

export const DEFAULT_WINDOW = 32
export const DEFAULT_BENCH_SIZE = 64
export const DEFAULT_BENCH_DURATION_MS = 5000
/** A datagram not echoed within this long is counted lost and its slot in the window reused. */
export const DEFAULT_LOSS_TIMEOUT_MS = 1000
