import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { DEFAULT_ETCD_IMAGE, startEtcdContainer } from '../etcd/etcd-container.ts'
import { startEtcdProcess, type RunningEtcd } from '../etcd/etcd-process.ts'
import { createRuntime, dockerAnswers } from '../kubelet/runtime/create-runtime.ts'

export type EtcdMode = 'docker' | 'exec' | 'auto'

export interface EtcdChoice {
  mode: EtcdMode
  /** Existing etcd servers: no etcd is started. */
  servers?: string[]
  image?: string
  cluster: string
  dataDir: string
  dockerSocket?: string
  onProgress?: (line: string) => void
}

export interface ProvidedEtcd {
  endpoints: string[]
  /** How it runs: `docker`, `exec` or `external`. */
  mode: 'docker' | 'exec' | 'external'
  stop(): Promise<void>
}

const etcdOnPath = (): boolean => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Thrown when no etcd can be had; its message is the one line a user needs. */
export class NoEtcdError extends Error {}

/**
 * The etcd a cluster runs on: given servers; else a container (`docker`, the default when an engine
 * answers); else the `etcd` binary on PATH (`exec`, as envtest does).
 */
export async function provideEtcd(choice: EtcdChoice): Promise<ProvidedEtcd> {
  if (choice.servers?.length) return { endpoints: choice.servers, mode: 'external', stop: async () => {} }
  let mode = choice.mode
  if (mode === 'auto') mode = (await dockerAnswers(choice.dockerSocket)) ? 'docker' : etcdOnPath() ? 'exec' : 'auto'
  if (mode === 'auto')
    throw new NoEtcdError('no Docker engine answers and no `etcd` is on PATH: start Docker, install etcd (apt-get install etcd-server), or pass --etcd-servers URL')
  const dataDir = join(choice.dataDir, 'etcd')
  let etcd: RunningEtcd
  if (mode === 'docker') {
    const images = await createRuntime('docker', { dockerSocket: choice.dockerSocket })
    etcd = await startEtcdContainer({ image: choice.image ?? DEFAULT_ETCD_IMAGE, cluster: choice.cluster, dataDir, images, socketPath: choice.dockerSocket, onProgress: choice.onProgress })
  } else {
    if (!etcdOnPath()) throw new NoEtcdError('--etcd exec needs an `etcd` binary on PATH (Debian/Ubuntu: apt-get install etcd-server)')
    etcd = await startEtcdProcess({ dataDir })
  }
  return { endpoints: [etcd.endpoint], mode, stop: () => etcd.stop() }
}
