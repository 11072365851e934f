import type { KubeObject } from '../api/meta.ts'
import { matchesLabels, selectorFromLabelSelectorObject, type LabelSelector } from '../apiserver/selectors/label-selector.ts'
import { core, type ApiClient } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { jsonClone } from '../client/json-clone.ts'
import { ApiError } from '../errors/api-error.ts'
import { Controller, type Result } from './controller.ts'
import { claimObjects, controllerRefOf, newControllerRef } from './controller-ref.ts'
import { ObjectIndex } from './object-index.ts'
import { isPodReady, isPodTerminal } from './pod-state.ts'
import { canonical } from './pod-template.ts'
import { currentRevision, ownedRevisions, REVISION_LABEL, REVISIONS, truncateHistory } from './controller-revisions.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import type { WorkloadControllerOptions } from './replicaset-controller.ts'

const PODS = core('pods')
const PVCS = core('persistentvolumeclaims')
const STATEFULSETS = { group: 'apps', version: 'v1', resource: 'statefulsets' }

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name'
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index'

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`

/** The ordinal of a pod named `<set>-<n>`, or -1 (getParentNameAndOrdinal). */
export function ordinalOf(setName: string, podName: string): number {
  if (!podName.startsWith(`${setName}-`)) return -1
  const rest = podName.slice(setName.length + 1)
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1
}

const isRunningAndReady = (p: KubeObject) => p.status?.phase === 'Running' && isPodReady(p)
const isTerminating = (p: KubeObject) => Boolean(p.metadata.deletionTimestamp)
const revisionOf = (p: KubeObject) => p.metadata.labels?.[REVISION_LABEL]


/** newStatefulSetPod: pod `<set>-<ordinal>` from a template, with identity labels, hostname/subdomain and claims. */
export function newStatefulSetPod(set: KubeObject, template: any, ordinal: number, revision: string): KubeObject {
  const name = `${set.metadata.name}-${ordinal}`
  const meta = template?.metadata ?? {}
  const spec = jsonClone(template?.spec ?? {})
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...(meta.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec,
  }
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations }
  spec.hostname = name
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName
  const claims: any[] = set.spec?.volumeClaimTemplates ?? []
  if (claims.length) {
    const volumes: any[] = (spec.volumes ?? []).filter((v: any) => !claims.some((c) => c.metadata?.name === v.name))
    for (const c of claims) volumes.push({ name: c.metadata.name, persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}` } })
    spec.volumes = volumes
  }
  return pod
}

/**
 * Kubernetes' StatefulSet controller (pkg/controller/statefulset): pods `<set>-<ordinal>` with stable identity
 * (hostname, subdomain = serviceName, pod-name and pod-index labels), PersistentVolumeClaims `<claim>-<set>-<ordinal>`
 * from volumeClaimTemplates (created, never bound: there is no provisioner), OrderedReady or Parallel pod management,
 * RollingUpdate (highest ordinal first, down to the partition) or OnDelete, the template history as
 * ControllerRevisions and the status `kubectl rollout status` reads.
 */
export class StatefulSetController extends Controller {
  private readonly client: ApiClient
  private readonly informers: InformerFactory
  private readonly recorder: EventRecorder
  private sets!: ObjectIndex
  private pods!: ObjectIndex
  private revisions!: ObjectIndex

  constructor(opts: WorkloadControllerOptions) {
    super('statefulset', opts.log, opts.concurrency ?? 2)
    this.client = opts.client
    this.informers = opts.informers
    this.recorder = new EventRecorder(opts.client, 'statefulset-controller', '', this.log)
  }

  protected async watch(): Promise<void> {
    const setInformer = this.informers.for(STATEFULSETS)
    const podInformer = this.informers.for(PODS)
    const revInformer = this.informers.for(REVISIONS)
    this.sets = ObjectIndex.for(setInformer)
    this.pods = ObjectIndex.for(podInformer)
    this.revisions = ObjectIndex.for(revInformer)
    setInformer.addHandlers({ add: (s) => this.queue.add(keyOf(s)), update: (s) => this.queue.add(keyOf(s)), delete: (s) => this.queue.add(keyOf(s)) })
    const podChanged = (pod: KubeObject) => {
      const ref = controllerRefOf(pod)
      if (ref) {
        if (ref.kind === 'StatefulSet') this.queue.add(`${pod.metadata.namespace}/${ref.name}`)
        return
      }
      for (const s of this.sets.inNamespace(pod.metadata.namespace!)) {
        const sel = selectorOf(s)
        if (sel && matchesLabels(sel, pod.metadata.labels)) this.queue.add(keyOf(s))
      }
    }
    podInformer.addHandlers({
      add: podChanged,
      update: (pod, old) => {
        const oldRef = controllerRefOf(old)
        if (oldRef?.kind === 'StatefulSet' && oldRef.name !== controllerRefOf(pod)?.name) this.queue.add(`${old.metadata.namespace}/${oldRef.name}`)
        podChanged(pod)
      },
      delete: podChanged,
    })
    await Promise.all([setInformer.hasSynced, podInformer.hasSynced, revInformer.hasSynced])
  }

