import type { DeleteOptions, KubeObject, StatusCause } from '../../api/meta.ts'
import { formatTime } from '../../api/meta.ts'
import { trackWrite, type FieldManagerOptions } from '../apply/field-manager.ts'
import { ApiError, alreadyExists, badRequest, conflict, expired, invalid, notFound, type ResourceRef } from '../../errors/api-error.ts'
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError, type KeyValue, type Store } from '../../store/store.ts'
import { jsonClone } from '../../client/json-clone.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { newUid, randomSuffix } from '../../util/random.ts'
import { inRequestScope, type RequestScope } from '../crd/request-scope.ts'
import { matchesFields, type FieldRequirement } from '../selectors/field-selector.ts'
import { matchesLabels, type LabelSelector } from '../selectors/label-selector.ts'
import type { CachedObject } from './cache-index.ts'
import { decodePage, isCachedPage, pageFromCache, revisionForCache, type CachedPage } from './cached-list.ts'
import { decodeObject, decodeText, encodeObject } from './codec.ts'
import { decodeContinue, encodeContinue } from './continue-token.ts'
import { apiVersionOf, type ResourceDefinition, type StrategyContext, type StrategyServices } from './resource-definition.ts'
import { parseResourceVersion, tooLargeResourceVersion } from './resource-version.ts'
import { validateObjectMeta } from './validate-meta.ts'
import type { WatchCache } from './watch-cache.ts'

export { parseResourceVersion } from './resource-version.ts'

/** What a registry needs from the API server around it. */
export interface RegistryContext {
  store: Store
  /** The etcd key prefix, `/registry` as in Kubernetes. */
  prefix: string
  services: StrategyServices
  /** Throws unless objects may be created in `namespace` (404 when absent, 403 when terminating). */
  checkNamespaceWritable(namespace: string): Promise<void>
}

/** Which objects a LIST or WATCH selects. */
export interface Selection {
  namespace?: string
  labelSelector?: LabelSelector
  fieldSelector?: FieldRequirement[]
}

export interface ListOptions extends Selection {
  limit?: number
  continue?: string
  /** `resourceVersion` as sent ('' = most recent, '0' = any). */
  resourceVersion?: string
  resourceVersionMatch?: 'NotOlderThan' | 'Exact'
}

export interface ListResult {
  items: KubeObject[]
  resourceVersion: string
  continue?: string
  remainingItemCount?: number
}

export interface WriteOptions {
  dryRun?: boolean
  /** Who writes, for metadata.managedFields (absent: the API server's own components). */
  fieldManager?: FieldManagerOptions
  /** The HTTP request that writes, for the strategies (custom resources report pruned fields to it); absent in-process. */
  request?: RequestScope
}

/** Builds the next version of an object from the current one; may throw ApiError. */
export type TryUpdate = (current: KubeObject) => KubeObject | Promise<KubeObject>

const MAX_UPDATE_ATTEMPTS = 16
/** An update attempt that must start over from the store's current object. */
const RETRY = Symbol('retry')

/**
 * The one generic registry (Kubernetes' registry/generic/registry/store.go): CRUD with optimistic
 * concurrency, graceful deletion and finalizers for any kind declared as a ResourceDefinition.
 * Every write goes through here; the kind's strategy adds what is specific to it.
 */
export class GenericRegistry {
  /** The resource segment of the storage key, shared by views of the same objects (events). */
  readonly storageResource: string
  /** The watch cache of the storage resource, which answers LISTs when it can (set by the API server). */
  private cache?: WatchCache
  private readonly strategyContext: (namespace: string) => StrategyContext

  constructor(
    readonly def: ResourceDefinition,
    private readonly ctx: RegistryContext,
  ) {
    this.storageResource = def.storage?.resource ?? def.plural
    this.strategyContext = (namespace) => ({ namespace, services: ctx.services })
  }

  /** The revision of the last write made through this registry (getCached() answers once the cache has it). */
  private lastWriteRevision = 0

  private wrote(revision: number): number {
    if (revision > this.lastWriteRevision) this.lastWriteRevision = revision
    return revision
  }

