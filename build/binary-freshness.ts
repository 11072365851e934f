/** Whether an executable built by build/sea.ts is newer than every file it is built from (for tests and benches that build it only when stale). */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const SOURCES = ['src', 'build/bundle.ts', 'build/sea.ts', 'build/shims', 'package-lock.json']

async function newestSource(): Promise<number> {
  let newest = 0
  const visit = async (path: string): Promise<void> => {
    const s = await stat(path)
    if (s.isDirectory()) for (const entry of await readdir(path)) await visit(join(path, entry))
    else newest = Math.max(newest, s.mtimeMs)
  }
  for (const p of SOURCES) await visit(join(ROOT, p))
  return newest
}

export async function binaryIsCurrent(binary: string): Promise<boolean> {
  const built = await stat(binary).catch(() => undefined)
  return built !== undefined && built.mtimeMs >= (await newestSource())
}
