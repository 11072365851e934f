import type { KubeObject } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { WorkQueue } from '../controllers/work-queue.ts'
import type { Logger } from '../log/logger.ts'
import { Backoff } from './backoff.ts'
import { jsonEqual } from '../client/json-clone.ts'
import { ContainerStarter } from './container-starter.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import { NodeStatusReporter } from './node-status.ts'
import { ProbeManager } from './probe-manager.ts'
import { FakeProber, NetworkProber } from './prober.ts'
import type { ContainerRuntime } from './runtime/container-runtime.ts'
import { PodSyncer } from './sync-pod.ts'
import { podSource, type PodSource } from './pod-source.ts'
import { StreamServer } from './streaming/stream-server.ts'

export interface KubeletOptions {
  client: ApiClient
  runtime: ContainerRuntime
  nodeName: string
  /**
   * Whose sandboxes and containers on the engine are this kubelet's: the node name, made unique per cluster
   * (several clusters may share one Docker engine and all name their node after the host). Default: nodeName.
   */
  runtimeNode?: string
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
  /** The port of the streaming endpoint (logs, exec, attach, port-forward) on `address`; 0/absent: a free one. */
  streamingPort?: number
  /** The image of the helper container that reaches into a pod's network for port-forward (needs `nc`). */
  portForwardImage?: string
  /**
   * Whether the Events of a container start that goes as planned (Pulling, Pulled, Created, Started) are recorded.
   * Default: yes, except on the fake runtime. A fake pod's start is not something anyone debugs, and those were three
   * Events per pod, more writes than the pod itself (create, binding, status): upstream's kwok records none for its
   * fake pods by default (its default `pod-ready` stage has no `event`). What goes wrong is recorded either way
   * (Failed, BackOff, Unhealthy, Killing…), and the scheduler still records Scheduled.
   */
  routineEvents?: boolean
}

/** What port-forward helpers run by default (busybox has `nc`). */
export const DEFAULT_PORT_FORWARD_IMAGE = 'busybox:1.36'

/** With the runtime's events, how often every container is still looked at (events can be missed). */
const EVENTS_RESYNC_INTERVAL_MS = 10_000
/** How soon a broken event subscription is tried again (polling meanwhile). */
const EVENTS_RETRY_MS = 2_000

/**
 * The kubelet: registers its Node, watches the pods bound to it (through the ApiClient only, so it can run
 * in another process) and converges each with the container runtime. It keeps no state of its own: pods come
 * from the API, containers from the runtime's labels.
 */
export class Kubelet {
  private readonly queue = new WorkQueue(5, 10_000)
  private readonly pods = new Map<string, KubeObject>()
  private source?: PodSource
  private readonly reporter: NodeStatusReporter
  private readonly streams: StreamServer
  private readonly syncer: PodSyncer
  private readonly probes: ProbeManager
  private readonly log: Logger
  private resyncTimer?: NodeJS.Timeout
  /** Unsubscribes from the runtime's change events, when it has them (Docker); undefined: polling. */
  private unwatchRuntime?: () => void
  private stopped = false
  private lastFullResync = 0
  private resyncing = false
  private resyncFailing = false
  private workers: Promise<void>[] = []
  /** A fingerprint of each pod's containers at the last look, to sync only pods whose containers changed. */
  private readonly fingerprints = new Map<string, string>()

  constructor(private readonly opts: KubeletOptions) {
    this.log = opts.log.child({ component: 'kubelet', node: opts.nodeName })
    const recorder = new EventRecorder(opts.client, 'kubelet', opts.nodeName, this.log)
    const prober = opts.runtime.type === 'fake' ? new FakeProber(opts.runtime) : new NetworkProber(opts.runtime)
    this.probes = new ProbeManager(prober, opts.runtime, recorder, (uid) => this.queue.add(uid), this.log)
    const starter = new ContainerStarter(opts.runtime, recorder, new Backoff(), this.log, opts.routineEvents ?? opts.runtime.type !== 'fake')
    this.syncer = new PodSyncer(opts.client, opts.runtime, starter, recorder, new Backoff(), this.probes, opts, this.log)
    this.reporter = new NodeStatusReporter(opts.client, opts.runtime, { name: opts.nodeName, address: opts.address, dataDir: opts.dataDir, labels: opts.nodeLabels }, this.log)
    this.streams = new StreamServer({
      runtime: opts.runtime,
      findPod: (namespace, name) => [...this.pods.values()].find((p) => p.metadata.namespace === namespace && p.metadata.name === name),
      address: opts.address,
      port: opts.streamingPort,
      portForwardImage: opts.portForwardImage ?? DEFAULT_PORT_FORWARD_IMAGE,
      containerLabels: opts.containerLabels,
      log: this.log,
    })
  }

  get nodeName(): string {
    return this.opts.nodeName
  }

  private get runtimeNode(): string {
    return this.opts.runtimeNode ?? this.opts.nodeName
  }

