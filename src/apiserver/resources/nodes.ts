import { nodeTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { statusSubresource } from './subresources.ts'

/** Nodes keep every field on create, status included (node strategy: "Nodes allow *all* fields"). */
export const nodes: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  shortNames: ['no'],
  namespaced: false,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate(node) {
      node.spec ??= {}
      node.status ??= {}
    },
  },
  subresources: { status: statusSubresource },
  selectableFields: (node) => ({ 'spec.unschedulable': String(node.spec?.unschedulable ?? false) }),
  table: nodeTable,
}
