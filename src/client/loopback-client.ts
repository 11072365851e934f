import type { DeleteOptions, KubeObject } from '../api/meta.ts'
import type { ApiServer } from '../apiserver/api-server.ts'
import { parsePatch } from '../apiserver/patch/apply-patch.ts'
import type { GenericRegistry, WriteOptions } from '../apiserver/registry/generic-registry.ts'
import { parseFieldSelector } from '../apiserver/selectors/field-selector.ts'
import { parseLabelSelector } from '../apiserver/selectors/label-selector.ts'
import { ApiError, methodNotAllowed } from '../errors/api-error.ts'
import { watchSelection } from '../apiserver/registry/watch-selection.ts'
import type { ApiClient, ClientListOptions, ClientWatch, PatchType, ResourceId, ResourceInfo, WatchHandler } from './api-client.ts'
import { jsonClone } from './json-clone.ts'

/**
 * The in-process client: calls the API server's registries directly, with the same validation,
 * defaulting and concurrency rules as HTTP requests, minus the sockets and JSON round trips.
 *
 * Objects sent are copied (the registry fills in and changes what it is given, and callers often send objects
 * that share parts with their caches), as JSON would carry them. Objects a watch delivers are NOT copied: one
 * decoded object per change is shared by every in-process watcher (client-go's contract for informer caches:
 * read them, copy before changing). Copying each change for each watcher was ~5% of a busy cluster's CPU.
 */
export class LoopbackClient implements ApiClient {
  private readonly writes: WriteOptions

  /**
   * `manager`: who the writes are by, in metadata.managedFields, named as upstream's components name themselves
   * (their User-Agent): `kubelet`, `kube-scheduler`, `kube-controller-manager`. Without one, the API server's own.
   */
  constructor(
    private readonly server: ApiServer,
    manager?: string,
  ) {
    this.writes = manager ? { fieldManager: { manager } } : {}
  }

  private registry(r: ResourceId): GenericRegistry {
    const registry = this.server.registry(r.group, r.version, r.resource)
    if (!registry) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${r.resource})`)
    return registry
  }

  async discover(): Promise<ResourceInfo[]> {
    return [...this.server.registries.values()].map(({ def }) => ({
      group: def.group,
      version: def.version,
      resource: def.plural,
      kind: def.kind,
      namespaced: def.namespaced,
      verbs: def.verbs,
    }))
  }

  get(r: ResourceId, namespace: string, name: string) {
    return this.registry(r).get(namespace, name)
  }

  async list(r: ResourceId, opts: ClientListOptions = {}) {
    const { items, resourceVersion } = await this.registry(r).list(selection(opts))
    return { items, resourceVersion }
  }

  async create(r: ResourceId, namespace: string, obj: KubeObject, subresource?: string): Promise<KubeObject> {
    const registry = this.registry(r)
    if (!subresource) return registry.create(namespace, jsonClone(obj), this.writes)
    // An action subresource (pods/binding), as the HTTP createHandler applies it: the action changes the stored object.
    const action = registry.def.subresources?.[subresource]?.action
    if (!action) throw methodNotAllowed(`POST is not supported on ${registry.def.plural}/${subresource}`)
    const body = jsonClone(obj)
    await registry.update(namespace, obj.metadata.name!, (current) => action(current, body), { ...this.writes, subresource })
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as KubeObject
  }

  update(r: ResourceId, namespace: string, obj: KubeObject, subresource?: string) {
    const body = jsonClone(obj)
    return this.registry(r).update(namespace, obj.metadata.name!, () => body, { ...this.writes, subresource })
  }

  patch(r: ResourceId, namespace: string, name: string, type: PatchType, patch: unknown, subresource?: string) {
    const registry = this.registry(r)
    const patcher = parsePatch(type, Buffer.from(JSON.stringify(patch)), registry.def)
    return registry.update(namespace, name, patcher, { ...this.writes, subresource })
  }

  delete(r: ResourceId, namespace: string, name: string, opts: DeleteOptions = {}) {
    return this.registry(r).delete(namespace, name, opts, this.writes)
  }

  async deleteCollection(r: ResourceId, opts: ClientListOptions & DeleteOptions) {
    await this.registry(r).deleteCollection(selection(opts), opts, this.writes)
  }

  async watch(r: ResourceId, opts: ClientListOptions & { resourceVersion?: string }, handler: WatchHandler): Promise<ClientWatch> {
    const registry = this.registry(r)
    // Shared with the other watchers of the change (see the class comment): handlers must not change it.
    return watchSelection(registry, this.server.watchCacheFor(registry), selection(opts), opts.resourceVersion, handler)
  }
}

function selection(opts: ClientListOptions) {
  return {
    namespace: opts.namespace,
    labelSelector: opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined,
    fieldSelector: opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : undefined,
  }
}
