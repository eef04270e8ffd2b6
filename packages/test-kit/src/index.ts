/**
 * Test helpers for every @netkit package: spawn a built CLI and real loopback peers, everything
 * cleaned up when the test finishes, every wait bounded in time. Source only (vitest compiles
 * it); never published.
 */
export { spawnCli, runCli, type SpawnedCli, type SpawnCliOptions, type CliResult } from './spawn.js'
export { tcpServer, connectTo, readAll, hashAll, readUntil, sawEofWithin, freePort } from './sockets.js'
export { waitFor, sleep, withTimeout } from './wait.js'
export { sha256, tempDir, tempFiles } from './files.js'
export { runInPty, bashCompletions, type PtyOptions } from './terminal.js'
export {
  rawWebSocket,
  encodeWsFrame,
  closePayload,
  WsFrameDecoder,
  WS_OPCODE,
  type RawWsClient,
  type RawWsOptions,
  type WsFrame,
  type WsFrameOptions,
} from './websocket.js'
export { runMainInProcess } from './in-process.js'
export { traceLoads, type TracedLoads, type TraceLoadsOptions } from './loads.js'
