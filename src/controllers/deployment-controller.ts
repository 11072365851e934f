import type { KubeObject } from '../api/meta.ts'
import { matchesLabels, selectorFromLabelSelectorObject } from '../apiserver/selectors/label-selector.ts'
import { core, type ApiClient } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import { Controller, type Result } from './controller.ts'
import { claimObjects, controllerRefOf, newControllerRef } from './controller-ref.ts'
import { ObjectIndex } from './object-index.ts'
import { jsonClone, jsonEqual } from '../client/json-clone.ts'
import { equalIgnoreHash, POD_TEMPLATE_HASH, templateHash } from './pod-template.ts'
import type { WorkloadControllerOptions } from './replicaset-controller.ts'
import {
  activeOrLatest,
  activeReplicaSets,
  actualReplicas,
  availableScaleDown,
  byCreation,
  calculateStatus,
  DESIRED_REPLICAS,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxScaledDown,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  proportionalSizes,
  removeCondition,
  replicasOf,
  REVISION,
  revisionOf,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
} from './rollout-math.ts'

const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' }
const REPLICASETS = { group: 'apps', version: 'v1', resource: 'replicasets' }
const PODS = core('pods')

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`

/**
 * Kubernetes' Deployment controller (pkg/controller/deployment): one ReplicaSet per pod template (named and
 * labelled by the template's hash, annotated with the revision), rolled by the RollingUpdate (maxSurge /
 * maxUnavailable) or Recreate strategy, scaled proportionally when resized mid-rollout, old revisions cleaned up
 * beyond revisionHistoryLimit. A template put back by `kubectl rollout undo` (a JSON patch of spec.template, since
 * kubectl 1.27 has no rollback subresource) finds its old ReplicaSet again, which gets the next revision.
 * Status: the counts `kubectl rollout status` reads, and the Available and Progressing conditions (with
 * ProgressDeadlineExceeded after progressDeadlineSeconds without progress). Events: ScalingReplicaSet.
 */
export class DeploymentController extends Controller {
  private readonly client: ApiClient
  private readonly informers: InformerFactory
  private readonly recorder: EventRecorder
  private deployments!: ObjectIndex
  private replicaSets!: ObjectIndex
  private pods!: ObjectIndex

  constructor(
    opts: WorkloadControllerOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('deployment', opts.log, opts.concurrency ?? 4)
    this.client = opts.client
    this.informers = opts.informers
    this.recorder = new EventRecorder(opts.client, 'deployment-controller', '', this.log)
  }

  protected async watch(): Promise<void> {
    const dInformer = this.informers.for(DEPLOYMENTS)
    const rsInformer = this.informers.for(REPLICASETS)
    const podInformer = this.informers.for(PODS)
    this.deployments = ObjectIndex.for(dInformer)
    this.replicaSets = ObjectIndex.for(rsInformer)
    this.pods = ObjectIndex.for(podInformer)
    dInformer.addHandlers({ add: (d) => this.queue.add(keyOf(d)), update: (d) => this.queue.add(keyOf(d)), delete: (d) => this.queue.add(keyOf(d)) })
    rsInformer.addHandlers({
      add: (rs) => this.replicaSetChanged(rs),
      update: (rs, old) => {
        this.replicaSetChanged(rs)
        if (controllerRefOf(old)?.uid !== controllerRefOf(rs)?.uid) this.replicaSetChanged(old)
      },
      delete: (rs) => this.replicaSetChanged(rs),
    })
    // Recreate waits for the old pods to be gone before it creates new ones.
    podInformer.addHandlers({ delete: (pod) => this.podDeleted(pod) })
    await Promise.all([dInformer.hasSynced, rsInformer.hasSynced, podInformer.hasSynced])
  }

  private deploymentOf(rs: KubeObject): KubeObject | undefined {
    const ref = controllerRefOf(rs)
    if (!ref || ref.kind !== 'Deployment') return undefined
    const d = this.deployments.get(rs.metadata.namespace!, ref.name)
    return d?.metadata.uid === ref.uid ? d : undefined
  }

  private replicaSetChanged(rs: KubeObject): void {
    if (controllerRefOf(rs)) {
      const d = this.deploymentOf(rs)
      if (d) this.queue.add(keyOf(d))
      return
    }
    // An orphan: every Deployment that selects it may adopt it.
    for (const d of this.deployments.inNamespace(rs.metadata.namespace!)) if (selects(d, rs)) this.queue.add(keyOf(d))
  }

  private podDeleted(pod: KubeObject): void {
    const ref = controllerRefOf(pod)
    const rs = ref?.kind === 'ReplicaSet' ? this.replicaSets.get(pod.metadata.namespace!, ref.name) : undefined
    const d = rs && this.deploymentOf(rs)
    if (d && !isRollingUpdate(d)) this.queue.add(keyOf(d))
  }

  protected reconcile(key: string): Promise<Result | void> {
    return requeueOnConflict(this.log, key, () => this.syncDeployment(key))
  }

  private async syncDeployment(key: string): Promise<Result | void> {
    const [namespace, name] = key.split('/') as [string, string]
    const cached = this.deployments.get(namespace, name)
    if (!cached) return
    const d: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', ...jsonClone(cached) }
    d.status ??= {}
    const sel = d.spec?.selector
    if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.')
      if ((d.status.observedGeneration ?? 0) < (d.metadata.generation ?? 1)) {
        d.status.observedGeneration = d.metadata.generation ?? 1
        await this.writeStatus(d)
      }
      return
    }
    const rsList = await this.replicaSetsFor(d)
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList)
    await this.checkPausedConditions(d)
    if (d.spec.paused) return this.sync(d, rsList)
    if (await this.isScalingEvent(d, rsList)) return this.sync(d, rsList)
    return isRollingUpdate(d) ? this.rolloutRolling(d, rsList) : this.rolloutRecreate(d, rsList)
  }

  /** getReplicaSetsForDeployment: the ReplicaSets it controls, after adopting orphans it selects and releasing others (copies). */
  private async replicaSetsFor(d: KubeObject): Promise<KubeObject[]> {
    const uid = d.metadata.uid!
    const owned = this.replicaSets.ownedBy(uid).filter((rs) => controllerRefOf(rs)?.uid === uid)
    const orphans = this.replicaSets.orphansIn(d.metadata.namespace!)
    const ownerRef = newControllerRef(d, 'apps/v1', 'Deployment')
    const claimed = await claimObjects({ client: this.client, resource: REPLICASETS, owner: d, ownerRef, selects: (rs) => selects(d, rs) }, owned, orphans)
    return claimed.map((rs) => jsonClone(rs))
  }

  // --- the new ReplicaSet and revisions ---

  /**
   * getAllReplicaSetsAndSyncRevision / getNewReplicaSet: the ReplicaSet whose template is the Deployment's (the oldest
   * one, should there be several), its revision brought to max(old)+1 and the Deployment's revision annotation with
   * it; created (sized by the strategy) when there is none and `create` is set.
   */
  private async newAndOld(d: KubeObject, rsList: KubeObject[], create: boolean): Promise<{ newRS?: KubeObject; oldRSs: KubeObject[] }> {
    const existing = [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec.template))
    const oldRSs = rsList.filter((rs) => rs !== existing)
    const newRevision = maxRevision(oldRSs) + 1
    if (existing) {
      const copy = jsonClone(existing)
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true)
      const minReady = d.spec.minReadySeconds ?? 0
      if (annotationsChanged || (copy.spec.minReadySeconds ?? 0) !== minReady) {
        copy.spec.minReadySeconds = minReady
        Object.assign(existing, await this.client.update(REPLICASETS, d.metadata.namespace!, copy))
      }
      let statusChanged = false
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        setCondition(d.status, newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${existing.metadata.name}"`, this.now()))
        statusChanged = true
      }
      await this.persist(d, this.setRevision(d, existing.metadata.annotations?.[REVISION] ?? ''), statusChanged)
      return { newRS: existing, oldRSs }
    }
    if (!create) return { oldRSs }
    const newRS = this.newReplicaSet(d)
    newRS.spec.replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS)
    setNewReplicaSetAnnotations(d, newRS, newRevision, false)
    let createdRS: KubeObject
    let alreadyExisted = false
    try {
      createdRS = await this.client.create(REPLICASETS, d.metadata.namespace!, newRS)
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) {
        if (hasProgressDeadline(d)) {
          setCondition(d.status, newCondition('Progressing', 'False', 'ReplicaSetCreateError', `Failed to create new replica set "${newRS.metadata.name}": ${(err as Error).message}`, this.now()))
          await this.writeStatus(d)
        }
        this.recorder.event(d, 'Warning', 'FailedCreate', `Failed to create new replica set "${newRS.metadata.name}": ${(err as Error).message}`)
        throw err
      }
      // Created by an earlier sync the cache has not shown yet, or a hash collision with someone else's ReplicaSet.
      const found = await this.client.get(REPLICASETS, d.metadata.namespace!, newRS.metadata.name!)
      if (controllerRefOf(found)?.uid !== d.metadata.uid || !equalIgnoreHash(d.spec.template, found.spec?.template)) {
        d.status.collisionCount = (d.status.collisionCount ?? 0) + 1
        await this.writeStatus(d)
        throw new Error(`hash collision for ReplicaSet "${newRS.metadata.name}": collisionCount is now ${d.status.collisionCount}`)
      }
      createdRS = found
      alreadyExisted = true
    }
    if (!alreadyExisted && newRS.spec.replicas > 0)
      this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.metadata.name} from 0 to ${newRS.spec.replicas}`)
    let statusChanged = false
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition(d.status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${createdRS.metadata.name}"`, this.now()))
      statusChanged = true
    }
    await this.persist(d, this.setRevision(d, String(newRevision)), statusChanged)
    return { newRS: createdRS, oldRSs }
  }

  /** The ReplicaSet of the Deployment's current template: `<deployment>-<hash>`, selecting and labelling pods by the hash. */
  private newReplicaSet(d: KubeObject): KubeObject {
    const hash = templateHash(d.spec.template, d.status.collisionCount)
    const template = jsonClone(d.spec.template)
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } }
    const selector = jsonClone(d.spec.selector)
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash }
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    }
  }

  /** SetDeploymentRevision on the local copy; answers whether it changed. */
  private setRevision(d: KubeObject, revision: string): boolean {
    if (!revision || d.metadata.annotations?.[REVISION] === revision) return false
    d.metadata.annotations = { ...d.metadata.annotations, [REVISION]: revision }
    return true
  }

  // --- scaling ---

  /**
   * scaleReplicaSet: writes a ReplicaSet's size with the desired/max-replicas annotations proportional scaling reads
   * back, and records ScalingReplicaSet. The ReplicaSet object is updated in place. Answers whether the size changed.
   */
  private async scaleReplicaSet(rs: KubeObject, size: number, d: KubeObject): Promise<boolean> {
    const from = replicasOf(rs)
    const copy = jsonClone(rs)
    copy.spec.replicas = size
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d))
    if (from === size && !annotationsChanged) return false
    Object.assign(rs, await this.client.update(REPLICASETS, rs.metadata.namespace!, copy))
    if (from !== size) this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${from < size ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${size}`)
    return from !== size
  }

  /** isScalingEvent: a ReplicaSet with pods was last sized for another replica count than the Deployment's. */
  private async isScalingEvent(d: KubeObject, rsList: KubeObject[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.newAndOld(d, rsList, false)
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = Number.parseInt(rs.metadata.annotations?.[DESIRED_REPLICAS] ?? '', 10)
      return !Number.isNaN(desired) && desired !== replicasOf(d)
    })
  }

  /** sync: a paused Deployment or a resize — scale what runs, without rolling anything. */
  private async sync(d: KubeObject, rsList: KubeObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.newAndOld(d, rsList, false)
    await this.scale(d, newRS, oldRSs)
    if (d.spec.paused) await this.cleanup(d, oldRSs)
    await this.syncDeploymentStatus(d, [...oldRSs, newRS], newRS)
  }

  /** DeploymentController.scale: the one active ReplicaSet takes the new size; several share it proportionally. */
  private async scale(d: KubeObject, newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<void> {
    const active = activeOrLatest(newRS, oldRSs)
    if (active) {
      await this.scaleReplicaSet(active, replicasOf(d), d)
      return
    }
    if (isSaturated(d, newRS)) {
      for (const rs of activeReplicaSets(oldRSs)) await this.scaleReplicaSet(rs, 0, d)
      return
    }
    if (!isRollingUpdate(d)) return
    const all = activeReplicaSets([...oldRSs, newRS])
    const sizes = proportionalSizes(d, all)
    for (const rs of all) await this.scaleReplicaSet(rs, sizes.get(rs.metadata.name!)!, d)
  }

  // --- strategies ---

  /** rolloutRolling: grow the new ReplicaSet within maxSurge, shrink old ones within maxUnavailable, one step per sync. */
  private async rolloutRolling(d: KubeObject, rsList: KubeObject[]): Promise<Result | void> {
    const { newRS, oldRSs } = await this.newAndOld(d, rsList, true)
    const all = [...oldRSs, newRS]
    if (newRS && (await this.reconcileNewReplicaSet(d, all, newRS))) return this.syncRolloutStatus(d, all, newRS)
    if (await this.reconcileOldReplicaSets(d, all, activeReplicaSets(oldRSs), newRS)) return this.syncRolloutStatus(d, all, newRS)
    if (deploymentComplete(d, d.status)) await this.cleanup(d, oldRSs)
    return this.syncRolloutStatus(d, all, newRS)
  }

  private async reconcileNewReplicaSet(d: KubeObject, all: (KubeObject | undefined)[], newRS: KubeObject): Promise<boolean> {
    const desired = replicasOf(d)
    if (replicasOf(newRS) === desired) return false
    if (replicasOf(newRS) > desired) return this.scaleReplicaSet(newRS, desired, d)
    return this.scaleReplicaSet(newRS, newRSNewReplicas(d, all, newRS), d)
  }

  /** reconcileOldReplicaSets: first the old pods that are not available anyway, then available ones down to the minimum. */
  private async reconcileOldReplicaSets(d: KubeObject, all: (KubeObject | undefined)[], oldRSs: KubeObject[], newRS: KubeObject | undefined): Promise<boolean> {
    if (specReplicas(oldRSs) === 0) return false
    const budget = maxScaledDown(d, all, newRS)
    if (budget <= 0) return false
    let cleaned = 0
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (cleaned >= budget) break
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0)
      if (replicasOf(rs) === 0 || unhealthy <= 0) continue
      const n = Math.min(budget - cleaned, unhealthy)
      await this.scaleReplicaSet(rs, replicasOf(rs) - n, d)
      cleaned += n
    }
    const toScaleDown = availableScaleDown(d, [...oldRSs, newRS])
    let scaled = 0
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (scaled >= toScaleDown) break
      if (replicasOf(rs) === 0) continue
      const n = Math.min(replicasOf(rs), toScaleDown - scaled)
      await this.scaleReplicaSet(rs, replicasOf(rs) - n, d)
      scaled += n
    }
    return cleaned + scaled > 0
  }

  /** rolloutRecreate: every old pod gone first, then the new ReplicaSet at full size. */
  private async rolloutRecreate(d: KubeObject, rsList: KubeObject[]): Promise<Result | void> {
    let { newRS, oldRSs } = await this.newAndOld(d, rsList, false)
    let scaledDown = false
    for (const rs of activeReplicaSets(oldRSs)) if (await this.scaleReplicaSet(rs, 0, d)) scaledDown = true
    if (scaledDown || this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS)
    if (!newRS) ({ newRS, oldRSs } = await this.newAndOld(d, rsList, true))
    if (newRS) await this.scaleReplicaSet(newRS, replicasOf(d), d)
    if (deploymentComplete(d, d.status)) await this.cleanup(d, oldRSs)
    return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS)
  }

  /** oldPodsRunning: old ReplicaSets still report pods, or pods of theirs have not finished (terminating ones included). */
  private oldPodsRunning(newRS: KubeObject | undefined, oldRSs: KubeObject[]): boolean {
    if (actualReplicas(oldRSs) > 0) return true
    return oldRSs.some(
      (rs) => rs.metadata.uid !== newRS?.metadata.uid && this.pods.ownedBy(rs.metadata.uid!).some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'),
    )
  }

  /** cleanupDeployment: delete the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(d: KubeObject, oldRSs: KubeObject[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit
    if (typeof limit !== 'number') return
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp)
    const diff = alive.length - limit
    if (diff <= 0) return
    alive.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b))
    for (const rs of alive.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue
      this.log.debug({ deployment: d.metadata.name, replicaSet: rs.metadata.name }, 'deleting old replica set')
      await this.client.delete(REPLICASETS, rs.metadata.namespace!, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } }).catch((err) => {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
      })
    }
  }

  // --- status ---

  /** checkPausedConditions: Progressing Unknown with reason DeploymentPaused / DeploymentResumed. */
  private async checkPausedConditions(d: KubeObject): Promise<void> {
    if (!hasProgressDeadline(d)) return
    const cond = getCondition(d.status, 'Progressing')
    if (cond?.reason === 'ProgressDeadlineExceeded') return
    const pausedShown = cond?.reason === 'DeploymentPaused'
    if (d.spec.paused && !pausedShown) setCondition(d.status, newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', this.now()))
    else if (!d.spec.paused && pausedShown) setCondition(d.status, newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', this.now()))
    else return
    await this.writeStatus(d)
  }

  private async syncStatusOnly(d: KubeObject, rsList: KubeObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.newAndOld(d, rsList, false)
    await this.syncDeploymentStatus(d, [...oldRSs, newRS], newRS)
  }

  private async syncDeploymentStatus(d: KubeObject, all: (KubeObject | undefined)[], newRS: KubeObject | undefined): Promise<void> {
    const status = withoutZeros(calculateStatus(all, newRS, d, this.now()))
    if (jsonEqual(d.status, status)) return
    d.status = status
    await this.writeStatus(d)
  }

  /**
   * syncRolloutStatus: status plus the Progressing condition — NewReplicaSetAvailable once complete,
   * ReplicaSetUpdated (its update time refreshed) on progress, ProgressDeadlineExceeded when stuck too long. An
   * unchanged, unfinished rollout is looked at again when its deadline would pass.
   */
  private async syncRolloutStatus(d: KubeObject, all: (KubeObject | undefined)[], newRS: KubeObject | undefined): Promise<Result | void> {
    const now = this.now()
    const status = calculateStatus(all, newRS, d, now)
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing')
    const current = getCondition(d.status, 'Progressing')
    const complete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable'
    if (hasProgressDeadline(d) && !complete) {
      const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`
      if (deploymentComplete(d, status)) {
        setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', `${what} has successfully progressed.`, now))
      } else if (deploymentProgressing(d, status)) {
        const c = newCondition('Progressing', 'True', 'ReplicaSetUpdated', `${what} is progressing.`, now)
        if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime
        removeCondition(status, 'Progressing')
        setCondition(status, c)
      } else if (deploymentTimedOut(d, status, now)) {
        setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', `${what} has timed out progressing.`, now))
      }
    }
    const replicaFailure = all.map((rs) => getCondition(rs?.status, 'ReplicaFailure')).find((c) => c?.status === 'True')
    if (replicaFailure) setCondition(status, { ...replicaFailure, lastUpdateTime: replicaFailure.lastTransitionTime } as any)
    else removeCondition(status, 'ReplicaFailure')
    const next = withoutZeros(status)
    if (jsonEqual(d.status, next)) return this.requeueIfStuck(d, next, now)
    d.status = next
    await this.writeStatus(d)
  }

  /** requeueStuckDeployment: a rollout that is neither complete nor timed out is looked at when its deadline passes. */
  private requeueIfStuck(d: KubeObject, status: any, now: Date): Result | void {
    const cond = getCondition(d.status, 'Progressing')
    if (!hasProgressDeadline(d) || !cond) return
    if (deploymentComplete(d, status) || cond.reason === 'ProgressDeadlineExceeded' || cond.reason === 'NewReplicaSetAvailable') return
    const due = Date.parse(cond.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 - now.getTime()
    return { requeueAfterMs: Math.max(1000, due + 1000) }
  }

  /** Writes the local copy's changed metadata (annotations), then its status; the copy follows the stored object. */
  private async persist(d: KubeObject, metadataChanged: boolean, statusChanged: boolean): Promise<void> {
    if (metadataChanged) {
      const status = d.status
      const stored = await this.client.update(DEPLOYMENTS, d.metadata.namespace!, d)
      d.metadata = stored.metadata
      d.status = status
    }
    if (statusChanged) await this.writeStatus(d)
  }

  private async writeStatus(d: KubeObject): Promise<void> {
    const stored = await this.client.update(DEPLOYMENTS, d.metadata.namespace!, d, 'status')
    d.metadata.resourceVersion = stored.metadata.resourceVersion
  }
}

/** Does the Deployment select this object's labels? */
function selects(d: KubeObject, obj: KubeObject): boolean {
  try {
    return matchesLabels(selectorFromLabelSelectorObject(d.spec?.selector), obj.metadata.labels)
  } catch {
    return false
  }
}

/** Go's omitempty on DeploymentStatus' counters: zero counts are not written. */
function withoutZeros(status: any): any {
  for (const f of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[f] === 0) delete status[f]
  return status
}
