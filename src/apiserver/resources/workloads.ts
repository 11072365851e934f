import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { CauseReason } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { deploymentTable, replicaSetTable } from '../printers/index.ts'
import { formatLabelSelector, matchesLabels, selectorFromLabelSelectorObject } from '../selectors/label-selector.ts'
import { ALL_VERBS, type ResourceDefinition, type SubresourceDefinition } from '../registry/resource-definition.ts'
import { defaultPodSpec, validatePodSpec } from './pod-spec.ts'
import { scaleOf, statusSubresource } from './subresources.ts'

/**
 * Defaults and checks every workload with `spec.selector` and `spec.template` shares. Defaults apply to every write
 * (Kubernetes defaults on decode), so that an update with a manifest as first sent changes nothing.
 */
function defaultWorkload(obj: KubeObject): void {
  const spec = (obj.spec ??= {})
  spec.replicas ??= 1
  spec.template ??= {}
  spec.template.metadata ??= {}
  spec.template.spec ??= {}
  defaultPodSpec(spec.template.spec)
}

function defaultDeployment(d: KubeObject): void {
  defaultWorkload(d)
  d.spec.strategy ??= { type: 'RollingUpdate' }
  if (d.spec.strategy.type === 'RollingUpdate') d.spec.strategy.rollingUpdate ??= { maxUnavailable: '25%', maxSurge: '25%' }
  d.spec.revisionHistoryLimit ??= 10
  d.spec.progressDeadlineSeconds ??= 600
}

function validateWorkload(obj: KubeObject): StatusCause[] {
  const spec = obj.spec ?? {}
  const causes: StatusCause[] = []
  if (!Number.isInteger(spec.replicas) || spec.replicas < 0)
    causes.push({ field: 'spec.replicas', reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(spec.replicas)}: must be greater than or equal to 0` })
  const selector = spec.selector
  if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length))
    causes.push({ field: 'spec.selector', reason: CauseReason.required, message: 'Required value' })
  else {
    let sel
    try {
      sel = selectorFromLabelSelectorObject(selector)
    } catch (err) {
      causes.push({ field: 'spec.selector', reason: CauseReason.invalid, message: `Invalid value: ${(err as Error).message}` })
    }
    if (sel && !matchesLabels(sel, spec.template?.metadata?.labels))
      causes.push({ field: 'spec.template.metadata.labels', reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(spec.template?.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\`` })
  }
  causes.push(...validatePodSpec(spec.template?.spec, 'spec.template.spec'))
  return causes
}

const selectorImmutable = (obj: KubeObject, old: KubeObject): StatusCause[] =>
  jsonEqual(obj.spec?.selector, old.spec?.selector)
    ? []
    : [{ field: 'spec.selector', reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(obj.spec?.selector)}: field is immutable` }]

/** `<workload>/scale`: an autoscaling/v1 Scale over spec.replicas. */
const scaleSubresource: SubresourceDefinition = {
  verbs: ['get', 'update', 'patch'],
  kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  view: {
    get: (obj) =>
      scaleOf(obj, { replicas: obj.spec?.replicas ?? 0 }, { replicas: obj.status?.replicas ?? 0, selector: obj.spec?.selector ? formatLabelSelector(obj.spec.selector) : '' }),
    apply(obj, scale) {
      obj.spec.replicas = scale.spec?.replicas
      if (scale.metadata?.resourceVersion) obj.metadata.resourceVersion = scale.metadata.resourceVersion
      return obj
    },
  },
}

export const deployments: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(d) {
      defaultDeployment(d)
      d.status = {}
    },
    prepareForUpdate: defaultDeployment,
    validate: validateWorkload,
    validateUpdate: selectorImmutable,
  },
  subresources: { status: statusSubresource, scale: scaleSubresource },
  table: deploymentTable,
}

export const replicasets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(rs) {
      defaultWorkload(rs)
      rs.status = { replicas: 0 }
    },
    prepareForUpdate: defaultWorkload,
    validate: validateWorkload,
    validateUpdate: selectorImmutable,
  },
  subresources: { status: statusSubresource, scale: scaleSubresource },
  selectableFields: (rs) => ({ 'status.replicas': String(rs.status?.replicas ?? 0) }),
  table: replicaSetTable,
}
