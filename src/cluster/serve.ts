import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'
import { ApiServer } from '../apiserver/api-server.ts'
import { EventBus } from '../bus/bus.ts'
import { NamespaceController } from '../controllers/namespace-controller.ts'
import { NodeLifecycleController } from '../controllers/node-lifecycle-controller.ts'
import { PodGcController } from '../controllers/pod-gc-controller.ts'
import { ServiceAccountController } from '../controllers/serviceaccount-controller.ts'
import { DeploymentController } from '../controllers/deployment-controller.ts'
import { EndpointsController } from '../controllers/endpoints-controller.ts'
import { GarbageCollector } from '../controllers/garbage-collector.ts'
import { JobController } from '../controllers/job-controller.ts'
import { StatefulSetController } from '../controllers/statefulset-controller.ts'
import { DaemonSetController } from '../controllers/daemonset-controller.ts'
import { CronJobController } from '../controllers/cronjob-controller.ts'
import { ReplicaSetController } from '../controllers/replicaset-controller.ts'
import { InformerFactory } from '../client/informer-factory.ts'
import { LoopbackClient } from '../client/loopback-client.ts'
import { kubeconfigFor, writeKubeconfig } from '../kubeconfig/kubeconfig.ts'
import type { Logger } from '../log/logger.ts'
import { EtcdStore } from '../store/etcd-store.ts'
import type { Store } from '../store/store.ts'
import type { Kubelet } from '../kubelet/kubelet.ts'
import type { RuntimeType } from '../kubelet/runtime/create-runtime.ts'
import { Scheduler } from '../scheduler/scheduler.ts'
import { DEFAULT_POD_INFRA_IMAGE } from './images.ts'
import { startKubelets } from './kubelets.ts'

export { DEFAULT_POD_INFRA_IMAGE } from './images.ts'

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
  /** The image of the kubelets' port-forward helper (needs `nc`). */
  portForwardImage?: string
  dockerSocket?: string
  /** Remove every container of this cluster's pods when stopping. */
  cleanup?: boolean
  /** How long a node may go without renewing its lease before it is Unknown (--node-monitor-grace-period, 40 s). */
  nodeMonitorGracePeriodMs?: number
  /** How long a pod's node must be missing before pod GC deletes the pod (40 s). */
  podGcOrphanGraceMs?: number
  /** The clock the CronJob controller reads schedules against (tests move it on); default Date.now. */
  cronJobClock?: () => number
  /** Labels put on every container the kubelets make (which cluster and process own them). */
  containerLabels?: Record<string, string>
  /** What makes this cluster's nodes unique on a shared container engine (default: derived from dataDir). */
  runtimeScope?: string
  /** The name of the cluster, context and user in the kubeconfig (default `kubebox`). */
  contextName?: string
  /** The kubelets start once this settles (startCluster: the removal of containers a dead process left). */
  kubeletsAfter?: Promise<unknown>
}

export interface RunningServer {
  url: string
  port: number
  kubeconfigPath: string
  apiServer: ApiServer
  kubelets: Kubelet[]
  /** How long each start-up step took, in ms. */
  timings: Record<string, number>
  stop(): Promise<void>
}

/**
 * `cluster serve`: the API server on etcd, the controllers the core API needs to behave (namespace
 * deletion, default service accounts, node lifecycle, pod GC), the scheduler and the kubelets. Start order:
 * store → API server → controllers, scheduler and kubelets (together: they only talk through the API, and a
 * node registers while the controllers list); stop order the reverse.
 */
