import { getHeader, headerValues, type HeaderList } from './protocol/headers.js'
import type { Timings } from './transfer/types.js'

/** What -w can print about one transfer (a failed transfer fills what it got to). */
export interface WriteOutData {
  url: string
  effectiveUrl: string
  /** 0 when no response arrived (printed as 000). */
  status: number
  headers: HeaderList
  sizeDownload: number
  numRedirects: number
  numConnects: number
  timings: Timings
  fileName?: string
  exitCode: number
  errorMessage?: string
}

const seconds = (value: number) => value.toFixed(6)
/** Times in %{json}: seconds with microsecond precision, as numbers. */
const micro = (value: number) => Math.round(value * 1e6) / 1e6

/** -w variables: the text each prints, and its value in %{json}. */
const VARIABLES: Record<string, (data: WriteOutData) => { text: string; json: unknown }> = {
  http_code: (d) => ({ text: String(d.status).padStart(3, '0'), json: d.status }),
  response_code: (d) => ({ text: String(d.status).padStart(3, '0'), json: d.status }),
  size_download: (d) => ({ text: String(d.sizeDownload), json: d.sizeDownload }),
  time_namelookup: (d) => ({ text: seconds(d.timings.namelookup), json: micro(d.timings.namelookup) }),
  time_connect: (d) => ({ text: seconds(d.timings.connect), json: micro(d.timings.connect) }),
  time_appconnect: (d) => ({ text: seconds(d.timings.appconnect), json: micro(d.timings.appconnect) }),
  time_starttransfer: (d) => ({ text: seconds(d.timings.starttransfer), json: micro(d.timings.starttransfer) }),
  time_total: (d) => ({ text: seconds(d.timings.total), json: micro(d.timings.total) }),
  url: (d) => ({ text: d.url, json: d.url }),
  url_effective: (d) => ({ text: d.effectiveUrl, json: d.effectiveUrl }),
  num_redirects: (d) => ({ text: String(d.numRedirects), json: d.numRedirects }),
  num_connects: (d) => ({ text: String(d.numConnects), json: d.numConnects }),
  content_type: (d) => {
    const value = getHeader(d.headers, 'content-type')
    return { text: value ?? '', json: value ?? null }
  },
  filename_effective: (d) => ({ text: d.fileName ?? '', json: d.fileName ?? null }),
  exitcode: (d) => ({ text: String(d.exitCode), json: d.exitCode }),
  errormsg: (d) => ({ text: d.errorMessage ?? '', json: d.errorMessage ?? null }),
}

/** The variable names -w knows, for --help and the README. */
export const WRITE_OUT_VARIABLES: readonly string[] = [...Object.keys(VARIABLES), 'json', 'header{name}']

/** %{json}: every variable in one JSON object, keys sorted, as curl prints it. */
function json(data: WriteOutData): string {
  const object: Record<string, unknown> = {}
  for (const name of Object.keys(VARIABLES).sort()) object[name] = VARIABLES[name]!(data).json
  return JSON.stringify(object)
}

/**
 * Expand a -w template as curl does: `%{name}`, `%header{name}` (repeated fields joined with
 * ", "), `%%`, and the escapes `\n`, `\r`, `\t`, `\\`. Unknown variables print nothing and are
 * reported through `warn`.
 */
export function formatWriteOut(template: string, data: WriteOutData, warn?: (message: string) => void): string {
  let out = ''
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!
    if (c === '\\' && i + 1 < template.length) {
      const next = template[i + 1]!
      const escape = next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next === '\\' ? '\\' : undefined
      if (escape !== undefined) {
        out += escape
        i++
        continue
      }
      out += c
      continue
    }
    if (c !== '%') {
      out += c
      continue
    }
    if (template[i + 1] === '%') {
      out += '%'
      i++
      continue
    }
    const match = /^%(\{([a-z_]+)\}|header\{([^}]*)\})/.exec(template.slice(i))
    if (!match) {
      out += c
      continue
    }
    i += match[0].length - 1
    if (match[3] !== undefined) {
      out += headerValues(data.headers, match[3]).join(', ')
      continue
    }
    const name = match[2]!
    if (name === 'json') out += json(data)
    else if (VARIABLES[name]) out += VARIABLES[name](data).text
    else warn?.(`unknown --write-out variable: '${name}'`)
  }
  return out
}
