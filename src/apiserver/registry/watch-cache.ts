import type { KubeObject } from '../../api/meta.ts'
import type { EventBus } from '../../bus/bus.ts'
import type { ChangeType, ObjectChanged } from '../../bus/events.ts'
import type { Logger } from '../../log/logger.ts'
import { CompactedError, type KeyValue, type Store, type StoreEvent } from '../../store/store.ts'
import { CachedObject, ObjectIndex } from './cache-index.ts'
import { decodeText, ownedBytes } from './codec.ts'
import { StoreFeed, type FeedListener } from './store-feed.ts'

/** How many recent changes per resource are kept for watchers that resume from a resourceVersion. */
const DEFAULT_WINDOW = 2000
const RETRY_DELAY_MS = 500
/** The (re)list that fills the cache reads pages of this many objects, all at one revision. */
const LIST_PAGE = 5000

export interface ChangeSubscription {
  close(): void
}

export interface ChangeListener {
  change(change: ObjectChanged): void
  /** The stream can not go on (its history was compacted, or the cache was reset): the client must relist. */
  end(err: Error): void
}

/** A change in the window: the stored values, not decoded objects (decoded again for a watcher that replays it). */
interface WindowEntry {
  type: ChangeType
  object: CachedObject
  previous?: CachedObject
}

/** A change as the bus carries it, decoded on first use (once, however many listeners read it). */
class CachedChange implements ObjectChanged {
  private decoded?: KubeObject
  private decodedPrevious?: KubeObject

  constructor(
    readonly resource: string,
    private readonly entry: WindowEntry,
  ) {}

  get type(): ChangeType {
    return this.entry.type
  }

  get resourceVersion(): number {
    return this.entry.object.revision
  }

  get stored(): CachedObject {
    return this.entry.object
  }

  get object(): KubeObject {
    return (this.decoded ??= decodeText(this.entry.object.text, this.entry.object.revision))
  }

  get previous(): KubeObject | undefined {
    const prev = this.entry.previous
    return prev && (this.decodedPrevious ??= decodeText(prev.text, prev.revision))
  }
}

interface Waiter {
  revision: number
  resolve(fresh: boolean): void
}

/**
 * The watch cache of one storage resource (Kubernetes' Cacher and watchCache): the current objects, filled by a
 * LIST and kept up to date from the store feed (one watch of the whole store, store-feed.ts), and a window of
 * recent changes for watchers that resume from a resourceVersion; an older one gets a watch of its own on the
 * store (which answers 410 once compacted). Every change is published on the bus.
 *
 * It keeps the stored bytes, not decoded objects, so it costs little more than the objects' JSON. LISTs are answered
 * from it (cached-list.ts) once it has seen the revision they must reflect. Nothing here is state of record: it
 * is rebuilt from the store on restart, and by a relist when the feed's history was compacted away.
 */
export class WatchCache implements FeedListener {
  private readonly index = new ObjectIndex()
  private window: WindowEntry[] = []
  /** Every change after this revision is in the window. */
  private windowStart = 0
  /** Changes that arrive while a (re)list is under way; applied once it is in. Undefined when ready. */
  private pending?: StoreEvent[] = []
  /** The revision of the last (re)list. */
  private listedAt = 0
  /** Counts relists, so that an older one still under way knows it was overtaken. */
  private generation = 0
  private feed?: StoreFeed
  private stopped = false
  private readonly resetListeners = new Set<(err: Error) => void>()
  private readonly waiters = new Set<Waiter>()
  /**
   * How long a LIST waits for the cache to catch up with the revision it must reflect before it reads the store
   * instead (upstream's 3 s blockTimeout of waitUntilFreshAndBlock).
   */
  freshnessTimeoutMs = 3000

  constructor(
    readonly resource: string,
    readonly prefix: string,
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly capacity = DEFAULT_WINDOW,
  ) {}

  async start(): Promise<void> {
    this.stopped = false
    this.pending ??= []
    const feed = (this.feed = StoreFeed.of(this.store, this.log))
    try {
      await feed.add(this.prefix, this)
      await this.relist(feed.revision, true)
    } catch (err) {
      feed.remove(this.prefix, this)
      throw err
    }
  }

  stop(): void {
    this.stopped = true
    this.generation++
    this.feed?.remove(this.prefix, this)
    for (const w of this.waiters) w.resolve(false)
    this.waiters.clear()
  }

  /** The revision up to which every change of this resource has been published (for BOOKMARKs, LISTs). */
  get revision(): number {
    if (this.pending || !this.feed) return this.listedAt
    return Math.max(this.listedAt, this.feed.revision)
  }

  /** Whether the cache holds its resource as it was at `revision` or later. */
  isFresh(revision: number): boolean {
    return !this.pending && !this.stopped && this.revision >= revision
  }

