import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { onTestFinished } from 'vitest'

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

/** A temporary directory, removed when the test finishes. */
export function tempDir(prefix = 'netkit-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Write `files` (name -> contents) into a temporary directory; returns their paths by name. */
export function tempFiles(files: Record<string, string | Uint8Array>): Record<string, string> {
  const dir = tempDir('netkit-files-')
  const paths: Record<string, string> = {}
  for (const [name, contents] of Object.entries(files)) {
    paths[name] = path.join(dir, name)
    writeFileSync(paths[name]!, contents)
  }
  return paths
}
