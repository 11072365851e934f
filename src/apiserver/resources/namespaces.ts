import type { KubeObject } from '../../api/meta.ts'
import { ApiError } from '../../errors/api-error.ts'
import { namespaceTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { statusSubresource } from './subresources.ts'

/** The finalizer that keeps a deleted namespace until the namespace controller has emptied it. */
export const NAMESPACE_FINALIZER = 'kubernetes'
/** Namespaces that may not be deleted (the NamespaceLifecycle admission plugin's immortalNamespaces). */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public'])
/** Set on every namespace so that selectors can name it (NamespaceDefaultLabelName, 1.21+). */
const NAME_LABEL = 'kubernetes.io/metadata.name'

const labelName = (ns: KubeObject) => {
  ns.metadata.labels = { ...ns.metadata.labels, [NAME_LABEL]: ns.metadata.name! }
}

export const namespaces: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  namespaced: false,
  nameRule: 'label',
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  strategy: {
    prepareForCreate(ns) {
      ns.spec = { finalizers: [NAMESPACE_FINALIZER] }
      ns.status = { phase: 'Active' }
      labelName(ns)
    },
    prepareForUpdate(ns, old) {
      ns.spec = old.spec // spec.finalizers change only through /finalize
      labelName(ns)
    },
    extraFinalizers: (ns) => ns.spec?.finalizers ?? [],
    checkDelete(ns) {
      const name = ns.metadata.name!
      if (IMMORTAL_NAMESPACES.has(name))
        throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' })
    },
    prepareForDelete(ns) {
      ns.status = { ...ns.status, phase: 'Terminating' }
    },
  },
  subresources: {
    status: statusSubresource,
    finalize: {
      verbs: ['update'],
      merge(current, input) {
        current.spec = { ...current.spec, finalizers: input.spec?.finalizers ?? [] }
        return current
      },
    },
  },
  selectableFields: (ns) => ({ 'status.phase': ns.status?.phase ?? '' }),
  table: namespaceTable,
}
