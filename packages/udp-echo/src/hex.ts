/** A short hex preview of a datagram for -v logs: the first `max` bytes, `…` when there are more. */
export function hexPreview(data: Uint8Array, max = 16): string {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(max, data.byteLength)).toString('hex')
  return data.byteLength > max ? `${head}…` : head
}