export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log
  const timings: Record<string, number> = {}
  let t = performance.now()
  const lap = (name: string) => {
    const now = performance.now()
    timings[name] = Math.round(now - t)
    t = now
  }
  const bus = new EventBus()
  const store = opts.store ?? new EtcdStore({ endpoints: opts.etcdServers })
  const apiServer = new ApiServer({ store, bus, log, serviceClusterIpRange: opts.serviceClusterIpRange })
  lap('apiserverInit')
  await apiServer.start()
  const address = await apiServer.listen(opts.port, opts.bindAddress)
  lap('apiserverStart')
  const host = opts.bindAddress.includes(':') ? `[${opts.bindAddress}]` : opts.bindAddress
  const url = `http://${host}:${address.port}`
  // One client per component, so that managedFields name them as upstream's are named (their User-Agents).
  const client = new LoopbackClient(apiServer, 'kube-controller-manager')
  const informers = new InformerFactory(client, log)
  const controllers = [
    new NamespaceController(client, bus, log),
    new ServiceAccountController(client, bus, log),
    new NodeLifecycleController(client, informers, log, { gracePeriodMs: opts.nodeMonitorGracePeriodMs }),
    new PodGcController(client, informers, log, { orphanGraceMs: opts.podGcOrphanGraceMs }),
    // Workloads: ReplicaSets, Deployments, Jobs, Endpoints/EndpointSlices, and the garbage collector behind them.
    new ReplicaSetController({ client, informers, log }),
    new DeploymentController({ client, informers, log }),
    new JobController({ client, informers, log }),
    new StatefulSetController({ client, informers, log }),
    new DaemonSetController({ client, informers, log }),
    new CronJobController({ client, informers, log, now: opts.cronJobClock }),
    new EndpointsController({ client, informers, log }),
    new GarbageCollector({ client, informers, log }),
  ]
  const scheduler = new Scheduler({ client: new LoopbackClient(apiServer, 'kube-scheduler'), informers, log })
  const kubeconfigPath = opts.kubeconfig ?? join(opts.dataDir, 'kubeconfig')
  const started = {
    controllers: Promise.all(controllers.map((c) => c.start())),
    scheduler: scheduler.start(),
    kubelets: (async () => {
      await opts.kubeletsAfter
      return startKubelets({
        client: new LoopbackClient(apiServer, 'kubelet'),
        runtime: opts.runtime ?? 'none',
        nodes: opts.nodes ?? 1,
        nodeName: opts.nodeName,
        nodeAddress: opts.nodeAddress ?? '127.0.0.1',
        podInfraImage: opts.podInfraImage ?? DEFAULT_POD_INFRA_IMAGE,
        portForwardImage: opts.portForwardImage,
        dataDir: opts.dataDir,
        dockerSocket: opts.dockerSocket,
        containerLabels: opts.containerLabels,
        // A cluster's nodes are told apart from other clusters' on a shared engine by its name, else by its data dir.
        runtimeScope: opts.runtimeScope ?? createHash('sha256').update(resolve(opts.dataDir)).digest('hex').slice(0, 12),
        log,
      })
    })(),
    kubeconfig: writeKubeconfig(kubeconfigPath, kubeconfigFor(url, opts.contextName ?? 'kubebox')),
  }
  // Whatever fails, nothing started is left running.
  const settled = await Promise.allSettled(Object.values(started))
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  const kubelets = (await started.kubelets.catch(() => undefined))?.kubelets ?? []
  if (failed) {
    for (const k of kubelets) await k.stop().catch(() => {})
    await scheduler.stop().catch(() => {})
    for (const c of controllers) c.stop()
    informers.stop()
    await apiServer.stop().catch(() => {})
    if (!opts.store) await store.close().catch(() => {})
    throw failed.reason
  }
  lap('controllersSchedulerKubelets')
  bus.publishLifecycle({ type: 'component.ready', component: 'apiserver' })
  log.info({ url, kubeconfig: kubeconfigPath }, 'API server ready')
  return {
    url,
    port: address.port,
    kubeconfigPath,
    apiServer,
    kubelets,
    timings,
    async stop() {
      bus.publishLifecycle({ type: 'cluster.stopping' })
      for (const k of kubelets) await k.stop()
      if (opts.cleanup) for (const k of kubelets) await k.removeAllContainers().catch((err) => log.warn({ err: err.message }, 'cleanup failed'))
      await scheduler.stop()
      for (const c of controllers) c.stop()
      informers.stop()
      await apiServer.stop()
      if (!opts.store) await store.close()
    },
  }
}
