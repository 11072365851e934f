import { endpointsTable, leaseTable, serviceAccountTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'

/** Kinds with no behaviour of their own: stored and served as they are. */
export const serviceaccounts: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {},
  table: serviceAccountTable,
}

export const endpoints: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  shortNames: ['ep'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {},
  table: endpointsTable,
}

export const leases: ResourceDefinition = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {},
  table: leaseTable,
}
