import type { KubeObject, StatusCause } from '../../api/meta.ts'
import type { NameRule } from '../../api/validation.ts'

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection'

export const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

/** What the generic registry tells a strategy about the request, for the few kinds that care. */
export interface StrategyContext {
  /** The object's namespace from the URL ('' for cluster-scoped kinds). */
  namespace: string
  /** Allocators and other cluster services a strategy may need (e.g. service ClusterIPs). */
  services: StrategyServices
}

/** Cluster-wide unique values a strategy may take and give back (kept in the store, so they survive restarts). */
export type AllocationPool = 'clusterIP' | 'nodePort'

export interface StrategyServices {
  /** A free value from the pool, or `requested` if it is free (422/409 otherwise). */
  allocate(pool: AllocationPool, requested?: string): Promise<string>
  release(pool: AllocationPool, value: string): Promise<void>
}

/**
 * The behaviour of one kind, as Kubernetes' RESTCreateStrategy / RESTUpdateStrategy: small pure functions
 * around the one generic registry. Everything is optional; absent = the generic default.
 */
export interface Strategy {
  /** Fill defaults and server-owned fields of a new object (e.g. pod status = Pending). May mutate. */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void | Promise<void>
  /** Reconcile a new version with the stored one (e.g. keep the old status). May mutate `obj`. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void
  /** Problems with a new object: each becomes a cause of a 422 Invalid. */
  validate?(obj: KubeObject): StatusCause[]
  /** Problems with an update (immutable fields…). `validate` runs too. */
  validateUpdate?(obj: KubeObject, old: KubeObject): StatusCause[]
  /**
   * Takes the cluster-wide values a new object needs (a Service's ClusterIP and NodePorts), after it passed
   * validation and just before it is stored (Kubernetes' BeginCreate). On failure it gives back what it took itself.
   */
  allocate?(obj: KubeObject, ctx: StrategyContext): Promise<void>
  /** Gives back what `allocate` took: called after a delete, and when a create does not land (dry run, error). */
  release?(obj: KubeObject, ctx: StrategyContext): void | Promise<void>
  /** Does a spec change bump metadata.generation? (true for kinds with spec/status) */
  tracksGeneration?: boolean
  /**
   * The grace period (seconds) of a DELETE, given the one the client asked for; > 0 makes deletion graceful
   * (a pod bound to a node waits for its kubelet). Absent = deleted at once.
   */
  gracePeriodSeconds?(obj: KubeObject, requested: number | undefined): number
  /** Finalizers kept outside metadata.finalizers (a namespace's spec.finalizers): deletion waits for them too. */
  extraFinalizers?(obj: KubeObject): string[]
  /** Marks an object whose deletion has begun (a namespace goes Terminating). May mutate. */
  prepareForDelete?(obj: KubeObject): void
  /** Refuses a DELETE before anything changes, by throwing an ApiError (the immortal namespaces: 403). */
  checkDelete?(obj: KubeObject): void
}

/** A subresource served from the same stored object: status, scale, binding, finalize. */
export interface SubresourceDefinition {
  verbs: Verb[]
  /** The Kind the subresource answers with when it is not the object's own (Scale in autoscaling/v1). */
  kind?: { group: string; version: string; kind: string }
  /**
   * For status-like subresources (PUT/PATCH): the stored object with this subresource's part taken from
   * `input`, everything else kept (Kubernetes' status strategies and ResetObjectMetaForStatus).
   */
  merge?(current: KubeObject, input: KubeObject): KubeObject
  /** For subresources with a shape of their own (scale): the object seen through it, and a view written back. */
  view?: {
    get(obj: KubeObject): KubeObject
    apply(obj: KubeObject, view: KubeObject): KubeObject
  }
  /** For action subresources (POST binding): the stored object changed by the posted body; throws ApiError. */
  action?(obj: KubeObject, body: KubeObject): KubeObject
  /**
   * For "connect" subresources served by the kubelet of the object's node (pods/log, exec, attach, portforward):
   * where the request goes, decided from the stored object and the query (throws ApiError). The API server
   * proxies the request there (apiserver/proxy/) instead of running a generic handler.
   */
  connect?(obj: KubeObject, query: URLSearchParams): ConnectLocation
  /** A connect subresource reached by HTTP upgrades (WebSocket, SPDY): the connection is spliced to the kubelet. */
  upgrade?: boolean
}

/** A kubelet request: the node whose kubelet serves it, and the path (with query) on that kubelet. */
export interface ConnectLocation {
  node: string
  path: string
}

export interface ColumnDefinition {
  name: string
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date'
  format?: string
  description?: string
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority: 0 | 1
}

/** The server-side printer of `kubectl get` (pkg/printers/internalversion/printers.go). */
export interface TableDefinition {
  columns: ColumnDefinition[]
  /** One cell per column; `now` is passed so that Age cells are testable. */
  row(obj: KubeObject, now: Date): unknown[]
}

/**
 * One kind, declared as data: the generic registry, the HTTP handlers and discovery are derived from it.
 */
export interface ResourceDefinition {
  group: string
  version: string
  kind: string
  /** The URL segment and the etcd key segment: `pods`. */
  plural: string
  singular: string
  shortNames?: string[]
  categories?: string[]
  namespaced: boolean
  /** How metadata.name is validated (default: DNS-1123 subdomain, as most kinds). */
  nameRule?: NameRule
  verbs: Verb[]
  strategy: Strategy
  subresources?: Record<string, SubresourceDefinition>
  /** Fields a `fieldSelector` may name, beyond metadata.name and metadata.namespace. */
  selectableFields?(obj: KubeObject): Record<string, string>
  table?: TableDefinition
  /**
   * Another group-version's view of the same stored objects (events.k8s.io/v1 Event over core/v1 Event).
   * Objects are stored in the shape of `storage.resource`'s definition.
   */
  storage?: {
    group: string
    resource: string
    toStorage(obj: KubeObject): KubeObject
    fromStorage(obj: KubeObject): KubeObject
  }
}

export const apiVersionOf = (def: { group: string; version: string }) =>
  def.group ? `${def.group}/${def.version}` : def.version
