import type { SubresourceDefinition } from '../registry/resource-definition.ts'

/** `<kind>/status`: PUT and PATCH change only `.status` (the status strategies of Kubernetes). */
export const statusSubresource: SubresourceDefinition = {
  verbs: ['get', 'update', 'patch'],
  merge(current, input) {
    if (input.status === undefined) delete current.status
    else current.status = input.status
    return current
  },
}
