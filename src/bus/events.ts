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
  /**
   * The stored JSON of `object` as the watch cache holds it, when it has one: an HTTP watch splices it into its
   * event line (as a GET does) instead of serializing the decoded object again.
   */
  stored?: StoredValue
}

/** A stored value: JSON without a resourceVersion, and where metadata's members start in it (-1: not spliceable). */
export interface StoredValue {
  readonly bytes: Uint8Array
  readonly offset: number
  readonly revision: number
}

/** Component lifecycle: what cluster/ uses to order start-up and to stop on failure. */
export type LifecycleEvent =
  | { type: 'component.ready'; component: string }
  | { type: 'component.failed'; component: string; error: Error }
  | { type: 'cluster.stopping' }
