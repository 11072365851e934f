import { join } from 'node:path'
import { ApiServer } from '../apiserver/api-server.ts'
import { EventBus } from '../bus/bus.ts'
import { NamespaceController } from '../controllers/namespace-controller.ts'
import { ServiceAccountController } from '../controllers/serviceaccount-controller.ts'
import { LoopbackClient } from '../client/loopback-client.ts'
import { kubeconfigFor, writeKubeconfig } from '../kubeconfig/kubeconfig.ts'
import type { Logger } from '../log/logger.ts'
import { EtcdStore } from '../store/etcd-store.ts'
import type { Store } from '../store/store.ts'
import type { Kubelet } from '../kubelet/kubelet.ts'
import type { RuntimeType } from '../kubelet/runtime/create-runtime.ts'
import { startKubelets } from './kubelets.ts'

/** The pod sandbox image, as upstream's kubelet defaults it. */
export const DEFAULT_POD_INFRA_IMAGE = 'registry.k8s.io/pause:3.10'

export interface ServeOptions {
  etcdServers: string[]
  port: number
  bindAddress: string
  /** Where to write the kubeconfig (default `<dataDir>/kubeconfig`). */
  kubeconfig?: string
  dataDir: string
  serviceClusterIpRange: string
  log: Logger
  /** A store to use instead of connecting to etcdServers (tests, embedded mode). */
  store?: Store
  /** The kubelets' container runtime: `auto` = Docker when an engine answers, else none. */
  runtime?: RuntimeType | 'auto' | 'none'
  nodes?: number
  nodeName?: string
  nodeAddress?: string
  podInfraImage?: string
  dockerSocket?: string
  /** Remove every container of this cluster's pods when stopping. */
  cleanup?: boolean
}

export interface RunningServer {
  url: string
  port: number
  kubeconfigPath: string
  apiServer: ApiServer
  kubelets: Kubelet[]
  stop(): Promise<void>
}

/**
 * `cluster serve`: the API server on etcd, the controllers the core API needs to behave (namespace
 * deletion, default service accounts) and the kubelets. Start order: store → API server → controllers →
 * kubelets; stop order the reverse.
 */
export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log
  const bus = new EventBus()
  const store = opts.store ?? new EtcdStore({ endpoints: opts.etcdServers })
  const apiServer = new ApiServer({ store, bus, log, serviceClusterIpRange: opts.serviceClusterIpRange })
  await apiServer.start()
  const address = await apiServer.listen(opts.port, opts.bindAddress)
  const host = opts.bindAddress.includes(':') ? `[${opts.bindAddress}]` : opts.bindAddress
  const url = `http://${host}:${address.port}`
  const client = new LoopbackClient(apiServer)
  const controllers = [new NamespaceController(client, bus, log), new ServiceAccountController(client, bus, log)]
  for (const c of controllers) await c.start()
  const { kubelets } = await startKubelets({
    client,
    runtime: opts.runtime ?? 'none',
    nodes: opts.nodes ?? 1,
    nodeName: opts.nodeName,
    nodeAddress: opts.nodeAddress ?? '127.0.0.1',
    podInfraImage: opts.podInfraImage ?? DEFAULT_POD_INFRA_IMAGE,
    dataDir: opts.dataDir,
    dockerSocket: opts.dockerSocket,
    log,
  })
  const kubeconfigPath = opts.kubeconfig ?? join(opts.dataDir, 'kubeconfig')
  await writeKubeconfig(kubeconfigPath, kubeconfigFor(url, 'kubebox'))
  bus.publishLifecycle({ type: 'component.ready', component: 'apiserver' })
  log.info({ url, kubeconfig: kubeconfigPath }, 'API server ready')
  return {
    url,
    port: address.port,
    kubeconfigPath,
    apiServer,
    kubelets,
    async stop() {
      bus.publishLifecycle({ type: 'cluster.stopping' })
      for (const k of kubelets) await k.stop()
      if (opts.cleanup) for (const k of kubelets) await k.removeAllContainers().catch((err) => log.warn({ err: err.message }, 'cleanup failed'))
      for (const c of controllers) c.stop()
      await apiServer.stop()
      if (!opts.store) await store.close()
    },
  }
}
