import { hostname } from 'node:os'
import { join } from 'node:path'
import type { ApiClient } from '../client/api-client.ts'
import { Kubelet } from '../kubelet/kubelet.ts'
import type { ContainerRuntime } from '../kubelet/runtime/container-runtime.ts'
import { createRuntime, dockerAnswers, type RuntimeType } from '../kubelet/runtime/create-runtime.ts'
import type { Logger } from '../log/logger.ts'

export interface KubeletsOptions {
  client: ApiClient
  /** `auto`: Docker when an engine answers, else no kubelet. */
  runtime: RuntimeType | 'auto' | 'none'
  nodes: number
  /** The first node's name (default: the host name); more nodes get `-2`, `-3`… */
  nodeName?: string
  nodeAddress: string
  podInfraImage: string
  /** The image of the port-forward helper (default: the kubelet's). */
  portForwardImage?: string
  dataDir: string
  dockerSocket?: string
  containerLabels?: Record<string, string>
  /** Makes the nodes' identities on the engine unique to this cluster (e.g. its name, or its data dir). */
  runtimeScope?: string
  log: Logger
}

/** Picks the runtime and starts `nodes` kubelets on it, together (several nodes may share one engine, as kind's do). */
export async function startKubelets(opts: KubeletsOptions): Promise<{ kubelets: Kubelet[]; runtime?: ContainerRuntime }> {
  let type = opts.runtime
  if (type === 'auto') {
    type = (await dockerAnswers(opts.dockerSocket)) ? 'docker' : 'none'
    if (type === 'none') opts.log.warn('no Docker engine answers: serving the API without a kubelet (use --runtime fake for simulated nodes)')
  }
  if (type === 'none' || opts.nodes < 1) return { kubelets: [] }
  const runtime = await createRuntime(type, { dockerSocket: opts.dockerSocket })
  const base = (opts.nodeName ?? hostname()).toLowerCase()
  const kubelets: Kubelet[] = []
  for (let i = 1; i <= opts.nodes; i++) {
    const nodeName = i === 1 ? base : `${base}-${i}`
    kubelets.push(new Kubelet({
      client: opts.client,
      runtime,
      nodeName,
      address: opts.nodeAddress,
      dataDir: join(opts.dataDir, 'kubelet', nodeName),
      podInfraImage: opts.podInfraImage,
      portForwardImage: opts.portForwardImage,
      containerLabels: opts.containerLabels,
      runtimeNode: opts.runtimeScope ? `${opts.runtimeScope}/${nodeName}` : nodeName,
      log: opts.log,
    }))
  }
  // Side by side: each registers its node and reports its status on its own.
  const started = await Promise.allSettled(kubelets.map((k) => k.start()))
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) {
    await Promise.all(kubelets.map((k) => k.stop().catch(() => {})))
    throw failed.reason
  }
  return { kubelets, runtime }
}
