/**
 * The arithmetic of Deployment rollouts, as pure functions over Deployment and ReplicaSet JSON: maxSurge /
 * maxUnavailable resolution, how far the new ReplicaSet may grow, proportional scaling, status and conditions.
 * Ported from k8s.io/kubernetes pkg/controller/deployment/util/deployment_util.go and sync.go / progress.go, whose
 * rounding rules (surge rounds up, unavailability rounds down, fractions round half away from zero) it keeps.
 */
import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import { jsonClone } from '../client/json-clone.ts'

export type IntOrString = number | string

/** Annotations the deployment controller writes on ReplicaSets (and the revision on the Deployment). */
export const REVISION = 'deployment.kubernetes.io/revision'
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history'
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas'
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas'
/** Never copied from a Deployment to its ReplicaSets (skipCopyAnnotation). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
])

/**
 * intstr.GetScaledValueFromIntOrPercent: an integer as it is, or `N%` of `total`, rounded up or down.
 * Anything else (a string that is not a percentage) is an error, as in Kubernetes.
 */
export function scaledValue(value: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0
  if (typeof value === 'number') return Math.trunc(value)
  const m = /^(-?\d+)%$/.exec(value)
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage (${JSON.stringify(value)})`)
  const scaled = (Number(m[1]) * total) / 100
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled)
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down; both 0 (e.g. 25% of 1 unavailable, 0 surge)
 * would deadlock a rollout, so unavailability becomes 1.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true)
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false)
  if (surge === 0 && unavailable === 0) unavailable = 1
  return { surge, unavailable }
}

export const replicasOf = (o: KubeObject): number => (typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1)
const statusInt = (o: KubeObject | undefined, field: string): number => (o && typeof o.status?.[field] === 'number' ? o.status[field] : 0)
export const isRollingUpdate = (d: KubeObject) => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate'

function fenceposts(d: KubeObject) {
  const ru = d.spec?.strategy?.rollingUpdate ?? {}
  return resolveFenceposts(ru.maxSurge ?? '25%', ru.maxUnavailable ?? '25%', replicasOf(d))
}

/** MaxSurge: how many pods above the desired count a rolling update may run (0 for Recreate). */
export const maxSurge = (d: KubeObject): number => (isRollingUpdate(d) ? fenceposts(d).surge : 0)

/** MaxUnavailable: how many desired pods may be unavailable during a rolling update, never more than desired. */
export function maxUnavailable(d: KubeObject): number {
  const desired = replicasOf(d)
  if (!isRollingUpdate(d) || desired === 0) return 0
  return Math.min(fenceposts(d).unavailable, desired)
}

const sum = (rss: (KubeObject | undefined)[], f: (rs: KubeObject) => number) => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0)
/** Sums of spec.replicas, status.replicas, status.readyReplicas and status.availableReplicas over ReplicaSets. */
export const specReplicas = (rss: (KubeObject | undefined)[]) => sum(rss, replicasOf)
export const actualReplicas = (rss: (KubeObject | undefined)[]) => sum(rss, (rs) => statusInt(rs, 'replicas'))
export const readyReplicas = (rss: (KubeObject | undefined)[]) => sum(rss, (rs) => statusInt(rs, 'readyReplicas'))
export const availableReplicas = (rss: (KubeObject | undefined)[]) => sum(rss, (rs) => statusInt(rs, 'availableReplicas'))

/**
 * NewRSNewReplicas: the size the new ReplicaSet may grow to now. Rolling: up to desired + maxSurge pods in total,
 * never past the desired count. Recreate: the desired count.
 */
export function newRSNewReplicas(d: KubeObject, allRSs: (KubeObject | undefined)[], newRS: KubeObject): number {
  if (!isRollingUpdate(d)) return replicasOf(d)
  const current = specReplicas(allRSs)
  const maxTotal = replicasOf(d) + maxSurge(d)
  if (current >= maxTotal) return replicasOf(newRS)
  const scaleUp = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS))
  return replicasOf(newRS) + scaleUp
}

/**
 * How many old pods a rolling update may take down now (reconcileOldReplicaSets): all pods minus the minimum
 * available and minus the new ReplicaSet's pods that are not available yet.
 */
export function maxScaledDown(d: KubeObject, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d)
  const newUnavailable = newRS ? replicasOf(newRS) - statusInt(newRS, 'availableReplicas') : 0
  return specReplicas(allRSs) - minAvailable - newUnavailable
}

/** Old pods a rolling update may remove because enough are available (scaleDownOldReplicaSetsForRollingUpdate). */
export function availableScaleDown(d: KubeObject, allRSs: (KubeObject | undefined)[]): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d)
  return Math.max(0, availableReplicas(allRSs) - minAvailable)
}

/** integer.RoundToInt32: half away from zero. */
const roundHalfAway = (x: number) => Math.sign(x) * Math.round(Math.abs(x))

/**
 * getReplicaSetFraction: the change of a ReplicaSet's size that keeps its share of the pods when the Deployment is
 * resized mid-rollout, from the max-replicas annotation it was last scaled with (or the Deployment's status).
 */
export function replicaSetFraction(rs: KubeObject, d: KubeObject): number {
  if (replicasOf(d) === 0) return -replicasOf(rs)
  const deploymentReplicas = replicasOf(d) + maxSurge(d)
  const annotated = Number.parseInt(rs.metadata.annotations?.[MAX_REPLICAS] ?? '', 10)
  const base = Number.isNaN(annotated) ? statusInt(d, 'replicas') : annotated
  if (base === 0) return 0
  return roundHalfAway((replicasOf(rs) * deploymentReplicas) / base) - replicasOf(rs)
}

/** GetProportion: a ReplicaSet's part of `toAdd` (may be negative), bounded by what is left of it. */
export function proportion(rs: KubeObject | undefined, d: KubeObject, toAdd: number, added: number): number {
  if (!rs || replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0
  const fraction = replicaSetFraction(rs, d)
  const allowed = toAdd - added
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed)
}

const created = (rs: KubeObject) => Date.parse(rs.metadata.creationTimestamp ?? '') || 0
/** ReplicaSetsByCreationTimestamp: oldest first, ties by name. */
export const byCreation = (a: KubeObject, b: KubeObject) => created(a) - created(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
/** ReplicaSetsBySizeNewer: largest first, newer first on ties (where a scale-up goes). */
const bySizeNewer = (a: KubeObject, b: KubeObject) => replicasOf(b) - replicasOf(a) || byCreation(b, a)
/** ReplicaSetsBySizeOlder: largest first, older first on ties (where a scale-down comes from). */
const bySizeOlder = (a: KubeObject, b: KubeObject) => replicasOf(b) - replicasOf(a) || byCreation(a, b)

/**
 * The proportional part of DeploymentController.scale: when a Deployment is resized while several ReplicaSets
 * have pods, the change (up to desired + maxSurge in total) is spread by each one's share, and what rounding
 * leaves over goes to the largest. Answers the new size of each ReplicaSet, by name.
 */
export function proportionalSizes(d: KubeObject, activeRSs: KubeObject[]): Map<string, number> {
  const total = specReplicas(activeRSs)
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0
  const toAdd = allowed - total
  const ordered = [...activeRSs].sort(toAdd > 0 ? bySizeNewer : bySizeOlder)
  const sizes = new Map<string, number>()
  let added = 0
  for (const rs of ordered) {
    const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0
    sizes.set(rs.metadata.name!, replicasOf(rs) + p)
    added += p
  }
  if (toAdd !== 0 && ordered.length) {
    const first = ordered[0]!.metadata.name!
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added))
  }
  return sizes
}

/** FilterActiveReplicaSets: the ReplicaSets that should have pods. */
export const activeReplicaSets = (rss: (KubeObject | undefined)[]): KubeObject[] => rss.filter((rs): rs is KubeObject => Boolean(rs) && replicasOf(rs!) > 0)

/** FindActiveOrLatest: the only ReplicaSet with pods; with none, the new one or else the newest old one. */
export function activeOrLatest(newRS: KubeObject | undefined, oldRSs: KubeObject[]): KubeObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a))
  const active = activeReplicaSets([...newestFirst, newRS])
  if (active.length === 1) return active[0]
  if (active.length === 0) return newRS ?? newestFirst[0]
  return undefined
}

/** IsSaturated: the new ReplicaSet has all desired pods, all available. */
export function isSaturated(d: KubeObject, rs: KubeObject | undefined): boolean {
  if (!rs) return false
  const desired = Number.parseInt(rs.metadata.annotations?.[DESIRED_REPLICAS] ?? '', 10)
  return desired === replicasOf(d) && replicasOf(rs) === replicasOf(d) && statusInt(rs, 'availableReplicas') === replicasOf(d)
}

export const revisionOf = (o: KubeObject): number => {
  const v = Number.parseInt(o.metadata.annotations?.[REVISION] ?? '', 10)
  return Number.isNaN(v) ? 0 : v
}
export const maxRevision = (rss: KubeObject[]): number => rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0)

/**
 * SetNewReplicaSetAnnotations: copies the Deployment's annotations, raises the revision (keeping the ones it had
 * in revision-history when an old ReplicaSet comes back, as after a rollback) and, for a new ReplicaSet, records
 * the desired and max replicas. Mutates `rs`; answers whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: number, exists: boolean): boolean {
  const ann = (rs.metadata.annotations ??= {})
  let changed = false
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || ann[k] === v) continue
    ann[k] = v
    changed = true
  }
  const old = ann[REVISION]
  const oldRevision = old === undefined ? 0 : Number.parseInt(old, 10)
  if (Number.isNaN(oldRevision)) return changed
  if (oldRevision < newRevision) {
    ann[REVISION] = String(newRevision)
    changed = true
    if (old !== undefined) ann[REVISION_HISTORY] = ann[REVISION_HISTORY] ? `${ann[REVISION_HISTORY]},${old}` : old
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true
  return changed
}

/** SetReplicasAnnotations: desired-replicas and max-replicas, which proportional scaling reads back. */
export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const ann = (rs.metadata.annotations ??= {})
  const changed = ann[DESIRED_REPLICAS] !== String(desired) || ann[MAX_REPLICAS] !== String(max)
  ann[DESIRED_REPLICAS] = String(desired)
  ann[MAX_REPLICAS] = String(max)
  return changed
}

// --- Conditions and status ---

export interface DeploymentCondition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  lastUpdateTime: string
  lastTransitionTime: string
  reason: string
  message: string
}

export const getCondition = (status: any, type: string): DeploymentCondition | undefined =>
  (status?.conditions ?? []).find((c: DeploymentCondition) => c.type === type)

export function newCondition(type: string, status: DeploymentCondition['status'], reason: string, message: string, now: Date): DeploymentCondition {
  const t = formatTime(now)
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message }
}

/** SetDeploymentCondition: replaces the condition of that type unless status and reason are the same; keeps the transition time while the status holds. */
export function setCondition(status: any, c: DeploymentCondition): void {
  const current = getCondition(status, c.type)
  if (current && current.status === c.status && current.reason === c.reason) return
  if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime
  status.conditions = [...(status.conditions ?? []).filter((x: DeploymentCondition) => x.type !== c.type), c]
}

export function removeCondition(status: any, type: string): void {
  if (!status.conditions) return
  status.conditions = status.conditions.filter((x: DeploymentCondition) => x.type !== type)
  if (!status.conditions.length) delete status.conditions
}

/**
 * calculateStatus: the Deployment's counts from its ReplicaSets, and the Available condition (minimum
 * availability = desired - maxUnavailable). Other conditions are carried over.
 */
export function calculateStatus(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined, d: KubeObject, now: Date): any {
  const available = availableReplicas(allRSs)
  const status: any = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: actualReplicas(allRSs),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(allRSs) - available),
  }
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount
  if (d.status?.conditions?.length) status.conditions = jsonClone(d.status.conditions)
  if (available >= replicasOf(d) - maxUnavailable(d))
    setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now))
  else setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now))
  return status
}

/** HasProgressDeadline: progressDeadlineSeconds set and not MaxInt32. */
export const hasProgressDeadline = (d: KubeObject) => typeof d.spec?.progressDeadlineSeconds === 'number' && d.spec.progressDeadlineSeconds !== 2147483647

/** DeploymentComplete: every desired pod updated and available, nothing else, generation observed. */
export function deploymentComplete(d: KubeObject, status: any): boolean {
  const desired = replicasOf(d)
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 1)
  )
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available pods than the last status said. */
export function deploymentProgressing(d: KubeObject, status: any): boolean {
  const old = d.status ?? {}
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0)
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0)
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  )
}

/** DeploymentTimedOut: the Progressing condition has not been updated for progressDeadlineSeconds. */
export function deploymentTimedOut(d: KubeObject, status: any, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false
  const c = getCondition(status, 'Progressing')
  if (!c) return false
  if (c.reason === 'NewReplicaSetAvailable') return false
  if (c.reason === 'ProgressDeadlineExceeded') return true
  const from = Date.parse(c.lastUpdateTime)
  return !Number.isNaN(from) && from + d.spec.progressDeadlineSeconds * 1000 < now.getTime()
}
