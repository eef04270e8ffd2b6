import { HttpParseError, ResponseParser, type ParserEvent, type ResponseParserOptions } from '../src/index.js'

/** Events with consecutive body pieces merged (as latin1 text), so any chunking compares equal. */
export type NormalizedEvent =
  | Exclude<ParserEvent, { type: 'body' }>
  | { type: 'body'; text: string }
  | { type: 'error'; code: string; message: string }

export const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1')
export const text = (data: Uint8Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')

export function normalize(events: ParserEvent[], into: NormalizedEvent[] = []): NormalizedEvent[] {
  for (const event of events) {
    const last = into[into.length - 1]
    if (event.type === 'body') {
      if (event.data.length === 0) throw new Error('empty body event')
      if (last?.type === 'body') last.text += text(event.data)
      else into.push({ type: 'body', text: text(event.data) })
    } else {
      into.push(event)
    }
  }
  return into
}

export interface RunResult {
  events: NormalizedEvent[]
  parser: ResponseParser
}

/**
 * Feeds the chunks, then finish() when asked; a thrown HttpParseError becomes a final 'error'
 * event (anything else is rethrown: only typed errors are expected).
 */
export function run(chunks: Uint8Array[], options: ResponseParserOptions = {}, finish = true): RunResult {
  const parser = new ResponseParser(options)
  const events: NormalizedEvent[] = []
  try {
    for (const chunk of chunks) normalize(parser.push(chunk), events)
    if (finish) normalize(parser.finish(), events)
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err
    normalize(err.events, events)
    events.push({ type: 'error', code: err.code, message: err.message })
  }
  return { events, parser }
}

export const runText = (response: string, options?: ResponseParserOptions, finish = true): RunResult =>
  run([bytes(response)], options, finish)

/** Splits data at the given offsets (sorted, within bounds). */
export function splitAt(data: Uint8Array, offsets: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = []
  let start = 0
  for (const offset of offsets) {
    chunks.push(data.subarray(start, offset))
    start = offset
  }
  chunks.push(data.subarray(start))
  return chunks
}

export function oneByteAtATime(data: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = []
  for (let i = 0; i < data.length; i++) chunks.push(data.subarray(i, i + 1))
  return chunks
}
