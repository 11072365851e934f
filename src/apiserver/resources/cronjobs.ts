/**
 * batch/v1 CronJob: storage, defaults (SetDefaults_CronJob and the job template's pod spec), validation
 * (ValidateCronJobCreate/Update: schedule syntax, time zone, policies, the job template) and the status
 * subresource. No controller acts on it here: no Job is created on schedule.
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { cronJobTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { defaultPodSpec, validatePodSpec } from './pod-spec.ts'
import { asObject, Causes } from './checks.ts'
import { statusSubresource } from './subresources.ts'

/** SetDefaults_CronJob; the job template's pod spec is defaulted as every pod template. */
function defaultCronJob(cj: KubeObject): void {
  const spec = (cj.spec ??= {})
  spec.concurrencyPolicy ||= 'Allow'
  spec.suspend ??= false
  spec.successfulJobsHistoryLimit ??= 3
  spec.failedJobsHistoryLimit ??= 1
  const jobTemplate = (spec.jobTemplate ??= {})
  const jobSpec = (jobTemplate.spec ??= {})
  jobSpec.template ??= {}
  jobSpec.template.spec ??= {}
  defaultPodSpec(jobSpec.template.spec)
}

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
/** The five fields of a standard schedule: bounds and names (robfig/cron ParseStandard). */
const FIELDS: { min: number; max: number; names?: string[]; nameBase?: number }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 6, names: DAYS, nameBase: 0 },
]

/** The problem with a cron schedule, worded as robfig/cron's parser, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  let spec = schedule.trim()
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) spec = spec.slice(spec.indexOf(' ') + 1).trim()
  if (spec.startsWith('@')) {
    if (MACROS.includes(spec)) return undefined
    if (spec.startsWith('@every ')) return /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(spec) ? undefined : `failed to parse duration ${spec}`
    return `unrecognized descriptor: ${spec}`
  }
  const fields = spec.split(/\s+/).filter(Boolean)
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`
  for (const [i, field] of fields.entries()) {
    const bounds = FIELDS[i]!
    for (const expr of field.split(',')) {
      const [range = '', step, ...rest] = expr.split('/')
      if (rest.length) return `too many slashes: ${expr}`
      if (step !== undefined && !/^\d+$/.test(step)) return `failed to parse int from ${step}: strconv.Atoi: parsing "${step}": invalid syntax`
      if (range === '*' || range === '?') continue
      const parts = range.split('-')
      if (parts.length > 2) return `too many hyphens: ${expr}`
      const values: number[] = []
      for (const p of parts) {
        const name = bounds.names?.indexOf(p.toLowerCase()) ?? -1
        const value = name >= 0 ? name + bounds.nameBase! : /^\d+$/.test(p) ? Number(p) : NaN
        if (Number.isNaN(value)) return `failed to parse int from ${p}: strconv.Atoi: parsing "${p}": invalid syntax`
        values.push(value)
      }
      const [start, end = start] = values as [number, number?]
      if (start! < bounds.min) return `beginning of range (${start}) below minimum (${bounds.min}): ${expr}`
      if (end! > bounds.max) return `end of range (${end}) above maximum (${bounds.max}): ${expr}`
      if (start! > end!) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`
      if (step === '0') return `step of range should be a positive number: ${expr}`
    }
  }
  return undefined
}

/** A time zone the runtime knows (the tz database of Go's time.LoadLocation, as Node's ICU has it). */
function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

function validateCronJob(cj: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = cj.spec ?? {}
  if ((cj.metadata?.name ?? '').length > 52) c.invalid('metadata.name', cj.metadata.name, 'must be no more than 52 characters')
  if (!spec.schedule) c.required('spec.schedule')
  else if (typeof spec.schedule !== 'string') c.invalid('spec.schedule', spec.schedule, 'must be a string')
  else {
    if (spec.schedule.includes('TZ')) c.invalid('spec.schedule', spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead')
    const err = cronScheduleError(spec.schedule)
    if (err) c.invalid('spec.schedule', spec.schedule, err)
  }
  if (spec.timeZone !== undefined && spec.timeZone !== null) {
    if (typeof spec.timeZone !== 'string' || spec.timeZone === '' || spec.timeZone === 'Local' || /\s/.test(spec.timeZone) || !knownTimeZone(spec.timeZone))
      c.invalid('spec.timeZone', spec.timeZone, `unknown time zone ${spec.timeZone}`)
  }
  if (!spec.concurrencyPolicy) c.required('spec.concurrencyPolicy')
  else c.oneOf('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace'])
  c.atLeast('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds, 0)
  c.atLeast('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit, 0)
  c.atLeast('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit, 0)
  // ValidateJobTemplateSpec: a job spec whose selector is generated for each Job.
  const jobSpec = asObject(asObject(spec.jobTemplate)?.spec) ?? {}
  const at = 'spec.jobTemplate.spec'
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished']) c.atLeast(`${at}.${f}`, jobSpec[f], 0)
  if (jobSpec.activeDeadlineSeconds !== undefined && jobSpec.activeDeadlineSeconds !== null) c.atLeast(`${at}.activeDeadlineSeconds`, jobSpec.activeDeadlineSeconds, 1)
  c.oneOf(`${at}.completionMode`, jobSpec.completionMode, ['NonIndexed', 'Indexed'])
  if (jobSpec.selector !== undefined && jobSpec.selector !== null) c.invalid(`${at}.selector`, jobSpec.selector, '`selector` will be auto-generated')
  if (jobSpec.manualSelector === true) c.notSupported(`${at}.manualSelector`, true, ['nil', 'false'])
  const restartPolicy = jobSpec.template?.spec?.restartPolicy
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') c.notSupported(`${at}.template.spec.restartPolicy`, restartPolicy ?? '', ['OnFailure', 'Never'])
  c.list.push(...validatePodSpec(jobSpec.template?.spec, `${at}.template.spec`))
  return c.list
}

export const cronjobs: ResourceDefinition = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  shortNames: ['cj'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(cj) {
      defaultCronJob(cj)
      cj.status = {}
    },
    prepareForUpdate: defaultCronJob,
    validate: validateCronJob,
  },
  subresources: { status: statusSubresource },
  table: cronJobTable,
}
