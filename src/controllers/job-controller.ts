import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import { matchesLabels, selectorFromLabelSelectorObject } from '../apiserver/selectors/label-selector.ts'
import { core, type ApiClient } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import { Controller, type Result } from './controller.ts'
import { claimObjects, controllerRefOf, newControllerRef } from './controller-ref.ts'
import { Expectations } from './expectations.ts'
import { ObjectIndex } from './object-index.ts'
import { isPodReady, isPodTerminal, podKey } from './pod-state.ts'
import { podFromTemplate } from './pod-template.ts'
import type { WorkloadControllerOptions } from './replicaset-controller.ts'
import { slowStartBatch } from './slow-start-batch.ts'
import { jsonClone, jsonEqual } from '../client/json-clone.ts'

const PODS = core('pods')
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' }
/** The finalizer that keeps a Job's pod until the Job has counted it (batch.kubernetes.io/job-tracking). */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking'
/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff: the wait before replacing failed pods doubles per failure. */
const BACKOFF_BASE_MS = 10_000
const BACKOFF_MAX_MS = 10 * 60_000

export interface JobControllerOptions extends WorkloadControllerOptions {
  /** The first wait before a failed pod is replaced (default 10 s, as Kubernetes). */
  backoffBaseMs?: number
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`
const condition = (job: KubeObject, type: string) => (job.status?.conditions ?? []).find((c: any) => c.type === type && c.status === 'True')
const isFinished = (job: KubeObject) => Boolean(condition(job, 'Complete') || condition(job, 'Failed'))
const isSucceeded = (pod: KubeObject) => pod.status?.phase === 'Succeeded'
/** A pod that will not run any more: finished, or (with the default replacement policy) terminating. */
const isFailedPod = (pod: KubeObject) => pod.status?.phase === 'Failed' || (Boolean(pod.metadata.deletionTimestamp) && !isSucceeded(pod))

/** The failures since the last success and when the last was counted (podBackoffStore). */
interface BackoffRecord {
  failures: number
  last: number
}
const hasTrackingFinalizer = (pod: KubeObject) => (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)

/**
 * Kubernetes' Job controller (pkg/controller/job), NonIndexed completion: runs up to `parallelism` pods until
 * `completions` have succeeded, replacing failed ones after an exponential back-off until more than `backoffLimit`
 * have failed (or, with restartPolicy OnFailure, containers restarted that often), or activeDeadlineSeconds passed.
 * Pods carry the job-tracking finalizer: a finished pod is recorded in status.uncountedTerminatedPods, its finalizer
 * removed, then it is added to succeeded / failed, so counts survive pods being deleted. A finishing Job gets
 * SuccessCriteriaMet / FailureTarget first, its remaining pods are deleted, then Complete / Failed.
 */
export class JobController extends Controller {
  private readonly client: ApiClient
  private readonly informers: InformerFactory
  private readonly recorder: EventRecorder
  private readonly expectations = new Expectations()
  private readonly backoff = new Map<string, BackoffRecord>()
  /** Pods whose tracking finalizer this controller removed, until the informer shows it (finalizer expectations). */
  private readonly finalizersRemoved = new Set<string>()
  private readonly backoffBaseMs: number
  private jobs!: ObjectIndex
  private pods!: ObjectIndex

  constructor(
    opts: JobControllerOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('job', opts.log, opts.concurrency ?? 4)
    this.client = opts.client
    this.informers = opts.informers
    this.backoffBaseMs = opts.backoffBaseMs ?? BACKOFF_BASE_MS
    this.recorder = new EventRecorder(opts.client, 'job-controller', '', this.log)
  }

  protected async watch(): Promise<void> {
    const jobInformer = this.informers.for(JOBS)
    const podInformer = this.informers.for(PODS)
    this.jobs = ObjectIndex.for(jobInformer)
    this.pods = ObjectIndex.for(podInformer)
    jobInformer.addHandlers({
      add: (job) => this.queue.add(keyOf(job)),
      update: (job) => this.queue.add(keyOf(job)),
      delete: (job) => {
        this.expectations.forget(keyOf(job))
        this.backoff.delete(keyOf(job))
        // Its pods may still hold the tracking finalizer: they are looked at as orphans.
        for (const pod of this.pods.ownedBy(job.metadata.uid!)) if (hasTrackingFinalizer(pod)) this.queue.add(`pod:${podKey(pod)}`)
      },
    })
    podInformer.addHandlers({
      add: (pod) => this.podChanged(pod, undefined),
      update: (pod, old) => this.podChanged(pod, old),
      delete: (pod) => this.podChanged(pod, undefined, true),
    })
    await Promise.all([jobInformer.hasSynced, podInformer.hasSynced])
  }

  private jobOf(pod: KubeObject): KubeObject | undefined {
    const ref = controllerRefOf(pod)
    if (!ref || ref.kind !== 'Job') return undefined
    const job = this.jobs.get(pod.metadata.namespace!, ref.name)
    return job?.metadata.uid === ref.uid ? job : undefined
  }

  private podChanged(pod: KubeObject, old: KubeObject | undefined, deleted = false): void {
    if (deleted || !hasTrackingFinalizer(pod)) this.finalizersRemoved.delete(pod.metadata.uid!)
    const job = this.jobOf(pod)
    if (!job) {
      // A pod of a Job that is gone still holding the tracking finalizer: it would never go away.
      if (controllerRefOf(pod)?.kind === 'Job' && hasTrackingFinalizer(pod) && !deleted) this.queue.add(`pod:${podKey(pod)}`)
      else if (!controllerRefOf(pod) && !deleted)
        for (const j of this.jobs.inNamespace(pod.metadata.namespace!)) if (selects(j, pod)) this.queue.add(keyOf(j))
      return
    }
    const key = keyOf(job)
    if (!old && !deleted && !pod.metadata.deletionTimestamp) this.expectations.creationObserved(key)
    if (deleted || (pod.metadata.deletionTimestamp && !old?.metadata.deletionTimestamp)) this.expectations.deletionObserved(key, podKey(pod))
    this.queue.add(key)
  }

  protected reconcile(key: string): Promise<Result | void> {
    return requeueOnConflict(this.log, key, () => this.sync(key))
  }

  private async sync(key: string): Promise<Result | void> {
    if (key.startsWith('pod:')) return this.releaseOrphan(key.slice(4))
    const [namespace, name] = key.split('/') as [string, string]
    const cached = this.jobs.get(namespace, name)
    if (!cached) {
      this.expectations.forget(key)
      this.backoff.delete(key)
      return
    }
    // Read fresh: the status carries the pods counted so far, and counting from a stale copy would lose or repeat some.
    let job: KubeObject
    try {
      job = { apiVersion: 'batch/v1', kind: 'Job', ...(await this.client.get(JOBS, namespace, name)) }
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return
      throw err
    }
    job.status ??= {}
    const managedBy = job.spec?.managedBy
    if (managedBy && managedBy !== 'kubernetes.io/job-controller') return
    const now = this.now()
    const pods = await this.claimPods(job)
    const status = jsonClone(job.status)
    if (!status.startTime && !job.spec.suspend) status.startTime = formatTime(now)

    // Count finished pods exactly once: uncounted, finalizer off, then counted.
    const counted = await this.trackFinishedPods(job, pods, status)
    const backoff = nextBackoff(this.backoff.get(key), counted, now)
    const active = pods.filter((p) => !isPodTerminal(p) && !p.metadata.deletionTimestamp)
    const terminating = pods.filter((p) => !isPodTerminal(p) && p.metadata.deletionTimestamp)
    const succeeded = status.succeeded ?? 0
    const failed = status.failed ?? 0
    const completions: number | undefined = typeof job.spec.completions === 'number' ? job.spec.completions : undefined
    const backoffLimit: number = job.spec.backoffLimit ?? 6

    let result: Result | void = undefined
    if (isFinished(job)) await this.deletePods(job, key, active)
    else {
      const interim = finishingCondition(job, status)
      let target = interim
      if (!target) {
        if (failed > backoffLimit || restartsExceed(job, active, backoffLimit))
          target = { type: 'FailureTarget', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
        else if (deadlineExceeded(job, status, now))
          target = { type: 'FailureTarget', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
        else if (completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0)
          target = { type: 'SuccessCriteriaMet', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }
      }
      if (target) {
        if (!interim) setJobCondition(status, target.type, target.reason, target.message, now)
        // Whatever still runs is stopped; the Job is finished once nothing does.
        await this.deletePods(job, key, active)
        if (active.length === 0 && terminating.length === 0 && !uncounted(status)) {
          if (target.type === 'SuccessCriteriaMet') {
            setJobCondition(status, 'Complete', target.reason, target.message, now)
            status.completionTime = formatTime(now)
            this.recorder.event(job, 'Normal', 'Completed', 'Job completed')
          } else {
            setJobCondition(status, 'Failed', target.reason, target.message, now)
            this.recorder.event(job, 'Warning', target.reason, target.message)
          }
        }
      } else if (this.expectations.satisfied(key) && !job.metadata.deletionTimestamp) {
        result = await this.manageActive(job, key, active, status, backoff, now)
      }
    }
    const finished = isFinished({ ...job, status })
    status.active = finished ? 0 : pods.filter((p) => !isPodTerminal(p) && !p.metadata.deletionTimestamp).length
    status.ready = finished ? 0 : active.filter(isPodReady).length
    status.terminating = terminating.length
    status.uncountedTerminatedPods ??= {}
    await this.writeStatus(job, status)
    if (backoff) this.backoff.set(key, backoff)
    return result ?? requeueForDeadline(job, status, now)
  }

  /** Pods it controls, orphans it selects adopted (copies: they are written to). */
  private async claimPods(job: KubeObject): Promise<KubeObject[]> {
    const uid = job.metadata.uid!
    const owned = this.pods.ownedBy(uid).filter((p) => controllerRefOf(p)?.uid === uid)
    const orphans = this.pods.orphansIn(job.metadata.namespace!).filter((p) => !isPodTerminal(p))
    const ref = newControllerRef(job, 'batch/v1', 'Job')
    return (await claimObjects({ client: this.client, resource: PODS, owner: job, ownerRef: ref, selects: (p) => selects(job, p) }, owned, orphans)).map((p) => jsonClone(p))
  }

  /**
   * trackJobStatusAndRemoveFinalizers: finished pods still holding the finalizer are recorded as uncounted (status
   * written), their finalizers removed, then every uncounted pod whose finalizer is gone moves to the counters.
   */
  private async trackFinishedPods(job: KubeObject, pods: KubeObject[], status: any): Promise<{ succeeded: number; failed: number }> {
    const unc = (status.uncountedTerminatedPods ??= {})
    const seen = new Set([...(unc.succeeded ?? []), ...(unc.failed ?? [])])
    let recorded = false
    for (const pod of pods) {
      if (!hasTrackingFinalizer(pod) || seen.has(pod.metadata.uid) || this.finalizersRemoved.has(pod.metadata.uid!)) continue
      const done = isSucceeded(pod) ? 'succeeded' : isFailedPod(pod) ? 'failed' : undefined
      if (!done) continue
      ;(unc[done] ??= []).push(pod.metadata.uid)
      seen.add(pod.metadata.uid)
      recorded = true
    }
    if (recorded) await this.writeStatus(job, status)
    const byUid = new Map(pods.map((p) => [p.metadata.uid, p]))
    for (const uid of seen) {
      const pod = byUid.get(uid)
      if (pod && hasTrackingFinalizer(pod)) await this.removeTrackingFinalizer(pod)
    }
    const counted = { succeeded: 0, failed: 0 }
    for (const kind of ['succeeded', 'failed'] as const) {
      const list: string[] = unc[kind] ?? []
      if (!list.length) continue
      status[kind] = (status[kind] ?? 0) + list.length
      counted[kind] = list.length
      delete unc[kind]
    }
    return counted
  }

  private async removeTrackingFinalizer(pod: KubeObject): Promise<void> {
    try {
      const fresh = await this.client.get(PODS, pod.metadata.namespace!, pod.metadata.name!)
      if (fresh.metadata.uid !== pod.metadata.uid || !hasTrackingFinalizer(fresh)) return
      const rest = (fresh.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER)
      if (rest.length) fresh.metadata.finalizers = rest
      else delete fresh.metadata.finalizers
      await this.client.update(PODS, pod.metadata.namespace!, fresh)
      this.finalizersRemoved.add(pod.metadata.uid!)
      pod.metadata.finalizers = fresh.metadata.finalizers
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
      delete pod.metadata.finalizers
    }
  }

  /** A pod of a Job that no longer exists: only its tracking finalizer needs to go. */
  private async releaseOrphan(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string]
    const pod = this.pods.get(namespace, name)
    if (!pod || !hasTrackingFinalizer(pod) || this.jobOf(pod)) return
    const ref = controllerRefOf(pod)
    if (ref) {
      try {
        const job = await this.client.get(JOBS, namespace, ref.name)
        if (job.metadata.uid === ref.uid) return
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err
      }
    }
    await this.removeTrackingFinalizer(jsonClone(pod))
  }

  /** manageJob: as many active pods as parallelism allows and completions still need, after the failure back-off. */
  private async manageActive(job: KubeObject, key: string, active: KubeObject[], status: any, backoff: BackoffRecord | undefined, now: Date): Promise<Result | void> {
    const completions: number | undefined = typeof job.spec.completions === 'number' ? job.spec.completions : undefined
    const succeeded = status.succeeded ?? 0
    let wanted = job.spec.suspend ? 0 : (job.spec.parallelism ?? 1)
    if (completions !== undefined) wanted = Math.min(wanted, Math.max(0, completions - succeeded))
    else if (succeeded > 0) wanted = 0 // one success: the others finish, no new ones
    if (active.length > wanted) {
      const excess = [...active].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? ''))
      await this.deletePods(job, key, excess.slice(0, active.length - wanted))
      return
    }
    if (active.length === wanted) return
    if (backoff && backoff.failures > 0) {
      const wait = Math.min(this.backoffBaseMs * 2 ** (backoff.failures - 1), BACKOFF_MAX_MS) - (now.getTime() - backoff.last)
      if (wait > 0) return { requeueAfterMs: wait }
    }
    const count = Math.min(wanted - active.length, 500)
    this.expectations.expectCreations(key, count)
    const ref = newControllerRef(job, 'batch/v1', 'Job')
    const { successes, error } = await slowStartBatch(count, 1, async () => {
      const pod = await this.client.create(PODS, job.metadata.namespace!, podFromTemplate(job.spec.template, job.metadata.name!, ref, [JOB_TRACKING_FINALIZER]))
      this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`)
    })
    for (let i = successes; i < count; i++) this.expectations.creationObserved(key)
    if (error) {
      this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${error.message}`)
      throw error
    }
  }

  private async deletePods(job: KubeObject, key: string, pods: KubeObject[]): Promise<void> {
    if (!pods.length) return
    this.expectations.expectDeletions(key, pods.map(podKey))
    for (const pod of pods) {
      try {
        await this.client.delete(PODS, pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } })
        this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`)
      } catch (err) {
        this.expectations.deletionObserved(key, podKey(pod))
        if (!(err instanceof ApiError && err.code === 404)) throw err
      }
    }
  }

  private async writeStatus(job: KubeObject, status: any): Promise<void> {
    if (jsonEqual(job.status, status)) return
    const updated = await this.client.update(JOBS, job.metadata.namespace!, { ...job, status }, 'status')
    job.metadata.resourceVersion = updated.metadata.resourceVersion
    job.status = jsonClone(updated.status)
  }
}

