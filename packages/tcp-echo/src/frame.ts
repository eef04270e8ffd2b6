import { UsageError } from '@netkit/shared'
import type { FrameEchoer } from './connection.js'

export type FrameFormat = 'lines' | 'lp32' | 'varint'

/** Frame mode needs @netkit/framing (not wired yet). */
export function frameEchoerFor(format: FrameFormat, _options: { maxFrameSize?: number } = {}): () => FrameEchoer {
  throw new UsageError(`--frame ${format} is not available yet`)
}
