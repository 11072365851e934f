/**
 * admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and ValidatingWebhookConfiguration: stored,
 * defaulted (SetDefaults_*Webhook, _Rule, _ServiceReference) and validated. They are stored only: the API server
 * calls no webhook, so the objects a chart's webhooks would mutate or reject are admitted as they are.
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { webhookConfigurationTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { asObject, Causes, checkSelector, objects } from './checks.ts'

/** SetDefaults_ValidatingWebhook / _MutatingWebhook, with the rules' scope and the service port. */
function defaultWebhooks(config: KubeObject, mutating: boolean): void {
  for (const w of objects(config.webhooks)) {
    w.failurePolicy ??= 'Fail'
    w.matchPolicy ??= 'Equivalent'
    w.namespaceSelector ??= {}
    w.objectSelector ??= {}
    w.timeoutSeconds ??= 10
    if (mutating) w.reinvocationPolicy ??= 'Never'
    for (const rule of objects(w.rules)) rule.scope ??= '*'
    const service = asObject(asObject(w.clientConfig)?.service)
    if (service) service.port ??= 443
  }
}

const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE']
const REVIEW_VERSIONS = ['v1', 'v1beta1']

function validateWebhooks(config: KubeObject, mutating: boolean): StatusCause[] {
  const c = new Causes()
  const names = new Set<string>()
  objects(config.webhooks).forEach((w, i) => {
    const at = `webhooks[${i}]`
    if (!w.name) c.required(`${at}.name`)
    else {
      if (String(w.name).split('.').length < 3) c.invalid(`${at}.name`, w.name, 'should be a domain with at least three segments separated by dots')
      if (names.has(w.name)) c.duplicate(`${at}.name`, w.name)
      names.add(w.name)
    }
    const client = asObject(w.clientConfig) ?? {}
    const hasUrl = typeof client.url === 'string' && client.url !== ''
    const service = asObject(client.service)
    if (hasUrl === Boolean(service)) c.required(`${at}.clientConfig`, 'exactly one of url or service is required')
    if (hasUrl && !String(client.url).startsWith('https://')) c.invalid(`${at}.clientConfig.url`, client.url, "'https' is the only allowed URL scheme")
    if (service) {
      if (!service.namespace) c.required(`${at}.clientConfig.service.namespace`, 'service namespace is required')
      if (!service.name) c.required(`${at}.clientConfig.service.name`, 'service name is required')
      if (service.port !== undefined && (!Number.isInteger(service.port) || service.port < 1 || service.port > 65535))
        c.invalid(`${at}.clientConfig.service.port`, service.port, 'port is not valid: must be between 1 and 65535, inclusive')
      if (typeof service.path === 'string' && service.path !== '' && !service.path.startsWith('/')) c.invalid(`${at}.clientConfig.service.path`, service.path, "must start with a '/'")
    }
    objects(w.rules).forEach((rule, j) => {
      const rat = `${at}.rules[${j}]`
      const ops: unknown[] = Array.isArray(rule.operations) ? rule.operations : []
      if (ops.length === 0) c.required(`${rat}.operations`)
      ops.forEach((op, k) => c.oneOf(`${rat}.operations[${k}]`, op, OPERATIONS))
      for (const list of ['apiGroups', 'apiVersions', 'resources']) if (!Array.isArray(rule[list]) || rule[list].length === 0) c.required(`${rat}.${list}`)
      c.oneOf(`${rat}.scope`, rule.scope, ['*', 'Cluster', 'Namespaced'])
    })
    c.oneOf(`${at}.failurePolicy`, w.failurePolicy, ['Fail', 'Ignore'])
    c.oneOf(`${at}.matchPolicy`, w.matchPolicy, ['Equivalent', 'Exact'])
    if (!w.sideEffects) c.required(`${at}.sideEffects`, 'must specify one of None, NoneOnDryRun')
    else c.oneOf(`${at}.sideEffects`, w.sideEffects, ['None', 'NoneOnDryRun'])
    if (w.timeoutSeconds !== undefined && (!Number.isInteger(w.timeoutSeconds) || w.timeoutSeconds < 1 || w.timeoutSeconds > 30))
      c.invalid(`${at}.timeoutSeconds`, w.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds')
    const versions: unknown[] = Array.isArray(w.admissionReviewVersions) ? w.admissionReviewVersions : []
    if (versions.length === 0) c.required(`${at}.admissionReviewVersions`, 'must specify one of v1, v1beta1')
    else if (!versions.some((v) => REVIEW_VERSIONS.includes(v as string))) c.invalid(`${at}.admissionReviewVersions`, versions, 'must include at least one of v1, v1beta1')
    if (mutating) c.oneOf(`${at}.reinvocationPolicy`, w.reinvocationPolicy, ['IfNeeded', 'Never'])
    checkSelector(c, `${at}.namespaceSelector`, w.namespaceSelector, false)
    checkSelector(c, `${at}.objectSelector`, w.objectSelector, false)
    const conditions = new Set<string>()
    objects(w.matchConditions).forEach((m, j) => {
      if (!m.name) c.required(`${at}.matchConditions[${j}].name`)
      else if (conditions.has(m.name)) c.duplicate(`${at}.matchConditions[${j}].name`, m.name)
      conditions.add(m.name)
      if (!m.expression) c.required(`${at}.matchConditions[${j}].expression`)
    })
  })
  return c.list
}

const webhookConfiguration = (kind: string, plural: string, mutating: boolean): ResourceDefinition => ({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced: false,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate: (config) => defaultWebhooks(config, mutating),
    prepareForUpdate(config, old) {
      defaultWebhooks(config, mutating)
      // The generation follows the webhooks (there is no spec).
      if (!jsonEqual(config.webhooks, old.webhooks)) config.metadata.generation = (old.metadata?.generation ?? 0) + 1
    },
    validate: (config) => validateWebhooks(config, mutating),
  },
  table: webhookConfigurationTable,
})

export const mutatingwebhookconfigurations = webhookConfiguration('MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', true)
export const validatingwebhookconfigurations = webhookConfiguration('ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false)
