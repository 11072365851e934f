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
}

export interface RunningServer {
  url: string
  port: number
  kubeconfigPath: string
  apiServer: ApiServer
  stop(): Promise<void>
}

/**
 * `cluster serve`: the API server on etcd plus the controllers the core API needs to behave
 * (namespace deletion, default service accounts). Start order: store → API server → controllers.
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
  const kubeconfigPath = opts.kubeconfig ?? join(opts.dataDir, 'kubeconfig')
  await writeKubeconfig(kubeconfigPath, kubeconfigFor(url, 'kubebox'))
  bus.publishLifecycle({ type: 'component.ready', component: 'apiserver' })
  log.info({ url, kubeconfig: kubeconfigPath }, 'API server ready')
  return {
    url,
    port: address.port,
    kubeconfigPath,
    apiServer,
    async stop() {
      bus.publishLifecycle({ type: 'cluster.stopping' })
      for (const c of controllers) c.stop()
      await apiServer.stop()
      if (!opts.store) await store.close()
    },
  }
}
