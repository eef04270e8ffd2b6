/**
 * One wording for what every tool says to people: lists, plurals and the missing-argument
 * message (`tcp-echo: missing HOST and PORT: use `tcp-echo bench HOST PORT` (see 'tcp-echo --help')`).
 */
import { UsageError } from './errors.js'
import { formatCount } from './units.js'

/** `A`, `A and B`, `A, B and C`. */
export function joinWords(words: readonly string[], conjunction = 'and'): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`
}

/**
 * `1 connection`, `2 connections`, `12,345 connections`; the plural defaults to `singular + s`
 * (give it when English does not: `plural(n, 'mismatched echo', 'mismatched echoes')`).
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`
}

/**
 * The usage error for missing positional arguments, in the one wording every tool uses; runMain
 * adds ` (see 'name --help')`. `usage` is the command line to show, e.g. `tcp-echo bench HOST PORT`.
 */
export function missingArguments(missing: readonly string[], usage: string): UsageError {
  return new UsageError(`missing ${joinWords(missing.map((name) => name.toUpperCase()))}: use \`${usage}\``)
}
