import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { startEtcdContainer, type EtcdNetwork } from '../etcd/etcd-container.ts'
import { startEtcdProcess, type RunningEtcd } from '../etcd/etcd-process.ts'
import { createRuntime, dockerAnswers } from '../kubelet/runtime/create-runtime.ts'
import { DEFAULT_ETCD_IMAGE } from './images.ts'

export type EtcdMode = 'docker' | 'exec' | 'auto'

export interface EtcdChoice {
  mode: EtcdMode
  /** Existing etcd servers: no etcd is started. */
  servers?: string[]
  image?: string
  cluster: string
  dataDir: string
  dockerSocket?: string
  /** The etcd container's network (etcd-container.ts); default KUBEBOX_ETCD_NETWORK, else auto. */
  network?: EtcdNetwork
  onProgress?: (line: string) => void
  /** Called when etcd's container is being started, or its process spawned: etcd takes a few hundred ms more. */
  onStarting?: () => void
  /** Whether a Docker engine answers, when the caller asked already (for `auto`). */
  dockerAnswers?: Promise<boolean>
}

export interface ProvidedEtcd {
  endpoints: string[]
  /** How it runs: `docker`, `exec` or `external`. */
  mode: 'docker' | 'exec' | 'external'
  /** How long the steps of its start took, in ms (the container's). */
  timings?: Record<string, number>
  stop(): Promise<void>
}

/** Is there an executable `etcd` on PATH? (Looked up, not run: running it costs a process start.) */
const etcdOnPath = (): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    if (!dir) return false
    try {
      accessSync(join(dir, 'etcd'), constants.X_OK)
      return true
    } catch {
      return false
    }
  })

/** Thrown when no etcd can be had; its message is the one line a user needs. */
export class NoEtcdError extends Error {}

/**
 * The etcd a cluster runs on: given servers; else a container (`docker`, the default when an engine
 * answers); else the `etcd` binary on PATH (`exec`, as envtest does).
 */
export async function provideEtcd(choice: EtcdChoice): Promise<ProvidedEtcd> {
  if (choice.servers?.length) return { endpoints: choice.servers, mode: 'external', stop: async () => {} }
  let mode = choice.mode
  if (mode === 'auto') mode = (await (choice.dockerAnswers ?? dockerAnswers(choice.dockerSocket))) ? 'docker' : etcdOnPath() ? 'exec' : 'auto'
  if (mode === 'auto')
    throw new NoEtcdError('no Docker engine answers and no `etcd` is on PATH: start Docker, install etcd (apt-get install etcd-server), or pass --etcd-servers URL')
  const dataDir = join(choice.dataDir, 'etcd')
  let etcd: RunningEtcd & { timings?: Record<string, number> }
  if (mode === 'docker') {
    // Pulls go through the Docker runtime, loaded only when the image is missing.
    const images = { pullImage: async (image: string, onProgress?: (line: string) => void) => (await createRuntime('docker', { dockerSocket: choice.dockerSocket })).pullImage(image, onProgress) }
    const network = choice.network ?? (process.env.KUBEBOX_ETCD_NETWORK as EtcdNetwork | undefined) ?? 'auto'
    etcd = await startEtcdContainer({
      image: choice.image ?? DEFAULT_ETCD_IMAGE,
      cluster: choice.cluster,
      dataDir,
      images,
      socketPath: choice.dockerSocket,
      network,
      onProgress: choice.onProgress,
      onContainerStarting: choice.onStarting,
    })
  } else {
    if (!etcdOnPath()) throw new NoEtcdError('--etcd exec needs an `etcd` binary on PATH (Debian/Ubuntu: apt-get install etcd-server)')
    etcd = await startEtcdProcess({ dataDir, onSpawned: choice.onStarting })
  }
  return { endpoints: [etcd.endpoint], mode, timings: etcd.timings, stop: () => etcd.stop() }
}
