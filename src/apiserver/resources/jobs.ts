import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { CauseReason } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { jobTable } from '../printers/index.ts'
import { matchesLabels, selectorFromLabelSelectorObject } from '../selectors/label-selector.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { defaultPodSpec, validatePodSpec } from './pod-spec.ts'
import { statusSubresource } from './subresources.ts'

/** The labels a Job's generated selector and pods carry (k8s.io/api/batch/v1 types.go). */
export const JOB_LABELS = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  legacyControllerUid: 'controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyJobName: 'job-name',
} as const

const COMPLETION_MODES = ['NonIndexed', 'Indexed']
const REPLACEMENT_POLICIES = ['TerminatingOrFailed', 'Failed']

/** SetDefaults_Job (plus the pod template's defaults), applied to every write. */
function defaultJob(job: KubeObject): void {
  const spec = (job.spec ??= {})
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1
  spec.parallelism ??= 1
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6
  spec.completionMode ??= 'NonIndexed'
  spec.suspend ??= false
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed'
  spec.template ??= {}
  spec.template.metadata ??= {}
  spec.template.spec ??= {}
  defaultPodSpec(spec.template.spec)
  const templateLabels = spec.template.metadata.labels
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels }
}

/**
 * generateSelector of the job strategy: unless `manualSelector`, the pods get `controller-uid` and `job-name` labels
 * (both spellings) and the Job selects `batch.kubernetes.io/controller-uid=<uid>`, unique to it.
 */
function generateSelector(job: KubeObject): void {
  const labels = (job.spec.template.metadata.labels ??= {})
  for (const key of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName]) labels[key] ??= job.metadata.name
  for (const key of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) labels[key] ??= job.metadata.uid
  const selector = (job.spec.selector ??= {})
  const matchLabels = (selector.matchLabels ??= {})
  matchLabels[JOB_LABELS.controllerUid] ??= job.metadata.uid
}

const nonNegative = (value: unknown, field: string, causes: StatusCause[]) => {
  if (value !== undefined && value !== null && (!Number.isInteger(value) || (value as number) < 0))
    causes.push({ field, reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(value)}: must be greater than or equal to 0` })
}

/** ValidateJob: counts, completion mode, restart policy (Never or OnFailure), selector matching the template. */
function validateJob(job: KubeObject): StatusCause[] {
  const spec = job.spec ?? {}
  const causes: StatusCause[] = []
  nonNegative(spec.parallelism, 'spec.parallelism', causes)
  nonNegative(spec.completions, 'spec.completions', causes)
  nonNegative(spec.backoffLimit, 'spec.backoffLimit', causes)
  nonNegative(spec.ttlSecondsAfterFinished, 'spec.ttlSecondsAfterFinished', causes)
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null && (!Number.isInteger(spec.activeDeadlineSeconds) || spec.activeDeadlineSeconds <= 0))
    causes.push({ field: 'spec.activeDeadlineSeconds', reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(spec.activeDeadlineSeconds)}: must be greater than 0` })
  if (!COMPLETION_MODES.includes(spec.completionMode))
    causes.push({ field: 'spec.completionMode', reason: CauseReason.notSupported, message: `Unsupported value: ${JSON.stringify(spec.completionMode)}: supported values: "NonIndexed", "Indexed"` })
  else if (spec.completionMode === 'Indexed' && (spec.completions === undefined || spec.completions === null))
    causes.push({ field: 'spec.completions', reason: CauseReason.required, message: 'Required value: when completion mode is Indexed' })
  if (!REPLACEMENT_POLICIES.includes(spec.podReplacementPolicy))
    causes.push({ field: 'spec.podReplacementPolicy', reason: CauseReason.notSupported, message: `Unsupported value: ${JSON.stringify(spec.podReplacementPolicy)}: supported values: "TerminatingOrFailed", "Failed"` })
  const restartPolicy = spec.template?.spec?.restartPolicy
  if (!restartPolicy)
    causes.push({ field: 'spec.template.spec.restartPolicy', reason: CauseReason.required, message: 'Required value: valid values: "OnFailure", "Never"' })
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never')
    causes.push({ field: 'spec.template.spec.restartPolicy', reason: CauseReason.notSupported, message: `Unsupported value: ${JSON.stringify(restartPolicy)}: supported values: "OnFailure", "Never"` })
  const selector = spec.selector
  if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length))
    causes.push({ field: 'spec.selector', reason: CauseReason.required, message: 'Required value' })
  else {
    try {
      if (!matchesLabels(selectorFromLabelSelectorObject(selector), spec.template?.metadata?.labels))
        causes.push({ field: 'spec.template.metadata.labels', reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(spec.template?.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\`` })
    } catch (err) {
      causes.push({ field: 'spec.selector', reason: CauseReason.invalid, message: `Invalid value: ${(err as Error).message}` })
    }
  }
  causes.push(...validatePodSpec(spec.template?.spec, 'spec.template.spec'))
  return causes
}

/** ValidateJobUpdate: the selector, the pod template, completions and the completion mode are fixed at creation. */
function validateJobUpdate(job: KubeObject, old: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  for (const field of ['selector', 'template', 'completions', 'completionMode']) {
    const value = job.spec?.[field]
    if (!jsonEqual(value, old.spec?.[field]))
      causes.push({ field: `spec.${field}`, reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(value ?? null)}: field is immutable` })
  }
  return causes
}

export const jobs: ResourceDefinition = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(job) {
      defaultJob(job)
      if (job.spec.manualSelector !== true) generateSelector(job)
      job.status = {}
    },
    prepareForUpdate: defaultJob,
    validate: validateJob,
    validateUpdate: validateJobUpdate,
  },
  subresources: { status: statusSubresource },
  selectableFields: (job) => ({ 'status.successful': String(job.status?.succeeded ?? 0) }),
  table: jobTable,
}