  /** `/registry/pods/` (all namespaces), `/registry/pods/default/` (one). */
  prefixFor(namespace?: string): string {
    const base = `${this.ctx.prefix}/${this.storageResource}/`
    return this.def.namespaced && namespace ? `${base}${namespace}/` : base
  }

  keyFor(namespace: string, name: string): string {
    return this.def.namespaced ? `${this.prefixFor(namespace)}${name}` : `${this.prefixFor()}${name}`
  }

  /** Serves LISTs from `cache` (the watch cache of this registry's storage resource) whenever it is fresh enough. */
  useCache(cache: WatchCache): void {
    this.cache = cache
  }

  ref(name?: string): ResourceRef {
    return { resource: this.def.plural, group: this.def.group, name }
  }

  /** Converts a stored object into this definition's shape, with apiVersion and kind set. */
  fromStorage(obj: KubeObject): KubeObject {
    const view = this.def.storage ? this.def.storage.fromStorage(obj) : obj
    view.apiVersion = apiVersionOf(this.def)
    view.kind = this.def.kind
    return view
  }

  private toStorage(obj: KubeObject): KubeObject {
    return this.def.storage ? this.def.storage.toStorage(obj) : obj
  }

  private decode(kv: KeyValue): KubeObject {
    return this.fromStorage(decodeObject(kv))
  }

  /** An object of the watch cache, as this definition serves it (a fresh object). */
  decodeCached(obj: CachedObject): KubeObject {
    return this.fromStorage(decodeText(obj.text, obj.revision))
  }

  /** Does an object fall in a selection? (namespace, labels, fields) */
  matches(obj: KubeObject, sel: Selection): boolean {
    if (sel.namespace && obj.metadata.namespace !== sel.namespace) return false
    if (sel.labelSelector && !matchesLabels(sel.labelSelector, obj.metadata.labels)) return false
    if (sel.fieldSelector && sel.fieldSelector.length > 0 && !matchesFields(sel.fieldSelector, this.fieldsOf(obj))) return false
    return true
  }

  /**
   * The fields a field selector can name for this object. Computed once per object: a change is decoded once and
   * matched against every field-selector watcher's selection.
   */
  fieldsOf(obj: KubeObject): Record<string, string> {
    let fields = this.fieldsMemo.get(obj)
    if (fields === undefined) this.fieldsMemo.set(obj, (fields = this.computeFields(obj)))
    return fields
  }

  private readonly fieldsMemo = new WeakMap<KubeObject, Record<string, string>>()

