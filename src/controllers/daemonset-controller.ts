import type { KubeObject } from '../api/meta.ts'
import { matchesLabels, selectorFromLabelSelectorObject, type LabelSelector } from '../apiserver/selectors/label-selector.ts'
import { core, type ApiClient } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { jsonClone } from '../client/json-clone.ts'
import { ApiError } from '../errors/api-error.ts'
import { checkNodeAffinity, toleratesTaint } from '../scheduler/fit.ts'
import { Controller, type Result } from './controller.ts'
import { claimObjects, controllerRefOf, newControllerRef } from './controller-ref.ts'
import { Expectations } from './expectations.ts'
import { ObjectIndex } from './object-index.ts'
import { isPodAvailable, isPodReady, isPodTerminal, podKey } from './pod-state.ts'
import { canonical, podFromTemplate } from './pod-template.ts'
import { currentRevision, ownedRevisions, REVISION_LABEL, REVISIONS, truncateHistory } from './controller-revisions.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import type { WorkloadControllerOptions } from './replicaset-controller.ts'

const PODS = core('pods')
const NODES = core('nodes')
const DAEMONSETS = { group: 'apps', version: 'v1', resource: 'daemonsets' }
const TEMPLATE_GENERATION_LABEL = 'pod-template-generation'

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`

/** util.AddOrUpdateDaemonPodTolerations: what every daemon pod tolerates. */
export function addDaemonTolerations(spec: any): void {
  const add: any[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ]
  if (spec.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' })
  const tolerations: any[] = spec.tolerations ?? []
  for (const t of add) if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect && (x.operator ?? 'Equal') === t.operator)) tolerations.push(t)
  spec.tolerations = tolerations
}

/** util.ReplaceDaemonSetPodNodeNameNodeAffinity: the pod may only go to this node; the scheduler binds it. */
export function pinToNode(spec: any, nodeName: string): void {
  spec.affinity ??= {}
  spec.affinity.nodeAffinity ??= {}
  spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  }
}

/** nodeShouldRunDaemonPod: should a daemon pod be created there, and may one already there keep running? */
export function nodeShouldRun(template: any, node: KubeObject): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = jsonClone(template?.spec ?? {})
  addDaemonTolerations(spec)
  const pod: KubeObject = { metadata: {}, spec }
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false }
  if (checkNodeAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false }
  let shouldRun = true
  for (const taint of node.spec?.taints ?? []) {
    if (taint?.effect !== 'NoSchedule' && taint?.effect !== 'NoExecute') continue
    if (spec.tolerations.some((t: any) => toleratesTaint(t, taint))) continue
    if (taint.effect === 'NoExecute') return { shouldRun: false, shouldContinueRunning: false }
    shouldRun = false
  }
  return { shouldRun, shouldContinueRunning: true }
}

/** The node a daemon pod is bound to, or the one its node affinity names. */
export function nodeOfPod(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [])
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0]
  return undefined
}

/** intstr.GetScaledValueFromIntOrPercent, rounding up. */
function scaled(value: unknown, total: number, fallback: number): number {
  if (value === undefined || value === null) return fallback
  if (typeof value === 'number') return value
  const m = /^(\d+)%$/.exec(String(value))
  if (m) return Math.ceil((Number(m[1]) * total) / 100)
  return Number(value) || 0
}

/**
 * Kubernetes' DaemonSet controller (pkg/controller/daemon): one pod per node the template's nodeSelector, required
 * node affinity and tolerations (plus the standard daemon tolerations) allow, pinned there by node affinity for the
 * scheduler to bind; pods on nodes that no longer fit or are gone are deleted. RollingUpdate (maxUnavailable; maxSurge
 * is not implemented) or OnDelete, the template history as ControllerRevisions, and the status
 * `kubectl rollout status` reads.
 */
export class DaemonSetController extends Controller {
  private readonly client: ApiClient
  private readonly informers: InformerFactory
  private readonly recorder: EventRecorder
  private readonly expectations = new Expectations()
  private sets!: ObjectIndex
  private pods!: ObjectIndex
  private revisions!: ObjectIndex
  private nodes = new Map<string, KubeObject>()

  constructor(opts: WorkloadControllerOptions) {
    super('daemonset', opts.log, opts.concurrency ?? 2)
    this.client = opts.client
    this.informers = opts.informers
    this.recorder = new EventRecorder(opts.client, 'daemonset-controller', '', this.log)
  }

  protected async watch(): Promise<void> {
    const setInformer = this.informers.for(DAEMONSETS)
    const podInformer = this.informers.for(PODS)
    const revInformer = this.informers.for(REVISIONS)
    const nodeInformer = this.informers.for(NODES)
    this.sets = ObjectIndex.for(setInformer)
    this.pods = ObjectIndex.for(podInformer)
    this.revisions = ObjectIndex.for(revInformer)
    setInformer.addHandlers({
      add: (s) => this.queue.add(keyOf(s)),
      update: (s) => this.queue.add(keyOf(s)),
      delete: (s) => {
        this.expectations.forget(keyOf(s))
        this.queue.add(keyOf(s))
      },
    })
    const owner = (pod: KubeObject) => {
      const ref = controllerRefOf(pod)
      return ref?.kind === 'DaemonSet' ? `${pod.metadata.namespace}/${ref.name}` : undefined
    }
    const orphan = (pod: KubeObject) => {
      for (const s of this.sets.inNamespace(pod.metadata.namespace!)) {
        const sel = selectorOf(s)
        if (sel && matchesLabels(sel, pod.metadata.labels)) this.queue.add(keyOf(s))
      }
    }
    const gone = (pod: KubeObject) => {
      const key = owner(pod)
      if (!key) return
      this.expectations.deletionObserved(key, podKey(pod))
      this.queue.add(key)
    }
    podInformer.addHandlers({
      add: (pod) => {
        const key = owner(pod)
        if (key) {
          this.expectations.creationObserved(key)
          this.queue.add(key)
        } else if (!controllerRefOf(pod)) orphan(pod)
        if (pod.metadata.deletionTimestamp) gone(pod)
      },
      update: (pod, old) => {
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) gone(pod)
        const oldKey = owner(old)
        const key = owner(pod)
        if (oldKey && oldKey !== key) this.queue.add(oldKey)
        if (key) this.queue.add(key)
        else if (!controllerRefOf(pod)) orphan(pod)
      },
      delete: gone,
    })
    const nodeChanged = (node: KubeObject, deleted = false) => {
      if (deleted) this.nodes.delete(node.metadata.name!)
      else this.nodes.set(node.metadata.name!, node)
      for (const s of this.sets.all()) this.queue.add(keyOf(s))
    }
    nodeInformer.addHandlers({ add: (n) => nodeChanged(n), update: (n) => nodeChanged(n), delete: (n) => nodeChanged(n, true) })
    await Promise.all([setInformer.hasSynced, podInformer.hasSynced, revInformer.hasSynced, nodeInformer.hasSynced])
  }

  protected reconcile(key: string): Promise<Result | void> {
    return requeueOnConflict(this.log, key, () => this.sync(key))
  }

  private async sync(key: string): Promise<Result | void> {
    const [namespace, name] = key.split('/') as [string, string]
    const cached = this.sets.get(namespace, name)
    if (!cached) {
      this.expectations.forget(key)
      return
    }
    if (cached.metadata.deletionTimestamp) return
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', ...jsonClone(cached) }
    const selector = selectorOf(ds)
    if (!selector) return
    const ref = newControllerRef(ds, 'apps/v1', 'DaemonSet')
    const owned = this.pods.ownedBy(ds.metadata.uid!).filter((p) => controllerRefOf(p)?.uid === ds.metadata.uid)
    const pods = await claimObjects({ client: this.client, resource: PODS, owner: ds, ownerRef: ref, selects: (p) => matchesLabels(selector, p.metadata.labels) }, owned, this.pods.orphansIn(namespace))
    const { revision, collisionCount } = await this.revisionFor(ds)
    const hash = revision.metadata.labels![REVISION_LABEL]!
    const byNode = new Map<string, KubeObject[]>()
    for (const p of pods) {
      if (p.metadata.deletionTimestamp) continue
      const n = nodeOfPod(p) ?? ''
      byNode.set(n, [...(byNode.get(n) ?? []), p])
    }
    let result: Result | void = undefined
    if (this.expectations.satisfied(key)) result = await this.manage(ds, key, byNode, hash)
    await this.writeStatus(ds, this.computeStatus(ds, byNode, hash, collisionCount))
    await this.truncateHistory(ds, hash, pods)
    return result
  }

  private revisionFor(ds: KubeObject): Promise<{ revision: KubeObject; collisionCount: number }> {
    return currentRevision(this.client, ds, 'DaemonSet', ownedRevisions(this.revisions, ds))
  }


  /** manage + rollingUpdate: create on nodes lacking a pod, delete where none should run, replace old pods. */
  private async manage(ds: KubeObject, key: string, byNode: Map<string, KubeObject[]>, hash: string): Promise<Result | void> {
    const toCreate: string[] = []
    const toDelete: KubeObject[] = []
    let requeueAfterMs: number | undefined
    const shouldRunOn = new Set<string>()
    for (const node of this.nodes.values()) {
      const nodeName = node.metadata.name!
      const { shouldRun, shouldContinueRunning } = nodeShouldRun(ds.spec?.template, node)
      const here = byNode.get(nodeName) ?? []
      if (shouldRun) shouldRunOn.add(nodeName)
      if (shouldRun && here.length === 0) toCreate.push(nodeName)
      else if (shouldContinueRunning && here.length) {
        const failed = here.filter(isPodTerminal)
        toDelete.push(...failed)
        const alive = here.filter((p) => !isPodTerminal(p)).sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? ''))
        toDelete.push(...alive.slice(1)) // one daemon pod per node: the oldest stays
        if (shouldRun && failed.length && !alive.length) requeueAfterMs = 1000 // recreate after a short back-off
      } else if (!shouldContinueRunning) toDelete.push(...here)
    }
    for (const [nodeName, here] of byNode) if (!this.nodes.has(nodeName)) toDelete.push(...here) // the node is gone (or none named)

    // RollingUpdate: old pods on nodes that should run one, within maxUnavailable.
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && toCreate.length === 0) {
      const desired = shouldRunOn.size
      const maxUnavailable = Math.max(1, scaled(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired, 1))
      const minReady = ds.spec?.minReadySeconds ?? 0
      const now = Date.now()
      let unavailable = 0
      const oldAvailable: KubeObject[] = []
      for (const nodeName of shouldRunOn) {
        const pod = (byNode.get(nodeName) ?? []).find((p) => !isPodTerminal(p) && !toDelete.includes(p))
        if (!pod) {
          unavailable++
          continue
        }
        const available = isPodAvailable(pod, minReady, now)
        if (!available) unavailable++
        if (pod.metadata.labels?.[REVISION_LABEL] === hash) continue
        if (!available) toDelete.push(pod)
        else oldAvailable.push(pod)
      }
      for (const pod of oldAvailable) {
        if (unavailable >= maxUnavailable) break
        toDelete.push(pod)
        unavailable++
      }
    }

    const ns = ds.metadata.namespace!
    if (toCreate.length) {
      this.expectations.expectCreations(key, toCreate.length)
      const ref = newControllerRef(ds, 'apps/v1', 'DaemonSet')
      await Promise.all(
        toCreate.map(async (nodeName) => {
          const pod = podFromTemplate(ds.spec.template, ds.metadata.name!, ref)
          pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [REVISION_LABEL]: hash, [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1) }
          addDaemonTolerations(pod.spec)
          pinToNode(pod.spec, nodeName)
          try {
            const created = await this.client.create(PODS, ns, pod)
            this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`)
          } catch (err) {
            this.expectations.creationObserved(key)
            this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`)
            throw err
          }
        }),
      )
    }
    if (toDelete.length) {
      // One record per key: with creations under way, deletions go untracked (deleting twice is harmless).
      if (!toCreate.length) this.expectations.expectDeletions(key, toDelete.map(podKey))
      await Promise.all(
        toDelete.map(async (pod) => {
          try {
            await this.client.delete(PODS, ns, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } })
            this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`)
          } catch (err) {
            this.expectations.deletionObserved(key, podKey(pod))
            if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return
            throw err
          }
        }),
      )
    }
    if (requeueAfterMs) return { requeueAfterMs }
  }

  private computeStatus(ds: KubeObject, byNode: Map<string, KubeObject[]>, hash: string, collisionCount: number): any {
    const now = Date.now()
    const minReady = ds.spec?.minReadySeconds ?? 0
    let desired = 0
    let current = 0
    let misscheduled = 0
    let ready = 0
    let available = 0
    let updated = 0
    for (const node of this.nodes.values()) {
      const { shouldRun } = nodeShouldRun(ds.spec?.template, node)
      const here = (byNode.get(node.metadata.name!) ?? []).filter((p) => !isPodTerminal(p))
      if (shouldRun) {
        desired++
        if (!here.length) continue
        current++
        const pod = here[0]!
        if (isPodReady(pod)) {
          ready++
          if (isPodAvailable(pod, minReady, now)) available++
        }
        if (pod.metadata.labels?.[REVISION_LABEL] === hash) updated++
      } else if (here.length) misscheduled++
    }
    const status: any = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
    }
    if (collisionCount) status.collisionCount = collisionCount
    if (!status.numberAvailable) delete status.numberAvailable
    if (!status.numberUnavailable) delete status.numberUnavailable
    if (!status.updatedNumberScheduled) delete status.updatedNumberScheduled
    return status
  }

  private async writeStatus(ds: KubeObject, status: any): Promise<void> {
    if (JSON.stringify(canonical(ds.status ?? {})) === JSON.stringify(canonical(status))) return
    try {
      await this.client.update(DAEMONSETS, ds.metadata.namespace!, { ...ds, status }, 'status')
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return
      throw err
    }
  }

  private async truncateHistory(ds: KubeObject, hash: string, pods: KubeObject[]): Promise<void> {
    const live = new Set([hash, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL])])
    await truncateHistory(this.client, ds, ownedRevisions(this.revisions, ds), (r) => live.has(r.metadata.labels?.[REVISION_LABEL]))
  }
}

function selectorOf(ds: KubeObject): LabelSelector | undefined {
  try {
    return selectorFromLabelSelectorObject(ds.spec?.selector)
  } catch {
    return undefined
  }
}
