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
 */
export async function removeOrphanContainers(socketPath?: string): Promise<number> {
  let removed = 0
  try {
    const docker = await connectDocker(socketPath)
    const found = await docker.listContainers({ all: true, filters: { label: ['dev.kubebox.owner-pid', `dev.kubebox.owner-host=${hostname()}`] } })
    for (const c of found) {
      const pid = Number(c.Labels['dev.kubebox.owner-pid'])
      if (!Number.isInteger(pid) || isAlive(pid)) continue
      await docker.getContainer(c.Id).remove({ force: true }).then(() => removed++, () => {})
    }
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