function selects(job: KubeObject, pod: KubeObject): boolean {
  try {
    return matchesLabels(selectorFromLabelSelectorObject(job.spec?.selector), pod.metadata.labels)
  } catch {
    return false
  }
}

/** The back-off record after this sync's counts: failures since the last success, and when the last was counted. */
function nextBackoff(record: BackoffRecord | undefined, counted: { succeeded: number; failed: number }, now: Date): BackoffRecord | undefined {
  if (counted.failed) return { failures: (counted.succeeded ? 0 : (record?.failures ?? 0)) + counted.failed, last: now.getTime() }
  if (counted.succeeded) return { failures: 0, last: record?.last ?? 0 }
  return record
}

const uncounted = (status: any) => (status.uncountedTerminatedPods?.succeeded?.length ?? 0) + (status.uncountedTerminatedPods?.failed?.length ?? 0) > 0

/** The FailureTarget or SuccessCriteriaMet condition an earlier sync set, if any. */
function finishingCondition(job: KubeObject, status: any): { type: string; reason: string; message: string } | undefined {
  const c = (status.conditions ?? []).find((x: any) => (x.type === 'FailureTarget' || x.type === 'SuccessCriteriaMet') && x.status === 'True')
  return c ? { type: c.type, reason: c.reason ?? '', message: c.message ?? '' } : undefined
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts count as failures. */
function restartsExceed(job: KubeObject, active: KubeObject[], backoffLimit: number): boolean {
  if (job.spec.template?.spec?.restartPolicy !== 'OnFailure') return false
  let restarts = 0
  for (const pod of active) {
    if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Pending') continue
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0
  }
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit
}

function deadlineExceeded(job: KubeObject, status: any, now: Date): boolean {
  const deadline = job.spec.activeDeadlineSeconds
  if (typeof deadline !== 'number' || !status.startTime || job.spec.suspend) return false
  return now.getTime() - Date.parse(status.startTime) >= deadline * 1000
}

function requeueForDeadline(job: KubeObject, status: any, now: Date): Result | void {
  const deadline = job.spec.activeDeadlineSeconds
  if (typeof deadline !== 'number' || !status.startTime || isFinished({ ...job, status })) return
  const due = Date.parse(status.startTime) + deadline * 1000 - now.getTime()
  if (due > 0) return { requeueAfterMs: due }
}

function setJobCondition(status: any, type: string, reason: string, message: string, now: Date): void {
  const t = formatTime(now)
  const conditions: any[] = (status.conditions ??= [])
  const existing = conditions.find((c) => c.type === type)
  if (existing?.status === 'True') return
  const c = { type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason, message }
  if (existing) Object.assign(existing, c)
  else conditions.push(c)
}