  async start(): Promise<void> {
    this.reporter.kubeletPort = await this.streams.start()
    await this.reporter.start()
    // The pods bound to this node (a field-selected watch, or a share of one in-process watch: pod-source.ts).
    this.source = podSource(this.opts.client, this.opts.nodeName, {
      add: (pod) => this.track(pod),
      update: (pod, old) => {
        // The echo of this kubelet's own status write (nothing else changed): nothing to do.
        if (!differSemantically(old, pod) && this.syncer.isOwnStatus(pod)) this.pods.set(pod.metadata.uid!, pod)
        else this.track(pod)
      },
      delete: (pod) => {
        this.pods.delete(pod.metadata.uid!)
        this.queue.add(pod.metadata.uid!)
      },
    }, this.log)
    await this.source.hasSynced
    for (let i = 0; i < (this.opts.workers ?? 8); i++) this.workers.push(this.work())
    await this.watchRuntime()
    this.resyncTimer = setInterval(() => {
      // With the engine's events a full look is only a safety net; without them it is how exits are noticed.
      if (this.unwatchRuntime && Date.now() - this.lastFullResync < EVENTS_RESYNC_INTERVAL_MS) return
      void this.safeResync()
    }, this.opts.resyncIntervalMs ?? 1000)
    this.resyncTimer.unref()
    // An engine that does not answer is no reason not to run: the node reports NotReady, and resyncs go on trying.
    await this.safeResync()
    this.log.info('kubelet started')
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.resyncTimer)
    this.unwatchRuntime?.()
    this.unwatchRuntime = undefined
    this.source?.stop()
    this.reporter.stop()
    this.probes.stop()
    this.queue.stop()
    await Promise.all(this.workers)
    await this.streams.stop()
  }

  /** Stops and removes every container of this node's pods (`--cleanup`, `cluster down`). */
  async removeAllContainers(): Promise<void> {
    const sandboxes = (await this.opts.runtime.listSandboxes()).filter((s) => s.node === this.runtimeNode)
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
  /**
   * Subscribes to the runtime's change events (Docker's event stream), each of which syncs the pod it names:
   * exits are seen at once, and the engine is not polled every second. When the stream breaks (the engine
   * restarted or went away) the kubelet polls until it can subscribe again.
   */
  private async watchRuntime(): Promise<void> {
    const runtime = this.opts.runtime
    if (!runtime.watchChanges || this.stopped) return
    const retry = () => {
      if (!this.stopped) setTimeout(() => void this.watchRuntime(), EVENTS_RETRY_MS).unref()
    }
    try {
      const unwatch = await runtime.watchChanges(
        { node: this.runtimeNode },
        (uid) => this.queue.add(uid),
        (err) => {
          if (this.unwatchRuntime !== unwatch) return
          this.unwatchRuntime = undefined
          this.log.info({ err: err.message }, 'runtime events lost; polling')
          retry()
        },
      )
      if (this.stopped) return unwatch()
      this.unwatchRuntime = unwatch
      // What changed before the subscription: one full look.
      this.lastFullResync = 0
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'runtime events unavailable; polling')
      retry()
    }
  }

  /** One resync at a time (a slow engine must not pile them up); failures are logged once until it answers again. */
  private async safeResync(): Promise<void> {
    if (this.resyncing) return
    this.resyncing = true
    try {
      await this.resync()
      if (this.resyncFailing) this.log.info('resync works again')
      this.resyncFailing = false
    } catch (err) {
      this.log[this.resyncFailing ? 'debug' : 'warn']({ err: (err as Error).message }, 'resync failed')
      this.resyncFailing = true
    } finally {
      this.resyncing = false
    }
  }

  private async resync(): Promise<void> {
    this.lastFullResync = Date.now()
    // Only this node's: other kubelets (and other clusters) may share the engine, and listing inspects each one.
    const node = this.runtimeNode
    const [sandboxes, containers] = await Promise.all([this.opts.runtime.listSandboxes({ node }), this.opts.runtime.listContainers({ node })])
    const mine = sandboxes.filter((s) => s.node === node)
    const byPod = new Map<string, string[]>()
    const note = (uid: string, what: string) => {
      const list = byPod.get(uid) ?? []
      list.push(what)
      byPod.set(uid, list)
    }
    for (const c of containers) note(c.podUid, `${c.id}:${c.state}`)
    for (const s of mine) note(s.podUid, `${s.id}:${s.state}`) // a sandbox that died takes the pod's network with it
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

/** What of a pod the kubelet acts on, apart from its status (upstream's podsDifferSemantically). */
function differSemantically(a: KubeObject, b: KubeObject): boolean {
  return (
    !jsonEqual(a.spec, b.spec) ||
    !jsonEqual(a.metadata.labels, b.metadata.labels) ||
    !jsonEqual(a.metadata.annotations, b.metadata.annotations) ||
    a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
    a.metadata.deletionGracePeriodSeconds !== b.metadata.deletionGracePeriodSeconds ||
    a.metadata.uid !== b.metadata.uid
  )
}
