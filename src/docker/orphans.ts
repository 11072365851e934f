import { hostname } from 'node:os'
import { connectDocker } from './connect.ts'

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // alive, owned by someone else
  }
}

/**
 * Removes containers that a kubebox process on this host made and that outlived it (a crashed test runner,
 * a killed `cluster up`): their owner pid is gone. Returns how many were removed. Quiet when no engine answers.
 * `keep`: names of containers to leave (the caller replaces them itself).
 */
export async function removeOrphanContainers(socketPath?: string, opts: { keep?: string[] } = {}): Promise<number> {
  let removed = 0
  try {
    const docker = await connectDocker(socketPath)
    const found = await docker.listContainers({ all: true, filters: { label: ['dev.kubebox.owner-pid', `dev.kubebox.owner-host=${hostname()}`] } })
    const keep = new Set(opts.keep?.map((name) => `/${name}`))
    const orphans = found.filter((c) => {
      const pid = Number(c.Labels['dev.kubebox.owner-pid'])
      return Number.isInteger(pid) && !isAlive(pid) && !c.Names?.some((n) => keep.has(n))
    })
    // All at once: the engine removes them in parallel.
    await Promise.all(orphans.map((c) => docker.getContainer(c.Id).remove({ force: true }).then(() => removed++, () => {})))
  } catch {
    // No engine: nothing of ours can be running in it.
  }
  return removed
}

/** Removes every container of one cluster (`cluster down`), whoever owns it. */
export async function removeClusterContainers(cluster: string, socketPath?: string): Promise<number> {
  let removed = 0
  try {
    const docker = await connectDocker(socketPath)
    const found = await docker.listContainers({ all: true, filters: { label: [`dev.kubebox.cluster=${cluster}`, `dev.kubebox.owner-host=${hostname()}`] } })
    for (const c of found) await docker.getContainer(c.Id).remove({ force: true }).then(() => removed++, () => {})
  } catch {}
  return removed
}
