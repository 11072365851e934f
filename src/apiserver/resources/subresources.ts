import type { KubeObject } from '../../api/meta.ts'
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

/** The autoscaling/v1 Scale that a `<kind>/scale` GET shows of an object: its identity, and the replica counts given. */
export function scaleOf(obj: KubeObject, spec: { replicas: number }, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec,
    status,
  }
}
