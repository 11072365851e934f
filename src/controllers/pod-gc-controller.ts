import type { KubeObject } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import type { Informer } from '../client/informer.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import { Controller, type Result } from './controller.ts'

const NODES = core('nodes')
const PODS = core('pods')
/** podgc's quarantineTime: how long a node must stay missing before its pods are deleted. */
export const DEFAULT_ORPHAN_GRACE_MS = 40_000

export interface PodGcOptions {
  /** How long a pod's node must be missing before the pod is deleted. */
  orphanGraceMs?: number
}

const isReady = (node: KubeObject) => (node.status?.conditions ?? []).some((c: any) => c?.type === 'Ready' && c.status === 'True')
const keyOf = (pod: KubeObject) => `${pod.metadata.namespace}/${pod.metadata.name}`

/**
 * Pod garbage collection (Kubernetes' podgc), force-deleting (grace period 0) the pods no kubelet will ever finish:
 * - pods bound to a node that does not exist (gcOrphaned), once it has been missing for the grace period and an
 *   API read (not only the cache) confirms it;
 * - terminating pods that are not bound to any node (gcUnscheduledTerminating);
 * - terminating pods on a node that is not Ready (unreachable: its kubelet cannot confirm the deletion) once their
 *   grace period is over. Upstream does this only for nodes with the `out-of-service` taint; here a NotReady node
 *   is enough, so `kubectl delete pod` on a dead node finishes by itself.
 * Not done: deleting terminated pods above --terminated-pod-gc-threshold, the DisruptionTarget condition.
 */
export class PodGcController extends Controller {
  private readonly orphanGraceMs: number
  /** When each missing node was first noticed missing. */
  private readonly missingSince = new Map<string, number>()
  private nodes!: Informer
  private pods!: Informer

  constructor(
    private readonly client: ApiClient,
    private readonly informers: InformerFactory,
    log: Logger,
    opts: PodGcOptions = {},
  ) {
    super('pod-gc', log)
    this.orphanGraceMs = opts.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS
  }

  protected async watch(): Promise<void> {
    this.nodes = this.informers.for(NODES)
    this.pods = this.informers.for(PODS)
    const pod = (p: KubeObject) => this.needsLook(p) && this.queue.add(keyOf(p))
    this.pods.addHandlers({ add: pod, update: pod })
    this.nodes.addHandlers({
      add: (n) => this.missingSince.delete(n.metadata.name!),
      update: (n, old) => isReady(n) !== isReady(old) && this.enqueuePodsOn(n.metadata.name!, (p) => Boolean(p.metadata.deletionTimestamp)),
      delete: (n) => this.enqueuePodsOn(n.metadata.name!, () => true),
    })
    await Promise.all([this.nodes.hasSynced, this.pods.hasSynced])
    // Pods listed before their nodes looked orphaned, and nodes listed before their pods hid orphans: look again.
    for (const p of this.pods.list()) if (this.needsLook(p)) this.queue.add(keyOf(p))
  }

  /** Could this pod be garbage? (Cheap: cache lookups only.) */
  private needsLook(pod: KubeObject): boolean {
    const nodeName = pod.spec?.nodeName
    if (!nodeName) return Boolean(pod.metadata.deletionTimestamp)
    const node = this.nodes.get('', nodeName)
    return !node || (Boolean(pod.metadata.deletionTimestamp) && !isReady(node))
  }

  private enqueuePodsOn(nodeName: string, filter: (pod: KubeObject) => boolean): void {
    for (const p of this.pods.list()) if (p.spec?.nodeName === nodeName && filter(p)) this.queue.add(keyOf(p))
  }

  protected async reconcile(key: string): Promise<Result | void> {
    const [namespace, name] = key.split('/') as [string, string]
    const pod = this.pods.get(namespace, name)
    if (!pod) return
    const nodeName = pod.spec?.nodeName
    const now = Date.now()
    if (!nodeName) {
      if (pod.metadata.deletionTimestamp) await this.forceDelete(pod, 'terminating and never scheduled')
      return
    }
    const node = this.nodes.get('', nodeName)
    if (!node) {
      let since = this.missingSince.get(nodeName)
      if (since === undefined) this.missingSince.set(nodeName, (since = now))
      if (now - since < this.orphanGraceMs) return { requeueAfterMs: since + this.orphanGraceMs - now + 50 }
      try {
        await this.client.get(NODES, '', nodeName)
        return // it exists: the informer is behind
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err
      }
      await this.forceDelete(pod, `node ${nodeName} no longer exists`)
      return
    }
    if (pod.metadata.deletionTimestamp && !isReady(node)) {
      // deletionTimestamp is when the grace period ends.
      const deadline = Date.parse(pod.metadata.deletionTimestamp)
      if (now < deadline) return { requeueAfterMs: deadline - now + 50 }
      await this.forceDelete(pod, `terminating on node ${nodeName}, which is not ready`)
    }
  }

  private async forceDelete(pod: KubeObject, why: string): Promise<void> {
    try {
      await this.client.delete(PODS, pod.metadata.namespace!, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
      this.log.info({ pod: keyOf(pod), why }, 'garbage-collected pod')
    } catch (err) {
      // Gone already, or a new pod took the name.
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
    }
  }
}
