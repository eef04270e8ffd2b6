import type { CliSpec } from '@netkit/shared'

/**
 * The http-get command line, declared once: yargs builds --help, errors, completion and the man
 * page from it, and the yargs-free fast path parses the common command lines with it.
 */
export const HTTP_GET_CLI = {
  name: 'http-get',
  usage: '$0 [options] URL [URL...]',
  // The URLs are optional here and checked by main: a required positional is checked before
  // strict mode, so `--bogus URL` (the unknown option takes the URL as its value) would say
  // "Not enough non-option arguments" instead of naming the unknown option.
  commands: [
    {
      command: '$0 [urls..]',
      description: 'Fetch URLs with HTTP/1.1 GET over raw TCP/TLS sockets',
      positionals: { urls: { type: 'string', array: true, description: 'http:// or https:// URLs (http:// assumed)' } },
    },
  ],
  options: {
    header: { alias: 'H', type: 'string', array: true, description: "Add or replace a header ('Name: value'); 'Name:' removes a default one" },
    head: { alias: 'I', type: 'boolean', description: 'Send HEAD and print the response head' },
    'user-agent': { alias: 'A', type: 'string', description: 'User-Agent to send' },
    'http1.0': { type: 'boolean', description: 'Send HTTP/1.0 requests' },
    compressed: { type: 'boolean', description: 'Ask for gzip, deflate or br and decode the body' },
    location: { alias: 'L', type: 'boolean', description: 'Follow redirects (301, 302, 303, 307, 308)' },
    'max-redirs': { type: 'string', description: 'Most redirects to follow with -L (default 20)' },
    insecure: { alias: 'k', type: 'boolean', description: 'Do not verify TLS certificates' },
    cacert: { type: 'string', description: 'PEM file of CA certificates to trust instead of the bundled ones' },
    'connect-timeout': { type: 'string', description: 'Limit for connecting, TLS handshake included (10s, 500ms; plain number = seconds)' },
    'max-time': { alias: 'm', type: 'string', description: 'Limit for each whole transfer' },
    output: { alias: 'o', type: 'string', array: true, description: 'Write the body to FILE (once per URL, in order; - is stdout)' },
    'remote-name': { alias: 'O', type: 'count', description: "Write the body to a file named like the URL's last path segment (once per URL)" },
    include: { alias: 'i', type: 'boolean', description: 'Include the status line and headers (and trailers) in the output' },
    silent: { alias: 's', type: 'boolean', description: 'No progress line and no error messages' },
    'show-error': { alias: 'S', type: 'boolean', description: 'With -s, still print error messages' },
    fail: { alias: 'f', type: 'boolean', description: 'Exit 22 on HTTP status >= 400, printing no body' },
    'write-out': { alias: 'w', type: 'string', description: 'Print this after each transfer: %{http_code}, %{json}, %header{name}, … (@file reads it from a file)' },
    json: { type: 'boolean', description: "Print one JSON line per transfer to stderr: the %{json} fields (not curl's --json, which posts a JSON body)" },
    parallel: { type: 'string', description: 'Transfers at once (default 1: in order, keep-alive reuse)' },
  },
  examples: [
    ['$0 -L -o page.html http://example.com/', 'Save a page, following redirects'],
    ["$0 -s -o /dev/null -w '%{http_code} %{time_total}\\n' http://[::1]:8080/", 'Status and time only'],
  ],
  epilog:
    'Exit codes follow curl: 3 bad URL, 6 resolve, 7 connect, 8 bad reply, 18 partial body, 22 -f, 23 write, 28 timeout, 35 TLS, 47 redirects, 52 empty reply, 56 receive, 60 certificate.',
} as const satisfies CliSpec

/** The arguments main reads (both parsers give these keys). */
export interface HttpGetArgs {
  urls?: string[]
  header?: string[]
  head?: boolean
  'user-agent'?: string
  'http1.0'?: boolean
  compressed?: boolean
  location?: boolean
  'max-redirs'?: string
  insecure?: boolean
  cacert?: string
  'connect-timeout'?: string
  'max-time'?: string
  output?: string[]
  'remote-name'?: number
  include?: boolean
  silent?: boolean
  'show-error'?: boolean
  fail?: boolean
  'write-out'?: string
  json?: boolean
  parallel?: string
  verbose: number
}
