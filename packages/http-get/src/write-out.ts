import { getHeader, headerValues } from './protocol/headers.js'
import type { TransferInfo } from './types.js'

/** What -w can print about one transfer (a failed transfer fills what it got to). */
export interface WriteOutData extends TransferInfo {
  exitCode: number
  errorMessage?: string
  /** Its index among the command line's URLs, from 0 (%{urlnum}). */
  urlNum?: number
}

/** One variable's text for -w and its value as a JSON fragment for %{json}. */
interface Value {
  text: string
  json: string
}

const int = (value: number): Value => ({ text: String(value), json: String(value) })
/** A string that is `null` in %{json} (and empty in -w) when missing, as curl prints it. */
const optional = (value: string | undefined): Value => ({ text: value ?? '', json: value === undefined ? 'null' : JSON.stringify(value) })
const text = (value: string): Value => ({ text: value, json: JSON.stringify(value) })
/** Seconds with 6 decimals in -w and in %{json} alike (curl's %.6f: 0.000019, never 1.9e-05). */
const seconds = (value: number): Value => ({ text: value.toFixed(6), json: value.toFixed(6) })
/** A status code: three digits in -w (000 for none), a number in %{json}. */
const status = (value: number): Value => ({ text: String(value).padStart(3, '0'), json: String(value) })

/** curl's http_version: 1 for HTTP/1.0, 1.1, or 0 without a response. */
const httpVersion = (d: WriteOutData) => (d.httpVersion === undefined ? '0' : d.httpVersion === '1.0' ? '1' : d.httpVersion)

/** Bytes per second over the whole transfer, whole numbers as curl prints them. */
const speed = (bytes: number, secondsTaken: number) => (secondsTaken > 0 ? Math.floor(bytes / secondsTaken) : 0)

/**
 * -w variables, named, typed and meant as in curl 7.88. Left out: FTP's ftp_entry_path, the
 * proxy's proxy_ssl_verify_result (no proxy support; http_connect is always 0 for the same
 * reason), certs and num_certs (no --cert-info), curl_version. No upload: size_upload and
 * speed_upload are 0. No -e option: referer is null.
 */
const VARIABLES: Record<string, (d: WriteOutData) => Value> = {
  content_type: (d) => optional(getHeader(d.headers, 'content-type')),
  errormsg: (d) => optional(d.errorMessage),
  exitcode: (d) => int(d.exitCode),
  filename_effective: (d) => optional(d.fileName),
  http_code: (d) => status(d.status),
  http_connect: () => status(0),
  http_version: (d) => text(httpVersion(d)),
  local_ip: (d) => text(d.connection?.localAddress ?? ''),
  local_port: (d) => int(d.connection?.localPort ?? 0),
  method: (d) => text(d.method),
  num_connects: (d) => int(d.numConnects),
  num_headers: (d) => int(d.headers.length),
  num_redirects: (d) => int(d.numRedirects),
  redirect_url: (d) => optional(d.redirectUrl),
  referer: () => optional(undefined),
  remote_ip: (d) => text(d.connection?.remoteAddress ?? ''),
  remote_port: (d) => int(d.connection?.remotePort ?? 0),
  response_code: (d) => status(d.status),
  scheme: (d) => optional(d.connection?.scheme.toUpperCase()),
  size_download: (d) => int(d.sizeDownload),
  size_header: (d) => int(d.sizeHeader),
  size_request: (d) => int(d.sizeRequest),
  size_upload: () => int(0),
  speed_download: (d) => int(speed(d.sizeDownload, d.timings.total)),
  speed_upload: () => int(0),
  ssl_verify_result: (d) => int(d.connection?.sslVerifyResult ?? 0),
  time_appconnect: (d) => seconds(d.timings.appconnect),
  time_connect: (d) => seconds(d.timings.connect),
  time_namelookup: (d) => seconds(d.timings.namelookup),
  time_pretransfer: (d) => seconds(d.timings.pretransfer),
  time_redirect: (d) => seconds(d.timings.redirect),
  time_starttransfer: (d) => seconds(d.timings.starttransfer),
  time_total: (d) => seconds(d.timings.total),
  url: (d) => text(d.url),
  url_effective: (d) => text(d.effectiveUrl),
  urlnum: (d) => int(d.urlNum ?? 0),
}

const JSON_KEYS = Object.keys(VARIABLES).sort()

/** The variables %{json} holds, in its key order (curl's: alphabetical). */
export const JSON_VARIABLES: readonly string[] = JSON_KEYS

/** The variable names -w knows, for --help and the README. */
export const WRITE_OUT_VARIABLES: readonly string[] = [...JSON_KEYS, 'header_json', 'json', 'onerror', 'header{name}']

/** %{json}: every variable in one JSON object on one line, keys sorted, as curl prints it (what --json prints too). */
export function writeOutJson(data: WriteOutData): string {
  return `{${JSON_KEYS.map((name) => `${JSON.stringify(name)}:${VARIABLES[name]!(data).json}`).join(',')}}`
}

/**
 * %{header_json}: the last response's fields by lower-cased name, each with its values in order
 * (a repeated field is one entry, where it first appears), one name per line as curl prints it.
 */
export function headerJson(data: WriteOutData): string {
  const fields = new Map<string, string[]>()
  for (const [name, value] of data.headers) {
    const key = name.toLowerCase()
    const values = fields.get(key)
    if (values) values.push(value)
    else fields.set(key, [value])
  }
  const entries = [...fields].map(([name, values]) => `${JSON.stringify(name)}:[${values.map((v) => JSON.stringify(v)).join(',')}]`)
  return `{${entries.join(',\n')}\n}`
}

/**
 * Expand a -w template as curl does: `%{name}`, `%header{name}` (repeated fields joined with
 * ", "), `%{onerror}` (the rest only for a failed transfer), `%%`, and the escapes `\n`, `\r`, `\t`, `\\`. Unknown variables print nothing and are
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
    // %{onerror}: the rest of the template is printed only for a failed transfer.
    if (name === 'onerror') {
      if (data.exitCode === 0) break
      continue
    }
    if (name === 'json') out += writeOutJson(data)
    else if (name === 'header_json') out += headerJson(data)
    else if (VARIABLES[name]) out += VARIABLES[name](data).text
    else warn?.(`unknown --write-out variable: '${name}'`)
  }
  return out
}
