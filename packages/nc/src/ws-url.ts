/** A positional that asks for a WebSocket session: `ws://…` or `wss://…` (no imports: the quick path reads it). */
export function isWebSocketUrl(arg: string | undefined): boolean {
  return arg !== undefined && /^wss?:\/\//i.test(arg)
}
