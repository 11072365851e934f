import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { jsonClone } from '../client/json-clone.ts'
import { ApiError } from '../errors/api-error.ts'
import { Controller, type Result } from './controller.ts'
import { controllerRefOf, newControllerRef } from './controller-ref.ts'
import { checkTimeZone, mostRecentTime, nextTime, parseSchedule, type Schedule } from './cron-schedule.ts'
import { ObjectIndex } from './object-index.ts'
import { canonical } from './pod-template.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import type { WorkloadControllerOptions } from './replicaset-controller.ts'

const CRONJOBS = { group: 'batch', version: 'v1', resource: 'cronjobs' }
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' }
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp'
/** A little after the scheduled time, so that the sync then finds it due (nextScheduleTimeDuration adds 100ms). */
const SLACK_MS = 100

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`

/** The finished condition of a Job (Complete or Failed), if any. */
export function jobFinished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type
  return undefined
}

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export const jobName = (cronJobName: string, scheduledMs: number) => `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`

/**
 * Kubernetes' CronJob controller (pkg/controller/cronjob, the v2 one): at each time of `spec.schedule` (in
 * `spec.timeZone` when set) creates a Job `<cronjob>-<minutes since epoch>` from `jobTemplate`, controlled by the
 * CronJob and annotated with the scheduled time; concurrencyPolicy Allow/Forbid/Replace, startingDeadlineSeconds,
 * suspend; keeps status.active, lastScheduleTime and lastSuccessfulTime; deletes finished Jobs beyond the history
 * limits. A CronJob is looked at again at its next scheduled time, not polled.
 */
export class CronJobController extends Controller {
  private readonly client: ApiClient
  private readonly informers: InformerFactory
  private readonly recorder: EventRecorder
  private cronJobs!: ObjectIndex
  private jobs!: ObjectIndex
  private readonly now: () => number

  constructor(opts: WorkloadControllerOptions & { now?: () => number }) {
    super('cronjob', opts.log, opts.concurrency ?? 2)
    this.client = opts.client
    this.informers = opts.informers
    this.now = opts.now ?? Date.now
    this.recorder = new EventRecorder(opts.client, 'cronjob-controller', '', this.log)
  }

  protected async watch(): Promise<void> {
    const cjInformer = this.informers.for(CRONJOBS)
    const jobInformer = this.informers.for(JOBS)
    this.cronJobs = ObjectIndex.for(cjInformer)
    this.jobs = ObjectIndex.for(jobInformer)
    cjInformer.addHandlers({ add: (c) => this.queue.add(keyOf(c)), update: (c) => this.queue.add(keyOf(c)), delete: () => {} })
    const jobChanged = (job: KubeObject) => {
      const ref = controllerRefOf(job)
      if (ref?.kind === 'CronJob') this.queue.add(`${job.metadata.namespace}/${ref.name}`)
    }
    jobInformer.addHandlers({ add: jobChanged, update: jobChanged, delete: jobChanged })
    await Promise.all([cjInformer.hasSynced, jobInformer.hasSynced])
  }

  protected reconcile(key: string): Promise<Result | void> {
    return requeueOnConflict(this.log, key, () => this.sync(key))
  }

  private async sync(key: string): Promise<Result | void> {
    const [namespace, name] = key.split('/') as [string, string]
    const cached = this.cronJobs.get(namespace, name)
    if (!cached) return
    const cj = { apiVersion: 'batch/v1', kind: 'CronJob', ...jsonClone(cached) }
    const jobs = this.jobs.ownedBy(cj.metadata.uid!).filter((j) => controllerRefOf(j)?.uid === cj.metadata.uid)
    const status = jsonClone(cj.status ?? {})
    const original = JSON.stringify(canonical(status))
    this.trackActive(cj, status, jobs)
    let result: Result | void = undefined
    try {
      result = await this.schedule(cj, status, jobs)
    } finally {
      if (JSON.stringify(canonical(status)) !== original) await this.writeStatus(cj, status)
    }
    await this.cleanupHistory(cj, jobs)
    return result
  }

  /** syncCronJob's first half: status.active follows the Jobs that exist and are not finished; lastSuccessfulTime. */
  private trackActive(cj: KubeObject, status: any, jobs: KubeObject[]): void {
    const byUid = new Map(jobs.map((j) => [j.metadata.uid, j]))
    let active: any[] = status.active ?? []
    for (const job of jobs) {
      const finished = jobFinished(job)
      const listed = active.some((r) => r.uid === job.metadata.uid)
      if (!finished && !listed && !job.metadata.deletionTimestamp) active.push(objectRef(job))
      if (finished) {
        active = active.filter((r) => r.uid !== job.metadata.uid)
        if (finished === 'Complete') {
          const completed = job.status?.completionTime
          if (completed && (!status.lastSuccessfulTime || Date.parse(completed) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = completed
        }
      }
    }
    // Jobs gone from the cache (deleted) leave the active list; the informer is the truth for owned Jobs.
    active = active.filter((r) => byUid.has(r.uid))
    if (active.length) status.active = active
    else delete status.active
    void cj
  }

  /** syncCronJob's second half: the Job for the most recent unmet scheduled time, then a look at the next one. */
  private async schedule(cj: KubeObject, status: any, jobs: KubeObject[]): Promise<Result | void> {
    if (cj.metadata.deletionTimestamp) return
    const timeZone: string | undefined = cj.spec?.timeZone ?? undefined
    if (timeZone) {
      try {
        checkTimeZone(timeZone)
      } catch {
        this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${timeZone}"`)
        return
      }
    }
    if (cj.spec?.suspend) return
    let schedule: Schedule
    try {
      schedule = parseSchedule(cj.spec?.schedule ?? '')
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule}" : ${(err as Error).message}`)
      return
    }
    const now = this.now()
    const requeueNext = (): Result | void => {
      const next = nextTime(schedule, now, timeZone)
      return next === undefined ? undefined : { requeueAfterMs: Math.max(1, next - now + SLACK_MS) }
    }
    const deadline: number | undefined = cj.spec?.startingDeadlineSeconds ?? undefined
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now
    if (deadline !== undefined && now - deadline * 1000 > earliest) earliest = now - deadline * 1000
    const { time: scheduled, missed } = mostRecentTime(schedule, earliest, now, timeZone)
    if (scheduled === undefined) return requeueNext()
    if (missed > 100) this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew')
    if (deadline !== undefined && scheduled + deadline * 1000 < now) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatTime(new Date(scheduled))}`)
      return requeueNext()
    }
    const name = jobName(cj.metadata.name!, scheduled)
    if (jobs.some((j) => j.metadata.name === name) || (status.active ?? []).some((r: any) => r.name === name)) return requeueNext()
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow'
    if (policy === 'Forbid' && (status.active ?? []).length) {
      this.log.debug({ cronjob: keyOf(cj) }, 'not starting a job: the previous one is still active (Forbid)')
      return requeueNext()
    }
    if (policy === 'Replace') {
      for (const ref of status.active ?? []) {
        try {
          await this.client.delete(JOBS, cj.metadata.namespace!, ref.name, { propagationPolicy: 'Background', preconditions: { uid: ref.uid } })
          this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`)
        } catch (err) {
          if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
        }
      }
      delete status.active
    }
    const job = jobFromTemplate(cj, scheduled)
    let created: KubeObject
    try {
      created = await this.client.create(JOBS, cj.metadata.namespace!, job)
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`)
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) {
        // Already created (by an earlier sync this cache has not seen yet): nothing to do for this time.
        status.lastScheduleTime = formatTime(new Date(scheduled))
        return requeueNext()
      }
      this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`)
      throw err
    }
    status.active = [...(status.active ?? []), objectRef(created)]
    status.lastScheduleTime = formatTime(new Date(scheduled))
    return requeueNext()
  }

  private async writeStatus(cj: KubeObject, status: any): Promise<void> {
    try {
      await this.client.update(CRONJOBS, cj.metadata.namespace!, { ...cj, status }, 'status')
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return
      throw err
    }
  }

  /** cleanupFinishedJobs: the oldest finished Jobs beyond successfulJobsHistoryLimit (3) / failedJobsHistoryLimit (1). */
  private async cleanupHistory(cj: KubeObject, jobs: KubeObject[]): Promise<void> {
    const start = (j: KubeObject) => Date.parse(j.status?.startTime ?? j.metadata.creationTimestamp ?? '') || 0
    const victims: KubeObject[] = []
    for (const [kind, limit] of [
      ['Complete', cj.spec?.successfulJobsHistoryLimit ?? 3],
      ['Failed', cj.spec?.failedJobsHistoryLimit ?? 1],
    ] as const) {
      const finished = jobs.filter((j) => jobFinished(j) === kind && !j.metadata.deletionTimestamp).sort((a, b) => start(a) - start(b))
      victims.push(...finished.slice(0, Math.max(0, finished.length - limit)))
    }
    for (const job of victims) {
      try {
        await this.client.delete(JOBS, job.metadata.namespace!, job.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } })
        this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`)
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
      }
    }
  }
}

const objectRef = (job: KubeObject) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  name: job.metadata.name,
  namespace: job.metadata.namespace,
  uid: job.metadata.uid,
  resourceVersion: job.metadata.resourceVersion,
})

/** getJobFromTemplate2: the Job for one scheduled time. */
export function jobFromTemplate(cj: KubeObject, scheduledMs: number): KubeObject {
  const tmpl = cj.spec?.jobTemplate ?? {}
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj.metadata.name!, scheduledMs),
      namespace: cj.metadata.namespace,
      labels: { ...(tmpl.metadata?.labels ?? {}) },
      annotations: { ...(tmpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatTime(new Date(scheduledMs)) },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: jsonClone(tmpl.spec ?? {}),
  }
}