  /** Resolves true once the cache is fresh for `revision`, false when that takes longer than `timeoutMs`. */
  waitFresh(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.isFresh(revision)) return Promise.resolve(true)
    if (this.stopped || !this.feed) return Promise.resolve(false) // not started: nothing to wait for
    return new Promise((resolve) => {
      const waiter: Waiter = {
        revision,
        resolve: (fresh) => {
          clearTimeout(timer)
          this.waiters.delete(waiter)
          resolve(fresh)
        },
      }
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs)
      this.waiters.add(waiter)
    })
  }

  /**
   * The cached value of a key as a store read would give it (createRevision unknown: 0), when the cache is
   * running; it may be a little behind the store, so only for what a conditional write checks anyway.
   */
  current(key: string): KeyValue | undefined {
    if (this.pending || this.stopped || !this.feed) return undefined
    const obj = this.index.get(key)
    return obj && { key, value: obj.bytes, modRevision: obj.revision, createRevision: 0 }
  }

  /** The current objects under `prefix` (the resource's, or one namespace's), in key order. */
  objectsUnder(prefix: string): CachedObject[] {
    return this.index.under(prefix)
  }

  /** How many objects the cache holds. */
  get size(): number {
    return this.index.size
  }

  // FeedListener

  event(ev: StoreEvent): void {
    if (this.pending) this.pending.push(ev)
    else this.apply(ev)
  }

  progress(): void {
    for (const w of this.waiters) if (this.isFresh(w.revision)) w.resolve(true)
  }

  reset(err: Error, revision: number): void {
    if (this.stopped) return
    this.log.warn({ resource: this.resource, err: err.message, revision }, 'watch cache reset; relisting')
    for (const l of this.resetListeners) l(err)
    void this.relist(revision)
  }

  /** Fills the cache from a LIST at `at`; changes arriving meanwhile wait in `pending`. Retries until it lands. */
  private async relist(at: number, first = false): Promise<void> {
    const generation = ++this.generation
    this.pending ??= []
    this.window = []
    this.listedAt = this.windowStart = at
    for (;;) {
      try {
        const listed = await this.listAt(at)
        if (generation !== this.generation) return
        this.install(listed.objects, listed.revision)
        return
      } catch (err) {
        if (first) throw err
        if (generation !== this.generation) return
        this.log.warn({ resource: this.resource, err: (err as Error).message }, 'watch cache relist failed; retrying')
        if (err instanceof CompactedError && this.feed) at = this.feed.revision
        else await new Promise((r) => setTimeout(r, RETRY_DELAY_MS))
        if (generation !== this.generation) return
        this.listedAt = this.windowStart = at
      }
    }
  }

  private async listAt(at: number): Promise<{ objects: CachedObject[]; revision: number }> {
    const objects: CachedObject[] = []
    let revision = at
    let startKey: string | undefined
    for (;;) {
      const page = await this.store.list(this.prefix, { revision: revision || undefined, limit: LIST_PAGE, startKey })
      revision = page.revision
      for (const kv of page.items) objects.push(new CachedObject(kv.key, ownedBytes(kv.value), kv.modRevision))
      if (!page.more || page.items.length === 0) return { objects, revision }
      startKey = page.items.at(-1)!.key + '\x00'
    }
  }

  private install(objects: CachedObject[], revision: number): void {
    this.index.reset(objects)
    this.listedAt = this.windowStart = revision
    const pending = this.pending ?? []
    this.pending = undefined
    // Changes up to the LIST's revision are in it already.
    for (const ev of pending) if (ev.kv.modRevision > revision) this.apply(ev)
    this.progress()
  }

  private apply(ev: StoreEvent): void {
    const key = ev.kv.key
    const revision = ev.kv.modRevision
    const current = this.index.get(key)
    // The previous version is usually the cached one: share its bytes rather than copy etcd's again.
    const previous = ev.prev && (current?.revision === ev.prev.modRevision ? current : new CachedObject(key, ownedBytes(ev.prev.value), ev.prev.modRevision))
    let entry: WindowEntry
    if (ev.type === 'delete') {
      // The last value, at the delete's revision.
      entry = { type: 'DELETED', object: previous?.at(revision) ?? new CachedObject(key, ownedBytes(ev.kv.value), revision), previous }
      this.index.delete(key)
    } else {
      entry = { type: previous ? 'MODIFIED' : 'ADDED', object: new CachedObject(key, ownedBytes(ev.kv.value), revision), previous }
      this.index.set(entry.object)
    }
    this.window.push(entry)
    if (this.window.length > this.capacity) this.windowStart = this.window.shift()!.object.revision
    this.bus.publishChange(new CachedChange(this.resource, entry))
  }

  /**
   * Delivers every change with a revision > `afterRevision`, then live changes, in order. Served from the
   * window and the bus when the window reaches back far enough; otherwise from a watch on the store.
   */
  async subscribe(afterRevision: number, listener: ChangeListener): Promise<ChangeSubscription> {
    if (afterRevision < this.windowStart) return this.subscribeToStore(afterRevision, listener)
    // Replay and subscription happen in one synchronous step, so no change can fall between them.
    for (const entry of this.changesAfter(afterRevision)) listener.change(new CachedChange(this.resource, entry))
    // The cache may not have heard yet of revisions the client has already seen (it read them from etcd): skip those.
    const offBus = this.bus.onChange(this.resource, (change) => change.resourceVersion > afterRevision && listener.change(change))
    const onReset = (err: Error) => listener.end(err)
    this.resetListeners.add(onReset)
    return {
      close: () => {
        offBus()
        this.resetListeners.delete(onReset)
      },
    }
  }

  private changesAfter(revision: number): WindowEntry[] {
    let lo = 0
    let hi = this.window.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.window[mid]!.object.revision <= revision) lo = mid + 1
      else hi = mid
    }
    return this.window.slice(lo)
  }

  private async subscribeToStore(afterRevision: number, listener: ChangeListener): Promise<ChangeSubscription> {
    let closed = false
    const watch = await this.store.watch(this.prefix, afterRevision, {
      event: (ev) => !closed && listener.change(toChange(this.resource, ev)),
      error: (err) => !closed && listener.end(err),
    })
    return {
      close: () => {
        closed = true
        watch.close()
      },
    }
  }
}

function toChange(resource: string, ev: StoreEvent): ObjectChanged {
  const object = new CachedObject(ev.kv.key, ev.kv.value, ev.kv.modRevision, -1)
  const previous = ev.prev ? new CachedObject(ev.prev.key, ev.prev.value, ev.prev.modRevision, -1) : undefined
  const type = ev.type === 'delete' ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED'
  return new CachedChange(resource, { type, object, previous })
}