  private computeFields(obj: KubeObject): Record<string, string> {
    const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' }
    if (this.def.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? ''
    return this.def.selectableFields ? { ...fields, ...this.def.selectableFields(obj) } : fields
  }

  /**
   * The watch cache's copy of an object, or undefined when the cache does not hold it (not running, or not yet told
   * of it). It may be a little behind the store: for checks upstream makes against an informer (admission).
   */
  getCached(namespace: string, name: string): KubeObject | undefined {
    // Only once the cache has seen this registry's own last write: a client that just deleted a namespace is
    // then told it is terminating, never that it is not.
    if (!this.cache?.isFresh(this.lastWriteRevision)) return undefined
    const kv = this.cache.current(this.keyFor(namespace, name))
    return kv && this.decode(kv)
  }

  async get(namespace: string, name: string): Promise<KubeObject> {
    return this.decode(await this.getStored(namespace, name))
  }

  /** GET as stored: the value and its revision, not decoded (a JSON response splices the stored text). */
  async getStored(namespace: string, name: string): Promise<KeyValue> {
    const kv = await this.ctx.store.get(this.keyFor(namespace, name))
    if (!kv) throw notFound(this.ref(name))
    return kv
  }

  /** A LIST (see listPage), with its items decoded. */
  async list(opts: ListOptions): Promise<ListResult> {
    const page = await this.listPage(opts)
    if (!isCachedPage(page)) return page
    const result: ListResult = { items: decodePage(this, page), resourceVersion: page.resourceVersion }
    if (page.continue) result.continue = page.continue
    return result
  }

  /**
   * A LIST, from the watch cache once it has seen the revision the LIST must reflect (cached-list.ts), otherwise
   * from the store. The cache's page holds the stored objects, which a JSON response splices as they are.
   */
  async listPage(opts: ListOptions): Promise<CachedPage | ListResult> {
    const cache = this.cache
    if (cache) {
      const revision = await revisionForCache(cache, this.ctx.store, opts)
      if (revision !== undefined && (await cache.waitFresh(revision, cache.freshnessTimeoutMs))) {
        const page = pageFromCache(this, cache, opts, revision)
        if (page) return page
      }
    }
    return this.listFromStore(opts)
  }

  /**
   * A consistent LIST from the store: every page of one listing is read at the same revision (the first page's),
   * and filtered pages are topped up until `limit` matching items are found, as the apiserver does.
   */
  private async listFromStore(opts: ListOptions): Promise<ListResult> {
    const prefix = this.prefixFor(opts.namespace)
    let revision = 0
    let startKey: string | undefined
    if (opts.continue) {
      const token = decodeContinue(opts.continue)
      revision = token.revision
      startKey = prefix + token.start
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const requested = parseResourceVersion(opts.resourceVersion)
      // A revision the store has not reached is a 504 for Exact too (etcd's "future revision"), not an error of ours.
      const current = await this.ctx.store.currentRevision()
      if (requested > current) throw tooLargeResourceVersion(requested, current)
      if (opts.resourceVersionMatch === 'Exact') revision = requested
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0
    const items: KubeObject[] = []
    let more = false
    let lastKey: string | undefined
    try {
      for (;;) {
        const want = limit ? limit - items.length : 0
        // Ask for a little more than needed when filtering, so that sparse matches take fewer round trips.
        const batch = want ? Math.max(want, this.hasFilter(opts) ? 500 : want) : 0
        const page = await this.ctx.store.list(prefix, { revision: revision || undefined, limit: batch, startKey })
        revision = page.revision
        let consumedAll = true
        for (const kv of page.items) {
          if (limit && items.length === limit) {
            consumedAll = false
            break
          }
          lastKey = kv.key
          const obj = this.decode(kv)
          if (this.matches(obj, opts)) items.push(obj)
        }
        more = !consumedAll || page.more
        if (!page.more || !limit || items.length === limit) break
        startKey = lastKey + '\x00'
      }
    } catch (err) {
      if (err instanceof CompactedError)
        throw expired(
          opts.continue
            ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.'
            : `too old resource version: ${revision} (${err.compactRevision})`,
        )
      throw err
    }
    const result: ListResult = { items, resourceVersion: String(revision) }
    if (more && lastKey !== undefined) result.continue = encodeContinue({ revision, start: lastKey.slice(prefix.length) + '\x00' })
    return result
  }

  private hasFilter(sel: Selection): boolean {
    return Boolean(sel.labelSelector || (sel.fieldSelector && sel.fieldSelector.length))
  }

  /** POST: a new object from a client's body. */
  async create(namespace: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = this.checkTypeAndNamespace(input, namespace)
    const meta = obj.metadata
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix()
    meta.uid = newUid()
    meta.creationTimestamp = formatTime()
    delete meta.resourceVersion
    delete meta.deletionTimestamp
    delete meta.deletionGracePeriodSeconds
    delete meta.selfLink
    if (this.def.strategy.tracksGeneration) meta.generation = 1
    else delete meta.generation
    if (this.def.namespaced) await this.ctx.checkNamespaceWritable(namespace)
    await inRequestScope(opts.request, () => this.def.strategy.prepareForCreate?.(obj, this.strategyContext(namespace)))
    trackWrite(this.def, undefined, obj, opts)
    this.validate(obj, [])
    // Only a valid object takes cluster-wide values, and it gives them back unless it is stored (dry run, error).
    await this.def.strategy.allocate?.(obj, this.strategyContext(namespace))
    let stored = false
    try {
      if (opts.dryRun) return obj
      const revision = this.wrote(await this.ctx.store.create(this.keyFor(namespace, meta.name!), encodeObject(this.toStorage(obj))))
      stored = true
      meta.resourceVersion = String(revision)
      return obj
    } catch (err) {
      if (err instanceof KeyExistsError) throw alreadyExists(this.ref(meta.name))
      throw err
    } finally {
      if (!stored) await this.def.strategy.release?.(obj, this.strategyContext(namespace))
    }
  }

  /**
   * PUT or PATCH: retries `tryUpdate` on the latest object until the write lands, unless the new
   * object names a resourceVersion, which then must match (409 Conflict otherwise) — GuaranteedUpdate.
   * `subresource` 'status' (or another with a strategy) takes only that part of the result.
   */
  async update(namespace: string, name: string, tryUpdate: TryUpdate, opts: WriteOptions & { subresource?: string } = {}): Promise<KubeObject> {
    const key = this.keyFor(namespace, name)
    // The first attempt may start from the watch cache's copy (upstream GuaranteedUpdate's cachedExistingObject),
    // which saves a read of the store. Its write is conditional on the copy's revision, so a stale copy costs a
    // retry; anything else it leads to (a failed precondition, an error, nothing to change) is decided again on
    // the store's object.
    let cached = opts.dryRun ? undefined : this.cache?.current(key)
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const fromCache = cached !== undefined
      const kv = cached ?? (await this.ctx.store.get(key))
      cached = undefined
      if (!kv) throw notFound(this.ref(name))
      const result = await this.updateFrom(kv, fromCache, namespace, name, tryUpdate, opts)
      if (result !== RETRY) return result
    }
    throw conflict(this.ref(name), 'too many concurrent updates, please try again')
  }

  /**
   * One attempt of update() on `kv`; RETRY when it must start over from the store's current object. On the cache's
   * copy (`fromCache`), whatever depends on that copy being current (the update's own errors, a 409 or 404 of the
   * conditional write, nothing to change) is a RETRY too.
   */
  private async updateFrom(kv: KeyValue, fromCache: boolean, namespace: string, name: string, tryUpdate: TryUpdate, opts: WriteOptions & { subresource?: string }): Promise<KubeObject | typeof RETRY> {
    const current = this.decode(kv)
    let next: KubeObject
    try {
      let candidate = await tryUpdate(jsonClone(current))
      if (!candidate || typeof candidate !== 'object' || !candidate.metadata || typeof candidate.metadata !== 'object')
        throw badRequest('the object has no metadata')
      // A PUT hands back the same body on every attempt and preparing it changes it (resourceVersion, managedFields…):
      // an attempt that may well be retried works on a copy, so that the retry starts from the body as it was sent.
      if (fromCache) candidate = jsonClone(candidate)
      const preconditionRv = candidate.metadata.resourceVersion
      if (preconditionRv && preconditionRv !== current.metadata.resourceVersion) throw conflict(this.ref(name))
      const input = candidate
      next = inRequestScope(opts.request, () => this.prepareUpdate(input, current, namespace, name, opts.subresource))
      // An action subresource (pods/binding) changes the stored object on the server's behalf, as upstream's
      // BindingREST does straight in storage: no field manager records it.
      if (!(opts.subresource && this.def.subresources?.[opts.subresource]?.action)) trackWrite(this.def, current, next, opts)
    } catch (err) {
      if (fromCache) return RETRY
      throw err
    }
    if (this.deletionComplete(next)) {
      try {
        return await this.remove(kv.key, kv, next, opts)
      } catch (err) {
        if (fromCache && err instanceof ApiError && (err.code === 409 || err.code === 404)) return RETRY
        throw err
      }
    }
    if (jsonEqual(next, current)) return fromCache ? RETRY : current
    if (opts.dryRun) return next
    try {
      const revision = this.wrote(await this.ctx.store.update(kv.key, encodeObject(this.toStorage(next)), kv.modRevision))
      next.metadata.resourceVersion = String(revision)
      return next
    } catch (err) {
      // Someone wrote in between: start over from the newer object. A client's precondition is checked against
      // it then (a PUT with a stale resourceVersion gets its 409; a patch is re-applied and lands).
      if (err instanceof ConflictError || (fromCache && err instanceof KeyNotFoundError)) return RETRY
      if (err instanceof KeyNotFoundError) throw notFound(this.ref(name))
      throw err
    }
  }

  private prepareUpdate(input: KubeObject, current: KubeObject, namespace: string, name: string, subresource?: string): KubeObject {
    const sub = subresource ? this.def.subresources?.[subresource] : undefined
    let next: KubeObject
    if (sub?.merge) {
      // A status-like update changes only its part; metadata and spec stay (ResetObjectMetaForStatus).
      next = sub.merge(jsonClone(current), input)
    } else if (sub?.action) {
      next = input // already the stored object changed by the action (binding)
    } else {
      next = this.checkTypeAndNamespace(input, namespace)
      if (next.metadata.name !== name)
        throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`)
      if (next.metadata.uid && next.metadata.uid !== current.metadata.uid)
        throw conflict(this.ref(name), `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${current.metadata.uid}`)
      const meta = next.metadata
      const old = current.metadata
      meta.uid = old.uid
      meta.creationTimestamp = old.creationTimestamp
      meta.resourceVersion = old.resourceVersion
      setOrDelete(meta, 'deletionTimestamp', old.deletionTimestamp)
      setOrDelete(meta, 'deletionGracePeriodSeconds', old.deletionGracePeriodSeconds)
      setOrDelete(meta, 'generation', old.generation)
      delete meta.selfLink
      if (this.def.subresources?.status) setOrDelete(next, 'status', current.status)
      this.def.strategy.prepareForUpdate?.(next, current, this.strategyContext(namespace))
      if (this.def.strategy.tracksGeneration && !jsonEqual(next.spec, current.spec)) meta.generation = (old.generation ?? 0) + 1
    }
    // validateUpdate guards what a client may change through the object itself; a subresource has its own rules
    // (a binding sets the nodeName no pod update may change, a status write leaves the spec as it was).
    this.validate(next, sub ? [] : (this.def.strategy.validateUpdate?.(next, current) ?? []))
    return next
  }

  /** DELETE: at once, or — with finalizers or a grace period — marked and left for whoever finishes it. */
  async delete(namespace: string, name: string, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<KubeObject> {
    const key = this.keyFor(namespace, name)
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const kv = await this.ctx.store.get(key)
      if (!kv) throw notFound(this.ref(name))
      const obj = this.decode(kv)
      const pre = options.preconditions
      if (pre?.uid && pre.uid !== obj.metadata.uid)
        throw conflict(this.ref(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`)
      if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)
        throw conflict(this.ref(name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`)
      this.def.strategy.checkDelete?.(obj)
      const grace = this.def.strategy.gracePeriodSeconds?.(obj, options.gracePeriodSeconds) ?? 0
      const meta = obj.metadata
      const gcFinalizers = finalizersForPropagation(meta.finalizers ?? [], options)
      const finalizersChanged = gcFinalizers !== undefined
      if (gcFinalizers) setOrDelete(meta, 'finalizers', gcFinalizers.length ? gcFinalizers : undefined)
      const pending = this.finalizersOf(obj).length > 0
      if (!pending && grace === 0) {
        // Written in between (a controller's status update): start over from the newer object, as etcd3's Delete does.
        try {
          return await this.remove(key, kv, obj, opts)
        } catch (err) {
          if (err instanceof ApiError && err.code === 409) continue
          throw err
        }
      }
      const underWay = Boolean(meta.deletionTimestamp) && (meta.deletionGracePeriodSeconds ?? 0) <= grace
      if (underWay && !finalizersChanged) return obj
      if (!underWay) {
        meta.deletionTimestamp = formatTime(new Date(Date.now() + grace * 1000))
        meta.deletionGracePeriodSeconds = grace
        this.def.strategy.prepareForDelete?.(obj)
      }
      if (opts.dryRun) return obj
      try {
        const revision = this.wrote(await this.ctx.store.update(key, encodeObject(this.toStorage(obj)), kv.modRevision))
        meta.resourceVersion = String(revision)
        return obj
      } catch (err) {
        if (err instanceof ConflictError || err instanceof KeyNotFoundError) continue
        throw err
      }
    }
    throw conflict(this.ref(name), 'too many concurrent updates, please try again')
  }

  /** DELETE on a collection: every selected object, each as a single DELETE would. */
  async deleteCollection(sel: Selection, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<ListResult> {
    const listed = await this.list(sel)
    const items: KubeObject[] = []
    for (const obj of listed.items) {
      try {
        items.push(await this.delete(obj.metadata.namespace ?? '', obj.metadata.name!, options, opts))
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err
      }
    }
    return { items, resourceVersion: listed.resourceVersion }
  }

  private finalizersOf(obj: KubeObject): string[] {
    return [...(obj.metadata.finalizers ?? []), ...(this.def.strategy.extraFinalizers?.(obj) ?? [])]
  }

  /** An object marked for deletion whose finalizers are all gone and whose grace period is not waiting on anyone. */
  private deletionComplete(obj: KubeObject): boolean {
    return Boolean(obj.metadata.deletionTimestamp) && this.finalizersOf(obj).length === 0 && (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0
  }

  private async remove(key: string, kv: KeyValue, obj: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    if (opts.dryRun) return obj
    try {
      const revision = this.wrote((await this.ctx.store.delete(key, kv.modRevision)).revision)
      obj.metadata.resourceVersion = String(revision)
    } catch (err) {
      if (err instanceof KeyNotFoundError) throw notFound(this.ref(obj.metadata.name))
      if (err instanceof ConflictError) throw conflict(this.ref(obj.metadata.name))
      throw err
    }
    await this.def.strategy.release?.(obj, this.strategyContext(obj.metadata.namespace ?? ''))
    return obj
  }

  /** The body's apiVersion/kind must be ours (or absent); its namespace must be the URL's (or absent). */
  private checkTypeAndNamespace(input: KubeObject, namespace: string): KubeObject {
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw badRequest('the request body must be an object')
    const apiVersion = apiVersionOf(this.def)
    if (input.apiVersion !== undefined && input.apiVersion !== apiVersion)
      throw badRequest(`the API version in the data (${input.apiVersion}) does not match the expected API version (${apiVersion})`)
    if (input.kind !== undefined && input.kind !== this.def.kind)
      throw badRequest(`the kind in the data (${input.kind}) does not match the expected kind (${this.def.kind})`)
    if (input.metadata === undefined || input.metadata === null) input.metadata = {}
    if (typeof input.metadata !== 'object' || Array.isArray(input.metadata)) throw badRequest('metadata must be an object')
    const meta = input.metadata
    if (this.def.namespaced) {
      if (meta.namespace && meta.namespace !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
      meta.namespace = namespace
    } else delete meta.namespace
    input.apiVersion = apiVersion
    input.kind = this.def.kind
    return input
  }

  private validate(obj: KubeObject, extra: StatusCause[]): void {
    const causes = [
      ...validateObjectMeta(obj, this.def.nameRule ?? 'subdomain', this.def.namespaced),
      ...(this.def.strategy.validate?.(obj) ?? []),
      ...extra,
    ]
    if (causes.length) throw invalid(this.def.kind, this.def.group, obj.metadata.name, causes)
  }
}

/** The garbage collector's finalizers (registry/generic/registry/store.go deletionFinalizersForGarbageCollection). */
const ORPHAN_FINALIZER = 'orphan'
const FOREGROUND_FINALIZER = 'foregroundDeletion'

/**
 * The finalizers a DELETE leaves on an object for the garbage collector, or undefined when they stay as they are:
 * `orphan` for propagationPolicy Orphan (or orphanDependents=true), `foregroundDeletion` for Foreground; each drops
 * the other. Background (the default here for every kind; kubectl always sends it) asks for neither, and an
 * explicit policy overrides one a previous DELETE left. The garbage collector removes them once it has done its part.
 */
function finalizersForPropagation(finalizers: string[], options: DeleteOptions): string[] | undefined {
  let orphan: boolean
  let foreground: boolean
  if (typeof options.orphanDependents === 'boolean') {
    orphan = options.orphanDependents
    foreground = false
  } else if (options.propagationPolicy) {
    orphan = options.propagationPolicy === 'Orphan'
    foreground = options.propagationPolicy === 'Foreground'
  } else {
    orphan = finalizers.includes(ORPHAN_FINALIZER)
    foreground = !orphan && finalizers.includes(FOREGROUND_FINALIZER)
  }
  const next = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER)
  if (orphan) next.push(ORPHAN_FINALIZER)
  else if (foreground) next.push(FOREGROUND_FINALIZER)
  const same = next.length === finalizers.length && next.every((f) => finalizers.includes(f))
  return same ? undefined : next
}

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key]
  else target[key] = value
}