  protected reconcile(key: string): Promise<Result | void> {
    return requeueOnConflict(this.log, key, () => this.sync(key))
  }

  private async sync(key: string): Promise<Result | void> {
    const [namespace, name] = key.split('/') as [string, string]
    const cached = this.sets.get(namespace, name)
    if (!cached || cached.metadata.deletionTimestamp) return
    const set = { apiVersion: 'apps/v1', kind: 'StatefulSet', ...jsonClone(cached) }
    const selector = selectorOf(set)
    if (!selector) return
    const ref = newControllerRef(set, 'apps/v1', 'StatefulSet')
    const owned = this.pods.ownedBy(set.metadata.uid!).filter((p) => controllerRefOf(p)?.uid === set.metadata.uid)
    const orphans = this.pods.orphansIn(namespace)
    const pods = await claimObjects(
      { client: this.client, resource: PODS, owner: set, ownerRef: ref, selects: (p) => matchesLabels(selector, p.metadata.labels) && ordinalOf(name, p.metadata.name!) >= 0 },
      owned,
      orphans,
    )
    const { current, update, collisionCount } = await this.revisionsFor(set)
    await this.updatePods(set, pods, current, update)
    const status = computeStatus(set, this.pods.ownedBy(set.metadata.uid!).filter((p) => controllerRefOf(p)?.uid === set.metadata.uid), current, update, collisionCount)
    await this.writeStatus(set, status)
    await this.truncateHistory(set, status)
    // With minReadySeconds, another look when ready pods have been ready long enough to count as available.
    if (set.spec?.minReadySeconds && status.readyReplicas > status.availableReplicas) return { requeueAfterMs: 1000 }
  }

  /** getStatefulSetRevisions: the current and the update revision, creating the latter when the template is new. */
  private async revisionsFor(set: KubeObject): Promise<{ current: KubeObject; update: KubeObject; collisionCount: number }> {
    const revs = ownedRevisions(this.revisions, set)
    const { revision: update, collisionCount } = await currentRevision(this.client, set, 'StatefulSet', revs)
    const current = revs.find((r) => r.metadata.name === set.status?.currentRevision) ?? update
    return { current, update, collisionCount }
  }

