import { vi } from 'vitest'

/**
 * Run a CLI's `main(argv)` in this process (its option handling, without spawning) and collect
 * what it writes to stderr; stderr is restored afterwards whatever happens.
 */
export async function runMainInProcess(main: () => Promise<number>): Promise<{ code: number; stderr: string }> {
  let stderr = ''
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk)
    return true
  })
  try {
    return { code: await main(), stderr }
  } finally {
    spy.mockRestore()
  }
}
