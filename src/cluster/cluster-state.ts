import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** What a running `cluster up` records in its data dir, for `down`, `status`, `kubeconfig` and the next `up`. */
export interface ClusterState {
  name: string
  /** The process serving the cluster; absent once it stopped. */
  pid?: number
  server: string
  port: number
  kubeconfigPath: string
  runtime: string
  storeMode: string
  nodes: number
  startedAt: string
  /** Set by the serving process once every node is Ready. */
  ready: boolean
}

export const stateFile = (dataDir: string) => join(dataDir, 'cluster.json')
export const logFile = (dataDir: string) => join(dataDir, 'cluster.log')

export async function readState(dataDir: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(dataDir), 'utf8')) as ClusterState
  } catch {
    return undefined
  }
}

export async function writeState(dataDir: string, state: ClusterState): Promise<void> {
  await mkdir(dataDir, { recursive: true })
  const tmp = `${stateFile(dataDir)}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n')
  await rename(tmp, stateFile(dataDir))
}

/** Is a process with this pid alive (ours or another user's)? */
export function processAlive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