  /** updateStatefulSet (the default, non-MaxUnavailable path). */
  private async updatePods(set: KubeObject, pods: KubeObject[], current: KubeObject, update: KubeObject): Promise<void> {
    const name = set.metadata.name!
    const ns = set.metadata.namespace!
    const replicaCount = set.spec?.replicas ?? 1
    const start = set.spec?.ordinals?.start ?? 0
    const end = start + replicaCount
    const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel'
    const strategy = set.spec?.updateStrategy ?? { type: 'RollingUpdate' }
    const partition = strategy.type === 'RollingUpdate' ? (strategy.rollingUpdate?.partition ?? 0) : 0
    const replicas = new Map<number, KubeObject>()
    const condemned: KubeObject[] = []
    for (const p of pods) {
      const ord = ordinalOf(name, p.metadata.name!)
      if (ord >= start && ord < end) replicas.set(ord, p)
      else condemned.push(p)
    }
    condemned.sort((a, b) => ordinalOf(name, b.metadata.name!) - ordinalOf(name, a.metadata.name!))
    const templateFor = (ord: number) => {
      const useCurrent = strategy.type === 'RollingUpdate' && partition > 0 && ord - start < partition && current.metadata.name !== update.metadata.name
      const rev = useCurrent ? current : update
      return { template: rev.data?.spec?.template ?? set.spec?.template, revision: rev.metadata.name! }
    }
    const isUnhealthy = (p: KubeObject) => !isRunningAndReady(p) || isTerminating(p)

    // Create missing pods (and their claims), recreate failed ones, wait for each in turn when OrderedReady.
    for (let ord = start; ord < end; ord++) {
      const pod = replicas.get(ord)
      if (pod && isPodTerminal(pod) && !isTerminating(pod)) {
        await this.deletePod(set, pod)
        if (monotonic) return
        continue
      }
      if (!pod) {
        const { template, revision } = templateFor(ord)
        const fresh = newStatefulSetPod(set, template, ord, revision)
        await this.createClaims(set, ord)
        try {
          await this.client.create(PODS, ns, fresh)
          this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${fresh.metadata.name} in StatefulSet ${name} successful`)
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 409)) {
            this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${fresh.metadata.name} in StatefulSet ${name} failed error: ${(err as Error).message}`)
            throw err
          }
        }
        if (monotonic) return
        continue
      }
      if (isTerminating(pod) && monotonic) return
      if (!isRunningAndReady(pod) && monotonic) return
    }

    // Scale down from the highest ordinal; when OrderedReady, one at a time and only while everything is healthy.
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return
        continue
      }
      // As upstream: block unless this pod is the first unhealthy one (replicas first, then condemned, highest first).
      const firstUnhealthy = [...replicas.values()].find(isUnhealthy) ?? condemned.find(isUnhealthy)
      if (monotonic && firstUnhealthy && firstUnhealthy !== pod) return
      await this.deletePod(set, pod)
      if (monotonic) return
    }

    if (strategy.type !== 'RollingUpdate') return // OnDelete: the user deletes pods; they come back at the update revision
    // RollingUpdate: from the highest ordinal down to the partition, one pod at a time.
    for (let ord = end - 1; ord >= start + partition; ord--) {
      const pod = replicas.get(ord)
      if (!pod) return
      if (revisionOf(pod) !== update.metadata.name && !isTerminating(pod)) {
        await this.deletePod(set, pod)
        return
      }
      if (!isRunningAndReady(pod) || isTerminating(pod)) return
    }
  }

  private async deletePod(set: KubeObject, pod: KubeObject): Promise<void> {
    try {
      await this.client.delete(PODS, pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } })
      this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`)
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return
      throw err
    }
  }

  /** createPersistentVolumeClaims: each template's claim for the ordinal, when it does not exist yet (left Pending). */
  private async createClaims(set: KubeObject, ord: number): Promise<void> {
    const ns = set.metadata.namespace!
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const claimName = `${t.metadata.name}-${set.metadata.name}-${ord}`
      try {
        await this.client.get(PVCS, ns, claimName)
        continue
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err
      }
      const claim: KubeObject = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claimName, namespace: ns, labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) } },
        spec: jsonClone(t.spec ?? {}),
      }
      if (t.metadata?.annotations) claim.metadata.annotations = { ...t.metadata.annotations }
      const policy = set.spec?.persistentVolumeClaimRetentionPolicy
      if (policy?.whenDeleted === 'Delete') claim.metadata.ownerReferences = [{ ...newControllerRef(set, 'apps/v1', 'StatefulSet'), controller: false }]
      try {
        await this.client.create(PVCS, ns, claim)
        this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${set.metadata.name}-${ord} in StatefulSet ${set.metadata.name} success`)
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409)) throw err
      }
    }
  }

  private async writeStatus(set: KubeObject, status: any): Promise<void> {
    if (JSON.stringify(canonical(set.status ?? {})) === JSON.stringify(canonical(status))) return
    try {
      await this.client.update(STATEFULSETS, set.metadata.namespace!, { ...set, status }, 'status')
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return
      throw err
    }
  }

  /** truncateHistory: keeps revisionHistoryLimit revisions besides the current and update ones and those pods use. */
  private async truncateHistory(set: KubeObject, status: any): Promise<void> {
    const live = new Set([status.currentRevision, status.updateRevision])
    for (const p of this.pods.ownedBy(set.metadata.uid!)) if (revisionOf(p)) live.add(revisionOf(p)!)
    await truncateHistory(this.client, set, ownedRevisions(this.revisions, set), (r) => live.has(r.metadata.name!))
  }
}

/** updateStatefulSetStatus / computeReplicaStatus, with completeRollingUpdate. */
export function computeStatus(set: KubeObject, pods: KubeObject[], current: KubeObject, update: KubeObject, collisionCount: number): any {
  const minReadySeconds = set.spec?.minReadySeconds ?? 0
  const now = Date.now()
  let replicas = 0
  let ready = 0
  let available = 0
  let currentReplicas = 0
  let updated = 0
  for (const p of pods) {
    replicas++
    if (isRunningAndReady(p)) {
      ready++
      const since = Date.parse((p.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.lastTransitionTime ?? '')
      if (!minReadySeconds || (!Number.isNaN(since) && since + minReadySeconds * 1000 <= now)) available++
    }
    if (!isTerminating(p)) {
      if (revisionOf(p) === current.metadata.name) currentReplicas++
      if (revisionOf(p) === update.metadata.name) updated++
    }
  }
  const status: any = {
    observedGeneration: set.metadata.generation ?? 1,
    replicas,
    readyReplicas: ready,
    currentReplicas,
    updatedReplicas: updated,
    availableReplicas: available,
    currentRevision: current.metadata.name,
    updateRevision: update.metadata.name,
    collisionCount,
  }
  if (set.status?.conditions) status.conditions = set.status.conditions
  const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate'
  if (strategy === 'RollingUpdate' && updated === replicas && ready === replicas && replicas === (set.spec?.replicas ?? 1)) {
    status.currentReplicas = updated
    status.currentRevision = update.metadata.name
  }
  return status
}

function selectorOf(set: KubeObject): LabelSelector | undefined {
  try {
    return selectorFromLabelSelectorObject(set.spec?.selector)
  } catch {
    return undefined
  }
}
