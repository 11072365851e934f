import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import { fitErrorMessage, fitsNode, podInfo } from './fit.ts'
import { SchedulerCache, type NodeState } from './scheduler-cache.ts'
import { SchedulingQueue, type QueuedPod } from './scheduling-queue.ts'
import { leastAllocatedScore, MAX_NODE_SCORE, selectHost, spreadScores, totalScore, type Candidate } from './score.ts'

const PODS = core('pods')
const NODES = core('nodes')
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler'
/** How often pods in back-off are looked at (upstream: every second). */
const BACKOFF_FLUSH_MS = 1000
/** How often every unschedulable pod is tried again, whether or not anything changed. */
const UNSCHEDULABLE_RETRY_MS = 30_000
/** Bindings in flight at once: each is an etcd round trip, so a burst is bound in parallel. */
const DEFAULT_PARALLELISM = 64
/** Decisions taken before the loop lets informer events in. */
const DECISIONS_PER_TURN = 64

export interface SchedulerOptions {
  client: ApiClient
  informers: InformerFactory
  log: Logger
  /** The `spec.schedulerName` this scheduler serves. */
  schedulerName?: string
  parallelism?: number
}

const isTerminal = (pod: KubeObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'

/** What of a node the filters look at: when it changes, unschedulable pods may fit now. */
function schedulingView(node: KubeObject): string {
  const ready = (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')?.status
  return JSON.stringify([node.metadata.labels, node.spec?.taints, node.spec?.unschedulable, node.status?.allocatable, ready])
}

/**
 * The scheduler: places each pod that has no `spec.nodeName` (and names this scheduler) on a node, by POSTing a
 * Binding (pods/{name}/binding) — it never talks to kubelets. Filters (fit.ts) keep the nodes the pod fits, scores
 * (score.ts) rank them; a pod that fits nowhere gets `PodScheduled=False` (Unschedulable) and a FailedScheduling
 * event, and is tried again when a node or a pod changes, and every 30 s.
 *
 * It keeps its own view of the cluster from shared informers (SchedulerCache), with running totals per node, and
 * counts each pod against its node as soon as it decides (assume), so decisions need not wait for the binding's
 * round trip and a burst of pods never overcommits a node.
 */
export class Scheduler {
  readonly name: string
  private readonly client: ApiClient
  private readonly log: Logger
  private readonly recorder: EventRecorder
  private readonly cache = new SchedulerCache()
  private readonly queue = new SchedulingQueue(() => this.wake())
  private readonly parallelism: number
  private inflight = 0
  private stopped = false
  private waiter?: () => void
  private moveRequested = false
  private readonly timers: NodeJS.Timeout[] = []
  private loopDone?: Promise<void>

  constructor(private readonly opts: SchedulerOptions) {
    this.name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME
    this.client = opts.client
    this.log = opts.log.child({ component: 'scheduler' })
    this.recorder = new EventRecorder(opts.client, this.name, '', this.log)
    this.parallelism = opts.parallelism ?? DEFAULT_PARALLELISM
  }

  async start(): Promise<void> {
    const nodes = this.opts.informers.for(NODES)
    const pods = this.opts.informers.for(PODS)
    nodes.addHandlers({
      add: (n) => this.onNode(n),
      update: (n, old) => this.onNode(n, old),
      delete: (n) => this.cache.removeNode(n.metadata.name!),
    })
    pods.addHandlers({ add: (p) => this.onPod(p), update: (p) => this.onPod(p), delete: (p) => this.onPodDelete(p) })
    await Promise.all([nodes.hasSynced, pods.hasSynced])
    if (this.stopped) return
    this.every(BACKOFF_FLUSH_MS, () => this.queue.flushBackoff())
    this.every(UNSCHEDULABLE_RETRY_MS, () => this.queue.moveAll())
    this.loopDone = this.loop()
    this.log.info({ nodes: this.cache.nodeCount, pending: this.queue.size }, 'scheduler started')
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    this.wake()
    await this.loopDone
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms)
    t.unref()
    this.timers.push(t)
  }

  private responsibleFor(pod: KubeObject): boolean {
    return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === this.name && !pod.metadata.deletionTimestamp && !isTerminal(pod)
  }

  private onNode(node: KubeObject, old?: KubeObject): void {
    this.cache.setNode(node)
    if (!old || schedulingView(old) !== schedulingView(node)) this.requestMove()
  }

  private onPod(pod: KubeObject): void {
    const uid = pod.metadata.uid!
    const nodeName = pod.spec?.nodeName
    if (nodeName) {
      this.queue.delete(uid)
      // Finished pods take nothing from their node (upstream drops them from its cache).
      if (isTerminal(pod)) {
        if (this.cache.removePod(uid)) this.requestMove()
      } else this.cache.addPod(uid, nodeName, () => podInfo(pod))
      return
    }
    // Bound by us a moment ago: this is an older version than the binding.
    if (this.cache.isAssumed(uid)) return
    if (this.responsibleFor(pod)) this.queue.add(pod)
    else this.queue.delete(uid)
  }

  private onPodDelete(pod: KubeObject): void {
    const uid = pod.metadata.uid!
    this.queue.delete(uid)
    if (this.cache.removePod(uid)) this.requestMove()
  }

  /** Unschedulable pods are tried again: once per turn of the event loop, however many changes arrived. */
  private requestMove(): void {
    if (this.moveRequested) return
    this.moveRequested = true
    setImmediate(() => {
      this.moveRequested = false
      this.queue.moveAll()
    })
  }

  private wake(): void {
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  private async loop(): Promise<void> {
    let turn = 0
    while (!this.stopped) {
      const entry = this.inflight < this.parallelism ? this.queue.pop() : undefined
      if (!entry) {
        await new Promise<void>((resolve) => (this.waiter = resolve))
        continue
      }
      try {
        this.scheduleOne(entry)
      } catch (err) {
        this.log.error({ err: (err as Error).message, pod: entry.pod.metadata.name }, 'scheduling failed')
        this.queue.markBackoff(entry.uid)
      }
      if (++turn >= DECISIONS_PER_TURN) {
        turn = 0
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
  }

  /** One decision (synchronous, so the cache cannot change under it), then the binding, in the background. */
  private scheduleOne(entry: QueuedPod): void {
    const pod = entry.pod
    if (pod.spec?.nodeName || this.cache.isAccounted(entry.uid) || !this.responsibleFor(pod)) {
      this.queue.delete(entry.uid)
      return
    }
    const info = podInfo(pod)
    const feasible: NodeState[] = []
    const reasons: string[][] = []
    for (const s of this.cache.schedulable()) {
      const why = fitsNode(pod, info, s.node, s.allocatable, s)
      if (why.length) reasons.push(why)
      else feasible.push(s)
    }
    if (feasible.length === 0) return this.unschedulable(entry, fitErrorMessage(this.cache.nodeCount, reasons))
    const spread = info.ownerUid ? spreadScores(feasible.map((s) => s.owners.get(info.ownerUid!) ?? 0)) : undefined
    const candidates: Candidate[] = feasible.map((s, i) => ({
      name: s.name,
      score: totalScore(leastAllocatedScore(info.nonZero, s.nonZero, s.allocatable), spread?.[i] ?? MAX_NODE_SCORE),
      pods: s.pods,
    }))
    const host = selectHost(candidates)!
    this.cache.assume(entry.uid, host, info)
    this.inflight++
    void this.bind(entry, host).finally(() => {
      this.inflight--
      this.wake()
    })
  }

  private async bind(entry: QueuedPod, host: string): Promise<void> {
    const pod = entry.pod
    const { namespace = 'default', name, uid } = pod.metadata
    try {
      await this.client.create(
        PODS,
        namespace,
        { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid }, target: { apiVersion: 'v1', kind: 'Node', name: host } },
        'binding',
      )
      this.queue.delete(entry.uid)
      this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${host}`)
    } catch (err) {
      this.cache.forget(entry.uid)
      this.requestMove()
      // Gone, bound by someone else, or being deleted: the informer reports what became of it.
      if (err instanceof ApiError && (err.code === 404 || (err.code === 409 && err.details?.kind === 'pods/binding'))) {
        this.queue.delete(entry.uid)
        return
      }
      this.log.warn({ pod: `${namespace}/${name}`, node: host, err: (err as Error).message }, 'binding failed; retrying after back-off')
      this.queue.markBackoff(entry.uid)
    }
  }

  private unschedulable(entry: QueuedPod, message: string): void {
    this.queue.markUnschedulable(entry.uid)
    this.log.debug({ pod: `${entry.pod.metadata.namespace}/${entry.pod.metadata.name}`, message }, 'pod is unschedulable')
    this.recorder.event(entry.pod, 'Warning', 'FailedScheduling', message)
    void this.setUnschedulableCondition(entry.pod, message).catch((err) =>
      this.log.debug({ pod: entry.pod.metadata.name, err: err.message }, 'could not set PodScheduled=False'),
    )
  }

  /**
   * PodScheduled=False, reason Unschedulable, through pods/status; the other conditions stay. A merge patch replaces
   * the whole list, so it carries the resourceVersion it was computed from and is recomputed on a conflict.
   */
  private async setUnschedulableCondition(pod: KubeObject, message: string): Promise<void> {
    const { namespace = 'default', name } = pod.metadata
    let current = pod
    for (let attempt = 0; attempt < 3; attempt++) {
      if (current.spec?.nodeName || current.metadata.uid !== pod.metadata.uid) return
      const conditions: any[] = current.status?.conditions ?? []
      const old = conditions.find((c) => c?.type === 'PodScheduled')
      if (old?.status === 'False' && old.reason === 'Unschedulable' && old.message === message) return
      const condition = {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : formatTime(),
        reason: 'Unschedulable',
        message,
      }
      const next = old ? conditions.map((c) => (c === old ? condition : c)) : [...conditions, condition]
      try {
        await this.client.patch(PODS, namespace, name!, 'application/merge-patch+json', { metadata: { resourceVersion: current.metadata.resourceVersion }, status: { conditions: next } }, 'status')
        return
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return
        if (!(err instanceof ApiError && err.code === 409)) throw err
      }
      current = await this.client.get(PODS, namespace, name!)
    }
  }
}
