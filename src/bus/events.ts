import type { KubeObject } from '../api/meta.ts'

/** The type of a watch event, as Kubernetes names them. */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED'

/**
 * A change the store has confirmed. `resource` is the storage resource (`pods`, `deployments`),
 * `object` is in the stored shape, with metadata.resourceVersion set to the change's revision.
 * `previous` is the object before the change (absent for ADDED), so that watchers with selectors can
 * tell an object moving into or out of their selection.
 */
export interface ObjectChanged {
  resource: string
  type: ChangeType
  object: KubeObject
  previous?: KubeObject
  resourceVersion: number
}

/** Component lifecycle: what cluster/ uses to order start-up and to stop on failure. */
export type LifecycleEvent =
  | { type: 'component.ready'; component: string }
  | { type: 'component.failed'; component: string; error: Error }
  | { type: 'cluster.stopping' }
