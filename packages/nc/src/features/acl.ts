import { lookup } from 'node:dns/promises'
import { readFile } from 'node:fs/promises'
import { BlockList, isIP } from 'node:net'
import { UsageError, parseCount } from '@netkit/shared'

/**
 * Access control for listeners (`--allow`, `--deny`, `--allowfile`, `--denyfile`), as ncat has it:
 * entries are addresses, CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`), address ranges
 * (`10.0.0.1-10.0.0.20`) or host names (resolved once, at start). IPv4 rules also match
 * IPv4-mapped IPv6 peers (`::ffff:10.1.2.3`), which a dual-stack listener reports.
 *
 * A peer is admitted when it matches no deny rule and, if any allow rule exists, some allow rule.
 */

/** The most entries one file may hold: a cap on what a typo (`--allowfile /dev/zero`) can cost. */
export const MAX_ACCESS_ENTRIES = 100_000
/** The largest access file read (bytes). */
export const MAX_ACCESS_FILE_SIZE = 16 * 1024 * 1024

export interface AccessControlOptions {
  /** Entries for `--allow` (each may be a comma-separated list). */
  allow?: readonly string[]
  /** Entries for `--deny`. */
  deny?: readonly string[]
  /** Files with one entry per line (`#` starts a comment). */
  allowFiles?: readonly string[]
  denyFiles?: readonly string[]
  /** Resolve host-name entries (false with `-n`: names are then a usage error). */
  resolveNames?: boolean
}

export interface AccessControl {
  /** True when a peer at `address` may stay connected. */
  admits(address: string | undefined): boolean
  /** Whether any rule exists (a listener can skip the check when none does). */
  readonly active: boolean
}

type Family = 'ipv4' | 'ipv6'

function familyOf(address: string): Family | undefined {
  const f = isIP(address)
  return f === 4 ? 'ipv4' : f === 6 ? 'ipv6' : undefined
}

/** Drop brackets and an IPv6 zone (`fe80::1%eth0`), which BlockList does not take. */
function bare(address: string): string {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  return text.split('%')[0]!
}

/** Split option values and file lines into entries: commas and whitespace separate, `#` comments. */
export function splitEntries(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/[\s,]+/))
    .filter((entry) => entry !== '')
}

/** A CIDR prefix length (0 to max), or undefined when the text is not one. */
function prefixLength(text: string, max: number): number | undefined {
  try {
    return parseCount(text, 'prefix length', 0, max)
  } catch {
    return undefined
  }
}

async function addEntry(list: BlockList, entry: string, source: string, resolveNames: boolean): Promise<void> {
  const slash = entry.indexOf('/')
  if (slash >= 0) {
    const network = bare(entry.slice(0, slash))
    const prefixText = entry.slice(slash + 1)
    const family = familyOf(network)
    const prefix = family ? prefixLength(prefixText, family === 'ipv4' ? 32 : 128) : undefined
    if (!family || prefix === undefined) {
      throw new UsageError(`invalid address range in ${source}: ${JSON.stringify(entry)} (expected CIDR such as 10.0.0.0/8 or 2001:db8::/32)`)
    }
    list.addSubnet(network, prefix, family)
    return
  }
  const dash = entry.indexOf('-')
  if (dash > 0 && familyOf(bare(entry.slice(0, dash)))) {
    const start = bare(entry.slice(0, dash))
    const end = bare(entry.slice(dash + 1))
    const family = familyOf(start)!
    if (familyOf(end) !== family) throw new UsageError(`invalid address range in ${source}: ${JSON.stringify(entry)}`)
    try {
      list.addRange(start, end, family)
    } catch {
      throw new UsageError(`invalid address range in ${source}: ${JSON.stringify(entry)} (start is above end)`)
    }
    return
  }
  const address = bare(entry)
  const family = familyOf(address)
  if (family) {
    list.addAddress(address, family)
    return
  }
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(entry)) {
    throw new UsageError(`invalid address in ${source}: ${JSON.stringify(entry)}`)
  }
  if (!resolveNames) throw new UsageError(`host name in ${source} but name lookups are off (-n): ${entry}`)
  let found: { address: string; family: number }[]
  try {
    found = await lookup(entry, { all: true })
  } catch {
    throw new UsageError(`cannot resolve host name in ${source}: ${entry}`)
  }
  for (const { address: a, family: f } of found) list.addAddress(a, f === 6 ? 'ipv6' : 'ipv4')
}

async function readEntries(path: string, option: string): Promise<string[]> {
  let text: string
  try {
    const data = await readFile(path)
    if (data.length > MAX_ACCESS_FILE_SIZE) throw new UsageError(`${option} file is too large: ${path}`)
    text = data.toString('utf8')
  } catch (err) {
    if (err instanceof UsageError) throw err
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw new UsageError(`cannot read ${option} file ${path}: ${reason}`)
  }
  return splitEntries(text)
}

async function buildList(
  values: readonly string[],
  files: readonly string[],
  option: string,
  resolveNames: boolean,
): Promise<BlockList | undefined> {
  const entries: (readonly [string, string])[] = values.flatMap((v) => splitEntries(v).map((e) => [e, `--${option}`] as const))
  for (const file of files) {
    for (const e of await readEntries(file, `--${option}file`)) entries.push([e, `${file}`] as const)
    if (entries.length > MAX_ACCESS_ENTRIES) throw new UsageError(`too many entries in --${option}file (at most ${MAX_ACCESS_ENTRIES})`)
  }
  if (entries.length === 0 && values.length === 0 && files.length === 0) return undefined
  const list = new BlockList()
  for (const [entry, source] of entries) await addEntry(list, entry, source, resolveNames)
  return list
}

/** Build the access rules from the options (reads files, resolves names). */
export async function createAccessControl(options: AccessControlOptions = {}): Promise<AccessControl> {
  const resolveNames = options.resolveNames ?? true
  const allow = await buildList(options.allow ?? [], options.allowFiles ?? [], 'allow', resolveNames)
  const deny = await buildList(options.deny ?? [], options.denyFiles ?? [], 'deny', resolveNames)
  const matches = (list: BlockList, address: string) => {
    const a = bare(address)
    const family = familyOf(a)
    return family !== undefined && list.check(a, family)
  }
  return {
    active: allow !== undefined || deny !== undefined,
    admits(address) {
      if (!allow && !deny) return true
      // A peer without an IP address (a Unix socket) is judged by the allow list alone.
      if (address === undefined || !familyOf(bare(address))) return !allow
      if (deny && matches(deny, address)) return false
      return allow ? matches(allow, address) : true
    },
  }
}
