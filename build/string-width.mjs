// A light stand-in for `string-width`, bundled into our CLIs instead of the real one.
// string-width 8 builds an Intl.Segmenter and several Unicode-property regexes when it is loaded,
// which cost ~15 ms of every CLI start even when no help text or spinner is drawn. Help text and
// spinner lines only need terminal column counts, which code points and East Asian Width give.
import stripAnsi from 'strip-ansi'
import { eastAsianWidth } from 'get-east-asian-width'

function isZeroWidth(cp) {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x300 && cp <= 0x36f) || // combining diacritical marks
    (cp >= 0x200b && cp <= 0x200f) || // zero-width space, joiners, marks
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    (cp >= 0xe0100 && cp <= 0xe01ef)
  )
}

export default function stringWidth(input, options = {}) {
  if (typeof input !== 'string' || input.length === 0) return 0
  const text = options.countAnsiEscapeCodes ? input : stripAnsi(input)
  let width = 0
  for (const char of text) {
    const cp = char.codePointAt(0)
    if (isZeroWidth(cp)) continue
    width += eastAsianWidth(cp, { ambiguousAsWide: options.ambiguousIsNarrow === false })
  }
  return width
}
