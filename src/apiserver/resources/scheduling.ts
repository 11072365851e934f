/**
 * scheduling.k8s.io/v1 PriorityClass: stored, defaulted (SetDefaults_PriorityClass) and validated
 * (ValidatePriorityClass / Update). The scheduler does not resolve priorityClassName into pod priority here.
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { priorityClassTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { Causes } from './checks.ts'

/** The system priority classes (scheduling.SystemPriorityClasses): the only `system-` names allowed, with their values. */
export const SYSTEM_PRIORITY_CLASSES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 }
const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000

function defaultPriorityClass(pc: KubeObject): void {
  pc.preemptionPolicy ??= 'PreemptLowerPriority'
  pc.value ??= 0
}

function validatePriorityClass(pc: KubeObject): StatusCause[] {
  const c = new Causes()
  const name = String(pc.metadata?.name ?? '')
  if (!Number.isInteger(pc.value)) c.invalid('value', pc.value, 'must be an integer')
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES[name]
    if (known === undefined) c.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${name} is not a known system priority class`)
    else if (pc.value !== known) c.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: value of ${name} PriorityClass must be ${known}`)
  } else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) c.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`)
  c.oneOf('preemptionPolicy', pc.preemptionPolicy, ['Never', 'PreemptLowerPriority'])
  return c.list
}

export const priorityclasses: ResourceDefinition = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  shortNames: ['pc'],
  namespaced: false,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate: defaultPriorityClass,
    prepareForUpdate: defaultPriorityClass,
    validate: validatePriorityClass,
    validateUpdate(pc, old) {
      const c = new Causes()
      if (pc.value !== old.value) c.forbidden('value', 'may not be changed in an update.')
      c.immutable('preemptionPolicy', pc.preemptionPolicy, old.preemptionPolicy)
      return c.list
    },
  },
  table: priorityClassTable,
}
