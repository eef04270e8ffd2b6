/**
 * A hex dump of a session, one block per chunk (sans-I/O: bytes in, text out):
 *
 *     > 00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|
 *
 * `>` lines were sent, `<` lines received; each direction keeps its own offset.
 */
export type HexDumper = (direction: '>' | '<', chunk: Uint8Array) => string

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function formatHexLine(direction: string, offset: number, bytes: Uint8Array): string {
  let hex = ''
  let text = ''
  for (let i = 0; i < 16; i++) {
    if (i === 8) hex += ' '
    if (i < bytes.length) {
      const b = bytes[i]!
      hex += `${HEX[b]} `
      text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'
    } else {
      hex += '   '
    }
  }
  return `${direction} ${offset.toString(16).padStart(8, '0')}  ${hex} |${text}|\n`
}

export function createHexDumper(): HexDumper {
  const offsets = { '>': 0, '<': 0 }
  return (direction, chunk) => {
    let out = ''
    for (let i = 0; i < chunk.length; i += 16) {
      out += formatHexLine(direction, offsets[direction] + i, chunk.subarray(i, i + 16))
    }
    offsets[direction] += chunk.length
    return out
  }
}
