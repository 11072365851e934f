import type { KubeObject } from '../../api/meta.ts'
import type { Store } from '../../store/store.ts'
import { matchesFields } from '../selectors/field-selector.ts'
import { matchesLabels } from '../selectors/label-selector.ts'
import type { CachedObject } from './cache-index.ts'
import { encodeContinue } from './continue-token.ts'
import type { GenericRegistry, ListOptions } from './generic-registry.ts'
import { parseResourceVersion, tooLargeResourceVersion } from './resource-version.ts'
import type { WatchCache } from './watch-cache.ts'

/** A LIST page answered from the watch cache: the objects as stored, decoded only if the response needs it. */
export interface CachedPage {
  objects: CachedObject[]
  /** Objects filtering had to decode (a view's, or for a field selector), by position in `objects`. */
  decoded: (KubeObject | undefined)[]
  resourceVersion: string
  continue?: string
}

export function isCachedPage(page: object): page is CachedPage {
  return 'objects' in page
}

/**
 * The revision a LIST must reflect if the cache is to answer it (as with ConsistentListFromCache), once the
 * cache has seen it; undefined when the store must answer:
 *  - resourceVersion "" (most recent): the store's current revision, so a LIST sees every write that came before
 *    it; a `limit` is fine (the first page is the cache's at its revision; `continue` pages read the store there);
 *  - "0" (any): whatever the cache has;
 *  - N (not older than): N (504 if the store has not reached it, as before);
 *  - `continue` and resourceVersionMatch=Exact read an exact older revision: only the store has it.
 */
export async function revisionForCache(cache: WatchCache, store: Store, opts: ListOptions): Promise<number | undefined> {
  if (opts.continue || opts.resourceVersionMatch === 'Exact') return undefined
  const rv = opts.resourceVersion
  if (rv === '0') return 0
  if (!rv) return store.currentRevision()
  const requested = parseResourceVersion(rv)
  if (cache.isFresh(requested)) return requested
  const current = await store.currentRevision()
  if (requested > current) throw tooLargeResourceVersion(requested, current)
  return requested
}

/**
 * A LIST answered by the cache at its current revision, as the store would answer it at that revision: keys in
 * order, selectors applied, `limit` topped up with matches, a continue token for the store to go on from. Runs
 * synchronously, so the page is one snapshot. Undefined when the cache is not fresh for `revision` (any more).
 */
export function pageFromCache(registry: GenericRegistry, cache: WatchCache, opts: ListOptions, revision: number): CachedPage | undefined {
  if (!cache.isFresh(revision)) return undefined
  const prefix = registry.prefixFor(opts.namespace)
  const at = cache.revision
  const limit = opts.limit && opts.limit > 0 ? opts.limit : 0
  const filter = new CacheFilter(registry, opts)
  const objects: CachedObject[] = []
  const decoded: (KubeObject | undefined)[] = []
  let lastKey: string | undefined
  let more = false
  for (const obj of cache.objectsUnder(prefix)) {
    if (limit && objects.length === limit) {
      more = true
      break
    }
    lastKey = obj.key
    if (!filter.test(obj)) continue
    if (filter.decoded) decoded[objects.length] = filter.decoded
    objects.push(obj)
  }
  const page: CachedPage = { objects, decoded, resourceVersion: String(at) }
  if (more && lastKey !== undefined) page.continue = encodeContinue({ revision: at, start: lastKey.slice(prefix.length) + '\x00' })
  return page
}

/** The page's objects as the registry serves them (fresh objects: callers may change them). */
export function decodePage(registry: GenericRegistry, page: CachedPage): KubeObject[] {
  return page.objects.map((obj, i) => page.decoded[i] ?? registry.decodeCached(obj))
}

/**
 * A LIST's selection over cached objects, decoding as little as it can: a namespace is the key prefix already,
 * labels come from the object's parsed labels, metadata.name / metadata.namespace from its key. A definition that
 * is a view of another's storage (events.k8s.io) or a field selector on other fields has the object decoded.
 */
class CacheFilter {
  /** The object the last test decoded, if it did. */
  decoded?: KubeObject
  private readonly active: boolean
  private readonly decodeAll: boolean
  private readonly base: string

  constructor(
    private readonly registry: GenericRegistry,
    private readonly opts: ListOptions,
  ) {
    const fields = opts.fieldSelector ?? []
    this.active = Boolean(opts.labelSelector) || fields.length > 0
    this.decodeAll = Boolean(registry.def.storage) || fields.some((r) => r.field !== 'metadata.name' && (r.field !== 'metadata.namespace' || !registry.def.namespaced))
    this.base = registry.prefixFor()
  }

  test(obj: CachedObject): boolean {
    this.decoded = undefined
    if (!this.active) return true
    if (this.decodeAll) {
      this.decoded = this.registry.decodeCached(obj)
      return this.registry.matches(this.decoded, this.opts)
    }
    if (this.opts.labelSelector && !matchesLabels(this.opts.labelSelector, obj.labels)) return false
    const fields = this.opts.fieldSelector
    return !fields?.length || matchesFields(fields, this.keyFields(obj.key))
  }

  /** metadata.name (and metadata.namespace) from `<prefix>[<namespace>/]<name>`. */
  private keyFields(key: string): Record<string, string> {
    const rest = key.slice(this.base.length)
    if (!this.registry.def.namespaced) return { 'metadata.name': rest }
    const slash = rest.indexOf('/')
    return { 'metadata.name': rest.slice(slash + 1), 'metadata.namespace': rest.slice(0, slash) }
  }
}
