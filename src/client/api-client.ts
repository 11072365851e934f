import type { DeleteOptions, KubeObject } from '../api/meta.ts'

/** Names a kind's collection: `{ group: 'apps', version: 'v1', resource: 'deployments' }`. */
export interface ResourceId {
  group: string
  version: string
  resource: string
}

export interface ResourceInfo extends ResourceId {
  kind: string
  namespaced: boolean
  verbs: string[]
}

export interface ClientListOptions {
  namespace?: string
  labelSelector?: string
  fieldSelector?: string
}

export type PatchType = 'application/json-patch+json' | 'application/merge-patch+json' | 'application/strategic-merge-patch+json'

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface WatchHandler {
  /** `object` may be shared with other watchers (in-process): read it, copy it before changing it. */
  event(type: WatchEventType, object: KubeObject): void
  /** The watch ended for good (410 Expired after compaction, connection lost): list again, then re-watch. */
  end(err: Error): void
}

export interface ClientWatch {
  close(): void
}

/**
 * How every component other than the API server reaches the API: in-process (LoopbackClient) or over
 * HTTP to another `cluster` process. Errors are ApiError with Kubernetes' codes and reasons.
 */
export interface ApiClient {
  discover(): Promise<ResourceInfo[]>
  get(r: ResourceId, namespace: string, name: string): Promise<KubeObject>
  list(r: ResourceId, opts?: ClientListOptions): Promise<{ items: KubeObject[]; resourceVersion: string }>
  /**
   * POST. With `subresource` (pods/binding) it POSTs `obj` to the action subresource of the object it
   * names (`obj.metadata.name`) and answers the server's Status (`{kind: 'Status', status: 'Success'}`).
   */
  create(r: ResourceId, namespace: string, obj: KubeObject, subresource?: string): Promise<KubeObject>
  /** PUT; `subresource` 'status' changes only the status. Conflicts are 409s. */
  update(r: ResourceId, namespace: string, obj: KubeObject, subresource?: string): Promise<KubeObject>
  patch(r: ResourceId, namespace: string, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<KubeObject>
  delete(r: ResourceId, namespace: string, name: string, opts?: DeleteOptions): Promise<KubeObject>
  deleteCollection(r: ResourceId, opts: ClientListOptions & DeleteOptions): Promise<void>
  /**
   * Every change after `resourceVersion` (absent or "0": ADDED for each existing object first), in order,
   * until closed or ended.
   */
  watch(r: ResourceId, opts: ClientListOptions & { resourceVersion?: string }, handler: WatchHandler): Promise<ClientWatch>
}

export const core = (resource: string): ResourceId => ({ group: '', version: 'v1', resource })
