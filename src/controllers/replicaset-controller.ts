import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import { matchesLabels, selectorFromLabelSelectorObject, type LabelSelector } from '../apiserver/selectors/label-selector.ts'
import { core, type ApiClient } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import { Controller, type Result } from './controller.ts'
import { claimObjects, controllerRefOf, newControllerRef } from './controller-ref.ts'
import { Expectations } from './expectations.ts'
import { ObjectIndex } from './object-index.ts'
import { availableAt, isPodActive, isPodAvailable, isPodReady, podKey } from './pod-state.ts'
import { podFromTemplate } from './pod-template.ts'
import { slowStartBatch } from './slow-start-batch.ts'
import { jsonClone } from '../client/json-clone.ts'

const PODS = core('pods')
const REPLICASETS = { group: 'apps', version: 'v1', resource: 'replicasets' }
/** At most this many pods are created or deleted per sync (burstReplicas). */
const BURST_REPLICAS = 500
const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 }

export interface WorkloadControllerOptions {
  client: ApiClient
  informers: InformerFactory
  log: Logger
  /** Keys reconciled at once (each key by one worker at a time). */
  concurrency?: number
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`
const splitKey = (key: string) => key.split('/') as [string, string]

/**
 * Kubernetes' ReplicaSet controller (pkg/controller/replicaset): keeps `spec.replicas` active pods selected by each
 * ReplicaSet, created from its template with the ReplicaSet as controller, adopting orphans it selects and
 * releasing pods it no longer selects; reports replicas, fullyLabeledReplicas, readyReplicas, availableReplicas
 * (minReadySeconds) and observedGeneration. Expectations keep a burst of creates from being repeated before the
 * pod informer has seen them.
 */
export class ReplicaSetController extends Controller {
  private readonly client: ApiClient
  private readonly informers: InformerFactory
  private readonly recorder: EventRecorder
  private readonly expectations = new Expectations()
  private replicaSets!: ObjectIndex
  private pods!: ObjectIndex

  constructor(opts: WorkloadControllerOptions) {
    super('replicaset', opts.log, opts.concurrency ?? 4)
    this.client = opts.client
    this.informers = opts.informers
    this.recorder = new EventRecorder(opts.client, 'replicaset-controller', '', this.log)
  }

  protected async watch(): Promise<void> {
    const rsInformer = this.informers.for(REPLICASETS)
    const podInformer = this.informers.for(PODS)
    this.replicaSets = ObjectIndex.for(rsInformer)
    this.pods = ObjectIndex.for(podInformer)
    rsInformer.addHandlers({
      add: (rs) => this.queue.add(keyOf(rs)),
      update: (rs) => this.queue.add(keyOf(rs)),
      delete: (rs) => {
        this.expectations.forget(keyOf(rs))
        this.queue.add(keyOf(rs))
      },
    })
    podInformer.addHandlers({
      add: (pod) => (pod.metadata.deletionTimestamp ? this.podGone(pod) : this.podAdded(pod)),
      update: (pod, old) => this.podUpdated(pod, old),
      delete: (pod) => this.podGone(pod),
    })
    await Promise.all([rsInformer.hasSynced, podInformer.hasSynced])
  }

  /** The ReplicaSet that controls a pod, if it is one this controller knows. */
  private owningKey(pod: KubeObject): string | undefined {
    const ref = controllerRefOf(pod)
    if (!ref || ref.kind !== 'ReplicaSet' || !ref.apiVersion.startsWith('apps/')) return undefined
    const rs = this.replicaSets.get(pod.metadata.namespace!, ref.name)
    return rs && rs.metadata.uid === ref.uid ? keyOf(rs) : undefined
  }

  /** getPodReplicaSets: the ReplicaSets that could adopt an orphan. */
  private enqueueSelecting(pod: KubeObject): void {
    for (const rs of this.replicaSets.inNamespace(pod.metadata.namespace!))
      if (selectorOf(rs) && matchesLabels(selectorOf(rs)!, pod.metadata.labels)) this.queue.add(keyOf(rs))
  }

  private podAdded(pod: KubeObject): void {
    if (controllerRefOf(pod)) {
      const key = this.owningKey(pod)
      if (!key) return
      this.expectations.creationObserved(key)
      this.queue.add(key)
    } else this.enqueueSelecting(pod)
  }

  private podUpdated(pod: KubeObject, old: KubeObject): void {
    if (pod.metadata.resourceVersion === old.metadata.resourceVersion) return
    // A pod marked for deletion counts as deleted: the kubelet may take its grace period to confirm.
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.podGone(pod)
    const oldKey = this.owningKey(old)
    const key = this.owningKey(pod)
    if (oldKey && oldKey !== key) this.queue.add(oldKey)
    if (key) this.queue.add(key)
    else if (!controllerRefOf(pod)) this.enqueueSelecting(pod)
  }

  private podGone(pod: KubeObject): void {
    const key = this.owningKey(pod)
    if (!key) return
    this.expectations.deletionObserved(key, podKey(pod))
    this.queue.add(key)
  }

  protected reconcile(key: string): Promise<Result | void> {
    return requeueOnConflict(this.log, key, () => this.sync(key))
  }

  private async sync(key: string): Promise<Result | void> {
    const [namespace, name] = splitKey(key)
    const cached = this.replicaSets.get(namespace, name)
    if (!cached) {
      this.expectations.forget(key)
      return
    }
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', ...jsonClone(cached) }
    const selector = selectorOf(rs)
    if (!selector) return
    const needsSync = this.expectations.satisfied(key)
    const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet')
    const owned = this.pods.ownedBy(rs.metadata.uid!).filter((p) => controllerRefOf(p)?.uid === rs.metadata.uid && isPodActive(p))
    const orphans = this.pods.orphansIn(namespace).filter(isPodActive)
    const pods = await claimObjects({ client: this.client, resource: PODS, owner: rs, ownerRef: ref, selects: (p) => matchesLabels(selector, p.metadata.labels) }, owned, orphans)
    let failure: { reason: string; error: Error } | undefined
    if (needsSync && !rs.metadata.deletionTimestamp) failure = await this.manageReplicas(rs, key, pods)
    const now = Date.now()
    await this.writeStatus(rs, calculateStatus(rs, pods, failure, now))
    if (failure) throw failure.error
    return requeueForAvailability(rs, pods, now)
  }

  /** manageReplicas: creates or deletes pods to reach spec.replicas, at most BURST_REPLICAS per sync. */
  private async manageReplicas(rs: KubeObject, key: string, pods: KubeObject[]): Promise<{ reason: string; error: Error } | undefined> {
    const diff = pods.length - (rs.spec.replicas ?? 1)
    const namespace = rs.metadata.namespace!
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS)
      this.expectations.expectCreations(key, count)
      const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet')
      const { successes, error } = await slowStartBatch(count, 1, async () => {
        const pod = await this.client.create(PODS, namespace, podFromTemplate(rs.spec.template, rs.metadata.name!, ref))
        this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`)
      })
      // The pods never created will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key)
      if (error) {
        this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${error.message}`)
        return { reason: 'FailedCreate', error }
      }
    } else if (diff > 0) {
      const victims = podsToDelete(pods, this.relatedPods(rs), Math.min(diff, BURST_REPLICAS))
      this.expectations.expectDeletions(key, victims.map(podKey))
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await this.client.delete(PODS, namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } })
            this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`)
          } catch (err) {
            this.expectations.deletionObserved(key, podKey(pod))
            if (err instanceof ApiError && err.code === 404) return
            this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`)
            throw err
          }
        }),
      )
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) return { reason: 'FailedDelete', error: failed.reason }
    }
    return undefined
  }

  /** getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller (a Deployment's other revisions). */
  private relatedPods(rs: KubeObject): KubeObject[] {
    const owner = controllerRefOf(rs)
    const siblings = owner ? this.replicaSets.ownedBy(owner.uid).filter((x) => controllerRefOf(x)?.uid === owner.uid) : [rs]
    return siblings.flatMap((x) => this.pods.ownedBy(x.metadata.uid!))
  }

  /** updateReplicaSetStatus: written only when it changed; one retry on a fresh copy after a conflict. */
  private async writeStatus(rs: KubeObject, status: any): Promise<void> {
    status.observedGeneration = rs.metadata.generation ?? 1
    if (sameStatus(rs.status, status)) return
    try {
      await this.client.update(REPLICASETS, rs.metadata.namespace!, { ...rs, status }, 'status')
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return
      if (!(err instanceof ApiError && err.code === 409)) throw err
      const fresh = await this.client.get(REPLICASETS, rs.metadata.namespace!, rs.metadata.name!)
      if (fresh.metadata.uid !== rs.metadata.uid) return
      status.observedGeneration = fresh.metadata.generation ?? 1
      await this.client.update(REPLICASETS, rs.metadata.namespace!, { ...fresh, status }, 'status')
    }
  }
}

function selectorOf(rs: KubeObject): LabelSelector | undefined {
  try {
    return selectorFromLabelSelectorObject(rs.spec?.selector)
  } catch {
    return undefined // validation keeps invalid selectors out; nothing to do for one anyway
  }
}

const sameStatus = (a: any, b: any) => JSON.stringify(normalize(a)) === JSON.stringify(normalize(b))
const normalize = (s: any) => {
  const { replicas = 0, fullyLabeledReplicas = 0, readyReplicas = 0, availableReplicas = 0, observedGeneration = 0, conditions = [] } = s ?? {}
  return [replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration, conditions]
}

/**
 * calculateStatus: counts over the active pods; a ReplicaFailure condition while creating or deleting fails.
 * Zero counts are left out as Go's omitempty does (replicas is always written).
 */
export function calculateStatus(rs: KubeObject, pods: KubeObject[], failure: { reason: string; error: Error } | undefined, now: number): any {
  const templateLabels: Record<string, string> = rs.spec?.template?.metadata?.labels ?? {}
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0
  let fullyLabeled = 0
  let ready = 0
  let available = 0
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {}
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++
    if (isPodReady(pod)) {
      ready++
      if (isPodAvailable(pod, minReadySeconds, now)) available++
    }
  }
  const status: any = { replicas: pods.length }
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled
  if (ready) status.readyReplicas = ready
  if (available) status.availableReplicas = available
  const conditions: any[] = (rs.status?.conditions ?? []).filter((c: any) => c.type !== 'ReplicaFailure')
  const current = (rs.status?.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure')
  if (failure) conditions.push(current ?? { type: 'ReplicaFailure', status: 'True', lastTransitionTime: formatTime(new Date(now)), reason: failure.reason, message: failure.error.message })
  if (conditions.length) status.conditions = conditions
  return status
}

/** With minReadySeconds, a look again when the first ready-but-not-available pod becomes available. */
function requeueForAvailability(rs: KubeObject, pods: KubeObject[], now: number): Result | void {
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0
  if (!minReadySeconds) return
  const pending = pods.map((p) => availableAt(p, minReadySeconds)).filter((t): t is number => t !== undefined && t >= now)
  if (pending.length) return { requeueAfterMs: Math.min(...pending) - now + 1000 }
}

const created = (p: KubeObject) => Date.parse(p.metadata.creationTimestamp ?? '') || Number.MAX_SAFE_INTEGER
const readySince = (p: KubeObject) => Date.parse((p.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.lastTransitionTime ?? '') || Number.MAX_SAFE_INTEGER
const restarts = (p: KubeObject) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c: any) => c.restartCount ?? 0))

/**
 * getPodsToDelete (ActivePodsWithRanks): the `count` pods to delete first — unscheduled before scheduled, pending
 * before running, not ready before ready, those doubled up on a node with related pods first, ready for less time
 * before ready for longer, more restarts first, newer before older.
 */
export function podsToDelete(pods: KubeObject[], related: KubeObject[], count: number): KubeObject[] {
  if (count >= pods.length) return pods
  const onNode = new Map<string, number>()
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec?.nodeName ?? '', (onNode.get(p.spec?.nodeName ?? '') ?? 0) + 1)
  const rank = (p: KubeObject) => onNode.get(p.spec?.nodeName ?? '') ?? 0
  const sorted = [...pods].sort((a, b) => {
    const na = a.spec?.nodeName ?? ''
    const nb = b.spec?.nodeName ?? ''
    if (na !== nb && (!na || !nb)) return na ? 1 : -1
    const pa = PHASE_ORDER[a.status?.phase] ?? 0
    const pb = PHASE_ORDER[b.status?.phase] ?? 0
    if (pa !== pb) return pa - pb
    if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1
    if (rank(a) !== rank(b)) return rank(b) - rank(a)
    if (isPodReady(a) && isPodReady(b) && readySince(a) !== readySince(b)) return readySince(b) - readySince(a)
    if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a)
    return created(b) - created(a)
  })
  return sorted.slice(0, count)
}
