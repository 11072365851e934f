/**
 * policy/v1 PodDisruptionBudget: storage, validation (ValidatePodDisruptionBudgetSpec) and the status
 * subresource. No disruption controller computes its status, and nothing evicts through it (no pods/eviction).
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { podDisruptionBudgetTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { Causes, checkIntOrPercent, checkSelector } from './checks.ts'
import { statusSubresource } from './subresources.ts'

function validatePodDisruptionBudget(pdb: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = pdb.spec ?? {}
  const set = (v: unknown) => v !== undefined && v !== null
  if (set(spec.minAvailable) && set(spec.maxUnavailable)) c.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set')
  checkIntOrPercent(c, 'spec.minAvailable', spec.minAvailable)
  checkIntOrPercent(c, 'spec.maxUnavailable', spec.maxUnavailable)
  checkSelector(c, 'spec.selector', spec.selector, false)
  c.oneOf('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, ['IfHealthyBudget', 'AlwaysAllow'])
  return c.list
}

export const poddisruptionbudgets: ResourceDefinition = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  shortNames: ['pdb'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(pdb) {
      pdb.spec ??= {}
      pdb.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }
    },
    validate: validatePodDisruptionBudget,
  },
  subresources: { status: statusSubresource },
  table: podDisruptionBudgetTable,
}
