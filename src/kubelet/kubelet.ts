import type { KubeObject } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import { Informer } from '../client/informer.ts'
import { WorkQueue } from '../controllers/work-queue.ts'
import type { Logger } from '../log/logger.ts'
import { Backoff } from './backoff.ts'
import { ContainerStarter } from './container-starter.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import { NodeStatusReporter } from './node-status.ts'
import { ProbeManager } from './probe-manager.ts'
import { FakeProber, NetworkProber } from './prober.ts'
import type { ContainerRuntime } from './runtime/container-runtime.ts'
import { PodSyncer } from './sync-pod.ts'

export interface KubeletOptions {
  client: ApiClient
  runtime: ContainerRuntime
  nodeName: string
  /** The node's address: pods' hostIP, where hostPorts are published. */
  address: string
  /** Where pod volumes are kept. */
  dataDir: string
  podInfraImage: string
  log: Logger
  nodeLabels?: Record<string, string>
  /** Labels put on every sandbox and container (which cluster and process own them). */
  containerLabels?: Record<string, string>
  /** How often every pod's containers are looked at again (exits, restarts). */
  resyncIntervalMs?: number
  /** How many pods are synced at once. */
  workers?: number
}

const PODS = core('pods')

/**
 * The kubelet: registers its Node, watches the pods bound to it (through the ApiClient only, so it can run
 * in another process) and converges each with the container runtime. It keeps no state of its own: pods come
 * from the API, containers from the runtime's labels.
 */
export class Kubelet {
  private readonly queue = new WorkQueue(5, 10_000)
  private readonly pods = new Map<string, KubeObject>()
  private readonly informer: Informer
  private readonly reporter: NodeStatusReporter
  private readonly syncer: PodSyncer
  private readonly probes: ProbeManager
  private readonly log: Logger
  private resyncTimer?: NodeJS.Timeout
  private workers: Promise<void>[] = []
  /** A fingerprint of each pod's containers at the last look, to sync only pods whose containers changed. */
  private readonly fingerprints = new Map<string, string>()

  constructor(private readonly opts: KubeletOptions) {
    this.log = opts.log.child({ component: 'kubelet', node: opts.nodeName })
    const recorder = new EventRecorder(opts.client, 'kubelet', opts.nodeName, this.log)
    const prober = opts.runtime.type === 'fake' ? new FakeProber(opts.runtime) : new NetworkProber(opts.runtime)
    this.probes = new ProbeManager(prober, opts.runtime, recorder, (uid) => this.queue.add(uid), this.log)
    const starter = new ContainerStarter(opts.runtime, recorder, new Backoff(), this.log)
    this.syncer = new PodSyncer(opts.client, opts.runtime, starter, recorder, new Backoff(), this.probes, opts, this.log)
    this.reporter = new NodeStatusReporter(opts.client, opts.runtime, { name: opts.nodeName, address: opts.address, dataDir: opts.dataDir, labels: opts.nodeLabels }, this.log)
    this.informer = new Informer(opts.client, PODS, { fieldSelector: `spec.nodeName=${opts.nodeName}` }, {
      add: (pod) => this.track(pod),
      update: (pod) => this.track(pod),
      delete: (pod) => {
        this.pods.delete(pod.metadata.uid!)
        this.queue.add(pod.metadata.uid!)
      },
    }, this.log)
  }

  get nodeName(): string {
    return this.opts.nodeName
  }

  async start(): Promise<void> {
    await this.reporter.start()
    this.informer.start()
    await this.informer.hasSynced
    for (let i = 0; i < (this.opts.workers ?? 8); i++) this.workers.push(this.work())
    this.resyncTimer = setInterval(() => void this.resync().catch((err) => this.log.warn({ err: err.message }, 'resync failed')), this.opts.resyncIntervalMs ?? 1000)
    this.resyncTimer.unref()
    await this.resync()
    this.log.info('kubelet started')
  }

  async stop(): Promise<void> {
    clearInterval(this.resyncTimer)
    this.informer.stop()
    this.reporter.stop()
    this.probes.stop()
    this.queue.stop()
    await Promise.all(this.workers)
  }

  /** Stops and removes every container of this node's pods (`--cleanup`, `cluster down`). */
  async removeAllContainers(): Promise<void> {
    const sandboxes = (await this.opts.runtime.listSandboxes()).filter((s) => s.node === this.opts.nodeName)
    for (const uid of new Set(sandboxes.map((s) => s.podUid))) await this.syncer.sync(uid, undefined)
  }

  private track(pod: KubeObject): void {
    this.pods.set(pod.metadata.uid!, pod)
    this.queue.add(pod.metadata.uid!)
  }

  /**
   * Looks at every container of this node once: pods whose containers changed (an exit) are synced, and
   * sandboxes of pods that no longer exist are removed (also those left by a kubelet that was down).
   */
  private async resync(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([this.opts.runtime.listSandboxes(), this.opts.runtime.listContainers()])
    const mine = sandboxes.filter((s) => s.node === this.opts.nodeName)
    const byPod = new Map<string, string[]>()
    for (const c of containers) {
      const list = byPod.get(c.podUid) ?? []
      list.push(`${c.id}:${c.state}`)
      byPod.set(c.podUid, list)
    }
    for (const s of mine) if (!this.pods.has(s.podUid)) this.queue.add(s.podUid)
    for (const uid of this.pods.keys()) {
      const fingerprint = (byPod.get(uid) ?? []).sort().join(',')
      if (this.fingerprints.get(uid) !== fingerprint) {
        this.fingerprints.set(uid, fingerprint)
        this.queue.add(uid)
      }
    }
  }

  private async work(): Promise<void> {
    for (let uid = await this.queue.next(); uid !== undefined; uid = await this.queue.next()) {
      try {
        const pod = this.pods.get(uid)
        const { requeueAfterMs } = await this.syncer.sync(uid, pod)
        if (!pod) this.fingerprints.delete(uid)
        this.queue.forget(uid)
        if (requeueAfterMs) this.queue.addAfter(uid, requeueAfterMs)
      } catch (err) {
        this.log.warn({ uid, err: (err as Error).message }, 'pod sync failed; retrying')
        this.queue.addRateLimited(uid)
      } finally {
        this.queue.done(uid)
      }
    }
  }
}
