import type { IncomingMessage, Server } from 'node:http'
import { createServer, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import Koa from 'koa'
import type { EventBus } from '../bus/bus.ts'
import { ApiError, methodNotAllowed } from '../errors/api-error.ts'
import { toStatus } from '../errors/to-status.ts'
import type { Logger } from '../log/logger.ts'
import type { Store } from '../store/store.ts'
import { StoreAllocator } from './allocators/store-allocator.ts'
import type { SchemaRegistry } from '../api/schema/schema.ts'
import { apiSchemas } from '../api/schema/types/index.ts'
import { aggregatedDiscovery, aggregatedDiscoveryContentType, aggregatedDiscoveryVersion, apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo, versionsOf } from './discovery.ts'
import { dispatch } from './handlers/dispatch.ts'
import { respond } from './handlers/handler-context.ts'
import { OpenApiService } from './openapi/service.ts'
import { GenericRegistry, type RegistryContext } from './registry/generic-registry.ts'
import { CustomResourceDefinitionController, type GroupVersionResource } from './crd/crd-controller.ts'
import { requestScope } from './crd/request-scope.ts'
import type { ResourceDefinition } from './registry/resource-definition.ts'
import { WatchCache } from './registry/watch-cache.ts'
import { parseResourcePath, type ResourceRequest } from './request-info.ts'
import { KubeletProxy, writeStatus } from './proxy/kubelet-proxy.ts'
import type { ConnectLocation, SubresourceDefinition } from './registry/resource-definition.ts'
import { builtinResources } from './resources/index.ts'

export interface ApiServerOptions {
  store: Store
  bus: EventBus
  log: Logger
  /** Where Service ClusterIPs come from (kube-apiserver's --service-cluster-ip-range). */
  serviceClusterIpRange?: string
  /** The etcd key prefix (kube-apiserver's --etcd-prefix). */
  prefix?: string
  resources?: ResourceDefinition[]
  /** The declared API types the OpenAPI documents are generated from (default: every built-in type). */
  schemas?: SchemaRegistry
}

/** Namespaces every cluster has from the start. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease']

const gvrKey = (group: string, version: string, resource: string) => `${group}/${version}/${resource}`

/**
 * The API server: the generic registries of every declared kind over one store, the watch caches
 * that feed the bus, and the koa app that serves them as Kubernetes does.
 */
export class ApiServer {
  readonly registries = new Map<string, GenericRegistry>()
  private readonly caches = new Map<string, WatchCache>()
  readonly app: Koa
  private server?: Server
  private readonly defs: ResourceDefinition[]
  private serverAddress = '127.0.0.1:0'
  /** /openapi/v2 and /openapi/v3: generated on the first request for them, not at start-up. */
  readonly openapi: OpenApiService
  /** Where pods/log, exec, attach and portforward go: the kubelet of the pod's node. */
  private readonly kubelets: KubeletProxy
  private readonly registryContext: RegistryContext
  /** The kinds given at construction, which addResources/removeResources never replace. */
  private readonly fixed: Set<string>
  /** Serves the kinds CustomResourceDefinitions define (when the CRD kind is served). */
  private readonly customResources?: CustomResourceDefinitionController

  constructor(private readonly opts: ApiServerOptions) {
    // A copy: kinds come and go with CustomResourceDefinitions (addResources), per server.
    this.defs = [...(opts.resources ?? builtinResources)]
    const prefix = opts.prefix ?? '/registry'
    const allocator = new StoreAllocator(opts.store, prefix, opts.serviceClusterIpRange ?? '10.96.0.0/12')
    const ctx = (this.registryContext = {
      store: opts.store,
      prefix,
      services: allocator,
      checkNamespaceWritable: (ns: string) => this.checkNamespaceWritable(ns),
    })
    for (const def of this.defs) {
      const registry = new GenericRegistry(def, ctx)
      this.registries.set(gvrKey(def.group, def.version, def.plural), registry)
      if (!this.caches.has(registry.storageResource))
        this.caches.set(registry.storageResource, new WatchCache(registry.storageResource, registry.prefixFor(), opts.store, opts.bus, opts.log.child({ component: 'watch-cache' })))
      registry.useCache(this.caches.get(registry.storageResource)!)
    }
    this.fixed = new Set(this.registries.keys())
    this.openapi = new OpenApiService(this.defs, opts.schemas ?? apiSchemas)
    if (this.registry('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'))
      this.customResources = new CustomResourceDefinitionController(this, opts.log.child({ component: 'crd-controller' }))
    this.kubelets = new KubeletProxy((name) => this.registry('', 'v1', 'nodes')!.get('', name), opts.log.child({ component: 'kubelet-proxy' }))
    this.app = this.buildApp()
  }

  /** The registry of a kind: `registry('', 'v1', 'pods')`. */
  registry(group: string, version: string, resource: string): GenericRegistry | undefined {
    return this.registries.get(gvrKey(group, version, resource))
  }

  /** The watch cache that feeds a registry's watches (views share their storage's cache). */
  watchCacheFor(registry: GenericRegistry): WatchCache {
    return this.caches.get(registry.storageResource)!
  }

  /**
   * Serves more kinds from now on (custom resources, as CustomResourceDefinitions come and change): each gets its
   * registry and the watch cache of its storage (started first, shared by the versions of one storage), and shows
   * in discovery and the OpenAPI documents. A kind added before under the same group/version/resource is
   * replaced; a kind given at construction never is.
   */
  async addResources(defs: ResourceDefinition[]): Promise<void> {
    for (const def of defs) {
      const key = gvrKey(def.group, def.version, def.plural)
      if (this.fixed.has(key)) throw new Error(`${key} is a built-in kind`)
      const registry = new GenericRegistry(def, this.registryContext)
      let cache = this.caches.get(registry.storageResource)
      if (!cache) {
        const created = new WatchCache(registry.storageResource, registry.prefixFor(), this.opts.store, this.opts.bus, this.opts.log.child({ component: 'watch-cache' }))
        await created.start()
        // Another addResources of the same storage may have finished first.
        cache = this.caches.get(registry.storageResource) ?? created
        if (cache === created) this.caches.set(registry.storageResource, created)
        else created.stop()
      }
      registry.useCache(cache)
      const previous = this.registries.get(key)
      const at = previous ? this.defs.indexOf(previous.def) : -1
      if (at >= 0) this.defs[at] = def
      else this.defs.push(def)
      this.registries.set(key, registry)
    }
    this.openapi.invalidate()
  }

  /** Stops serving kinds added with addResources; a watch cache no registry reads any more is stopped. */
  removeResources(refs: GroupVersionResource[]): void {
    for (const ref of refs) {
      const key = gvrKey(ref.group, ref.version, ref.plural)
      const registry = this.registries.get(key)
      if (!registry || this.fixed.has(key)) continue
      this.registries.delete(key)
      const at = this.defs.indexOf(registry.def)
      if (at >= 0) this.defs.splice(at, 1)
      if (![...this.registries.values()].some((r) => r.storageResource === registry.storageResource)) {
        this.caches.get(registry.storageResource)?.stop()
        this.caches.delete(registry.storageResource)
      }
    }
    this.openapi.invalidate()
  }

  /** A registry over a kind's storage that is not served (the CRD finalizer cleans up with it). */
  registryFor(def: ResourceDefinition): GenericRegistry {
    return new GenericRegistry(def, this.registryContext)
  }

  /** Starts the watch caches, makes the system namespaces exist and serves the custom resources. Call before serving. */
  async start(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.start()))
    const namespaces = this.registry('', 'v1', 'namespaces')!
    for (const name of SYSTEM_NAMESPACES) {
      await namespaces.create('', { metadata: { name } }).catch((err) => {
        if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err
      })
    }
    await this.customResources?.start()
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, this.app.callback())
    // Watches are long-lived; Node's default request timeout would cut them.
    server.requestTimeout = 0
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head))
    server.headersTimeout = 60_000
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    const address = server.address() as AddressInfo
    this.serverAddress = `${host}:${address.port}`
    return address
  }

  async stop(): Promise<void> {
    this.customResources?.stop()
    for (const cache of this.caches.values()) cache.stop()
    const server = this.server
    this.kubelets.closeAll()
    if (server) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }

  /**
   * Upstream's NamespaceLifecycle admission: it asks the namespaces informer, and the store only when the informer
   * does not know the namespace (it may have just been created). Ours asks the namespaces watch cache the same way,
   * once it has seen this server's own namespace writes (GenericRegistry.getCached): no etcd read per create.
   */
  private async checkNamespaceWritable(namespace: string): Promise<void> {
    const namespaces = this.registry('', 'v1', 'namespaces')!
    const ns = namespaces.getCached('', namespace) ?? (await namespaces.get('', namespace))
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating')
      throw new ApiError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`, {
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      })
  }

  private buildApp(): Koa {
    const app = new Koa()
    const log = this.opts.log.child({ component: 'apiserver' })
    app.use(async (koa, next) => {
      const started = performance.now()
      try {
        await next()
      } catch (err) {
        const { status, isBug } = toStatus(err)
        if (isBug) log.error({ err, method: koa.method, url: koa.url }, 'internal error')
        if (koa.respond === false) return // a stream already answered
        respond(koa, status.code, status)
      } finally {
        if (log.isLevelEnabled('debug')) log.debug({ method: koa.method, url: koa.url, status: koa.status, ms: +(performance.now() - started).toFixed(2) }, 'request')
      }
    })
    app.use(async (koa) => {
      const req = parseResourcePath(koa.path)
      if (!req) return this.serveNonResource(koa)
      const registry = this.registry(req.group, req.version, req.resource)
      if (!registry) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
      const sub = req.subresource ? registry.def.subresources?.[req.subresource] : undefined
      if (sub?.connect) return this.kubelets.proxyRequest(koa, await this.connectLocation(koa.method, req, registry, sub, new URLSearchParams(koa.querystring)))
      // The request is in scope of the strategies it reaches (custom resources report pruned fields by it).
      await dispatch({ koa, req, registry, watchCache: this.caches.get(registry.storageResource)!, query: koa.query, log, request: requestScope(koa) })
    })
    return app
  }

  /**
   * Where a connect subresource request goes (SubresourceDefinition.connect on the stored object), after the
   * checks the generic dispatch would make: the verb (GET = get, POST = create), a name, a namespace.
   */
  private async connectLocation(method: string, req: ResourceRequest, registry: GenericRegistry, sub: SubresourceDefinition, query: URLSearchParams): Promise<ConnectLocation> {
    const verb = method === 'GET' || method === 'HEAD' ? 'get' : method === 'POST' ? 'create' : undefined
    if (!verb || !sub.verbs.includes(verb)) throw methodNotAllowed('the server does not allow this method on the requested resource')
    if (!req.name || (registry.def.namespaced && !req.namespace)) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
    return sub.connect!(await registry.get(req.namespace, req.name), query)
  }

  /**
   * HTTP upgrades: exec, attach and portforward are spliced to the kubelet; any other upgrade request (an h2c
   * offer…) is served as the plain request it also is.
   */
  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://apiserver')
    let target: { req: ResourceRequest; registry: GenericRegistry; sub: SubresourceDefinition } | undefined
    try {
      const parsed = parseResourcePath(url.pathname)
      const registry = parsed && this.registry(parsed.group, parsed.version, parsed.resource)
      const sub = parsed?.subresource ? registry?.def.subresources?.[parsed.subresource] : undefined
      if (parsed && registry && sub?.connect && sub.upgrade) target = { req: parsed, registry, sub }
    } catch (err) {
      const { status } = toStatus(err)
      return writeStatus(socket, status.code, JSON.stringify(status))
    }
    if (target) {
      const t = target
      void this.kubelets.proxyUpgrade(req, socket, head, () => this.connectLocation(req.method ?? 'GET', t.req, t.registry, t.sub, url.searchParams))
      return
    }
    const res = new ServerResponse(req)
    res.shouldKeepAlive = false
    res.assignSocket(socket)
    res.on('finish', () => socket.end())
    if (head.length) socket.unshift(head)
    void this.app.callback()(req, res)
  }

  /** Discovery, version and health: everything that is not a resource. */
  private serveNonResource(koa: Koa.Context): void {
    const path = koa.path.replace(/\/+$/, '') || '/'
    if (koa.method !== 'GET' && koa.method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
    if (path === '/healthz' || path === '/livez' || path === '/readyz' || /^\/(healthz|livez|readyz)\/[\w-]+$/.test(path)) {
      koa.type = 'text/plain'
      koa.body = 'ok'
      return
    }
    if (path === '/version') return respond(koa, 200, versionInfo())
    if (path === '/api' || path === '/apis') {
      // Aggregated discovery only in a version the client lists; otherwise the legacy documents.
      koa.vary('Accept')
      const aggregated = aggregatedDiscoveryVersion(koa.get('accept'))
      if (aggregated) return respond(koa, 200, aggregatedDiscovery(this.defs, path === '/api' ? 'api' : 'apis', aggregated), aggregatedDiscoveryContentType(aggregated))
      return respond(koa, 200, path === '/api' ? apiVersions(this.serverAddress) : apiGroupList(this.defs))
    }
    if ((path === '/openapi' || path.startsWith('/openapi/')) && this.openapi.serve(koa, path)) return
    const parts = path.split('/').slice(1)
    if (parts[0] === 'api' && parts.length === 2 && this.defs.some((d) => !d.group && d.version === parts[1]))
      return respond(koa, 200, apiResourceList(this.defs, '', parts[1]))
    if (parts[0] === 'apis' && parts.length === 2) {
      const versions = versionsOf(this.defs, parts[1])
      if (versions.length) return respond(koa, 200, apiGroup(parts[1], versions))
    }
    if (parts[0] === 'apis' && parts.length === 3 && this.defs.some((d) => d.group === parts[1] && d.version === parts[2]))
      return respond(koa, 200, apiResourceList(this.defs, parts[1], parts[2]))
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
  }
}
