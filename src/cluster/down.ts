import { rm } from 'node:fs/promises'
import { removeClusterContainers } from '../docker/orphans.ts'
import { removeFromKubeconfig } from '../kubeconfig/merge.ts'
import { processAlive, readState, writeState } from './cluster-state.ts'

const STOP_DEADLINE_MS = 60_000

/**
 * `cluster down`: stops the serving process (it removes its pods' containers and etcd's), removes any
 * container of the cluster still left (a killed process), and with `purge` deletes its data and context.
 */
export async function clusterDown(opts: { name: string; dataDir: string; purge: boolean }): Promise<{ wasRunning: boolean; removedContainers: number }> {
  const state = await readState(opts.dataDir)
  const pid = state?.pid
  const wasRunning = processAlive(pid)
  if (wasRunning && pid) {
    process.kill(pid, 'SIGTERM')
    const deadline = Date.now() + STOP_DEADLINE_MS
    while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    if (processAlive(pid)) process.kill(pid, 'SIGKILL')
  }
  const removedContainers = await removeClusterContainers(opts.name)
  if (state && !opts.purge) await writeState(opts.dataDir, { ...state, pid: undefined, ready: false })
  if (opts.purge) {
    if (state?.kubeconfigPath) await removeFromKubeconfig(state.kubeconfigPath, `kubebox-${opts.name}`)
    await rm(opts.dataDir, { recursive: true, force: true })
  }
  return { wasRunning, removedContainers }
}
