/**
 * core/v1 LimitRange, ResourceQuota and PodTemplate: stored, defaulted (SetDefaults_LimitRangeItem, the pod
 * template's pod spec) and validated. Neither the LimitRanger nor the ResourceQuota admission is applied to pods,
 * and no quota controller fills a ResourceQuota's status (hard, used).
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { createdAtTable, podTemplateTable, resourceQuotaTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { defaultPodSpec, validatePodSpec } from './pod-spec.ts'
import { asObject, Causes, checkQuantity, objects, quantityValue } from './checks.ts'
import { statusSubresource } from './subresources.ts'

/** SetDefaults_LimitRangeItem: for containers, default limits from max, default requests from the default limits, then from min. */
function defaultLimitRange(lr: KubeObject): void {
  const spec = (lr.spec ??= {})
  spec.limits ??= []
  for (const item of objects(spec.limits)) {
    if (item.type !== 'Container') continue
    const defaults: Record<string, unknown> = { ...(asObject(item.default) ?? {}) }
    const requests: Record<string, unknown> = { ...(asObject(item.defaultRequest) ?? {}) }
    for (const [k, v] of Object.entries(asObject(item.max) ?? {})) if (!(k in defaults)) defaults[k] = v
    for (const [k, v] of Object.entries(defaults)) if (!(k in requests)) requests[k] = v
    for (const [k, v] of Object.entries(asObject(item.min) ?? {})) if (!(k in requests)) requests[k] = v
    if (Object.keys(defaults).length) item.default = defaults
    if (Object.keys(requests).length) item.defaultRequest = requests
  }
}

/** ValidateLimitRange: one item per type, no defaults for pods, min ≤ default request ≤ default limit ≤ max. */
function validateLimitRange(lr: KubeObject): StatusCause[] {
  const c = new Causes()
  const seen = new Set<string>()
  objects(lr.spec?.limits).forEach((item, i) => {
    const at = `spec.limits[${i}]`
    if (!item.type) c.required(`${at}.type`)
    else if (seen.has(item.type)) c.duplicate(`${at}.type`, item.type)
    seen.add(item.type)
    if (item.type === 'Pod') {
      if (Object.keys(asObject(item.default) ?? {}).length) c.forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'")
      if (Object.keys(asObject(item.defaultRequest) ?? {}).length) c.forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'")
    }
    const lists = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const
    for (const list of lists) for (const [k, q] of Object.entries(asObject(item[list]) ?? {})) checkQuantity(c, `${at}.${list}[${k}]`, q)
    const value = (list: string, k: string) => quantityValue(asObject(item[list])?.[k])
    const keys = new Set(lists.flatMap((l) => Object.keys(asObject(item[l]) ?? {})))
    for (const k of keys) {
      const min = value('min', k)
      const max = value('max', k)
      const def = value('default', k)
      const req = value('defaultRequest', k)
      const show = (list: string) => String(asObject(item[list])?.[k])
      if (min !== undefined && max !== undefined && min > max) c.invalid(`${at}.min[${k}]`, show('min'), `min value ${show('min')} is greater than max value ${show('max')}`)
      if (req !== undefined && min !== undefined && min > req) c.invalid(`${at}.defaultRequest[${k}]`, show('defaultRequest'), `min value ${show('min')} is greater than default request value ${show('defaultRequest')}`)
      if (req !== undefined && max !== undefined && req > max) c.invalid(`${at}.defaultRequest[${k}]`, show('defaultRequest'), `default request value ${show('defaultRequest')} is greater than max value ${show('max')}`)
      if (req !== undefined && def !== undefined && req > def) c.invalid(`${at}.defaultRequest[${k}]`, show('defaultRequest'), `default request value ${show('defaultRequest')} is greater than default limit value ${show('default')}`)
      if (def !== undefined && min !== undefined && min > def) c.invalid(`${at}.default[${k}]`, show('default'), `min value ${show('min')} is greater than default value ${show('default')}`)
      if (def !== undefined && max !== undefined && def > max) c.invalid(`${at}.default[${k}]`, show('default'), `default value ${show('default')} is greater than max value ${show('max')}`)
    }
  })
  return c.list
}

export const limitranges: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  shortNames: ['limits'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate: defaultLimitRange,
    prepareForUpdate: defaultLimitRange,
    validate: validateLimitRange,
  },
  // No printer upstream: the API server's default table (Name, Created At).
  table: createdAtTable,
}

const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass']
const SCOPE_OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn']

function validateResourceQuota(rq: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = rq.spec ?? {}
  for (const [k, q] of Object.entries(asObject(spec.hard) ?? {})) checkQuantity(c, `spec.hard[${k}]`, q)
  ;(Array.isArray(spec.scopes) ? spec.scopes : []).forEach((s: unknown, i: number) => c.oneOf(`spec.scopes[${i}]`, s, QUOTA_SCOPES))
  objects(asObject(spec.scopeSelector)?.matchExpressions).forEach((e, i) => {
    const at = `spec.scopeSelector.matchExpressions[${i}]`
    if (!e.scopeName) c.required(`${at}.scopeName`)
    else c.oneOf(`${at}.scopeName`, e.scopeName, QUOTA_SCOPES)
    if (!e.operator) c.required(`${at}.operator`)
    else c.oneOf(`${at}.operator`, e.operator, SCOPE_OPERATORS)
    const values = Array.isArray(e.values) ? e.values : []
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) c.required(`${at}.values`, 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector')
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length) c.invalid(`${at}.values`, values, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector')
  })
  return c.list
}

export const resourcequotas: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  shortNames: ['quota'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate(rq) {
      rq.spec ??= {}
      rq.status = {}
    },
    validate: validateResourceQuota,
  },
  subresources: { status: statusSubresource },
  table: resourceQuotaTable,
}

function defaultPodTemplate(pt: KubeObject): void {
  const template = (pt.template ??= {})
  template.metadata ??= {}
  template.spec ??= {}
  defaultPodSpec(template.spec)
}

export const podtemplates: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate: defaultPodTemplate,
    prepareForUpdate: defaultPodTemplate,
    validate: (pt) => validatePodSpec(pt.template?.spec, 'template.spec'),
  },
  table: podTemplateTable,
}
