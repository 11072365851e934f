import type { Logger } from '../../log/logger.ts'
import { CompactedError, type Store, type StoreEvent, type StoreWatch } from '../../store/store.ts'

const RETRY_DELAY_MS = 500

/** A watch cache as the feed sees it. */
export interface FeedListener {
  /** A change under the listener's prefix; called in revision order, synchronously. */
  event(ev: StoreEvent): void
  /** The feed has delivered every change up to `StoreFeed.revision` (called once after each batch of events). */
  progress(): void
  /**
   * Changes were missed (the feed's history was compacted away, or the listener failed to take one): the listener
   * must start over from a LIST at `revision`; the feed goes on with the changes after it.
   */
  reset(err: Error, revision: number): void
}

/**
 * One watch of the whole keyspace per store, shared by every watch cache and split by key prefix. One stream
 * rather than one per resource because it tells progress: every etcd revision is a write of some key, so once
 * the feed has delivered revision N, every cache has every change up to N, even those whose resource has not
 * changed for a while. That is what a consistent LIST from the cache waits for (upstream asks etcd for progress
 * notifications on each watch instead; the store here offers none).
 */
export class StoreFeed {
  private static readonly feeds = new WeakMap<Store, StoreFeed>()

  /** The feed of a store, made on first use; it closes when its last listener leaves. */
  static of(store: Store, log: Logger): StoreFeed {
    let feed = StoreFeed.feeds.get(store)
    if (!feed) StoreFeed.feeds.set(store, (feed = new StoreFeed(store, log)))
    return feed
  }

  /** Every change with a revision <= this one has been delivered. */
  revision = 0
  private readonly listeners = new Map<string, Set<FeedListener>>()
  /** How many slashes the listeners' prefixes have (`/registry/pods/` has 3): a key's candidate prefixes. */
  private readonly depths = new Map<number, number>()
  private watch?: StoreWatch
  private opened?: Promise<void>
  private closed = false
  private progressScheduled = false

  private constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** Adds a listener for the keys under `prefix`; resolves once the feed runs (`revision` is then known). */
  async add(prefix: string, listener: FeedListener): Promise<void> {
    let set = this.listeners.get(prefix)
    if (!set) {
      this.listeners.set(prefix, (set = new Set()))
      const depth = slashes(prefix)
      this.depths.set(depth, (this.depths.get(depth) ?? 0) + 1)
    }
    set.add(listener)
    this.opened ??= this.open().catch((err) => {
      this.opened = undefined
      throw err
    })
    await this.opened
  }

  remove(prefix: string, listener: FeedListener): void {
    const set = this.listeners.get(prefix)
    if (!set?.delete(listener) || set.size) return
    this.listeners.delete(prefix)
    const depth = slashes(prefix)
    const left = (this.depths.get(depth) ?? 1) - 1
    if (left) this.depths.set(depth, left)
    else this.depths.delete(depth)
    if (this.listeners.size === 0) this.close()
  }

  private close(): void {
    this.closed = true
    this.watch?.close()
    if (StoreFeed.feeds.get(this.store) === this) StoreFeed.feeds.delete(this.store)
  }

  private async open(): Promise<void> {
    this.revision = await this.store.currentRevision()
    await this.watchFrom(this.revision)
  }

  private async watchFrom(revision: number): Promise<void> {
    const watch = await this.store.watch('', revision, {
      event: (ev) => this.deliver(ev),
      error: (err) => void this.recover(err),
    })
    if (this.closed) watch.close()
    else this.watch = watch
  }

  private deliver(ev: StoreEvent): void {
    if (this.closed) return
    const listeners = this.route(ev.kv.key)
    if (listeners) {
      for (const l of listeners) {
        try {
          l.event(ev)
        } catch (err) {
          // A cache that can not take a change no longer mirrors the store: it starts over.
          this.log.error({ err, key: ev.kv.key }, 'watch cache failed to apply a change; relisting')
          l.reset(err instanceof Error ? err : new Error(String(err)), ev.kv.modRevision)
        }
      }
    }
    if (ev.kv.modRevision > this.revision) this.revision = ev.kv.modRevision
    if (!this.progressScheduled) {
      this.progressScheduled = true
      // After the whole batch: events of one revision (a transaction) arrive together.
      queueMicrotask(() => {
        this.progressScheduled = false
        for (const set of this.listeners.values()) for (const l of set) l.progress()
      })
    }
  }

  private route(key: string): Set<FeedListener> | undefined {
    for (const depth of this.depths.keys()) {
      let at = -1
      for (let n = 0; n < depth; n++) if ((at = key.indexOf('/', at + 1)) < 0) break
      if (at < 0) continue
      const set = this.listeners.get(key.slice(0, at + 1))
      if (set) return set
    }
    return undefined
  }

  /** The watch broke: resume where it was; if that history is gone, every cache relists at the current revision. */
  private async recover(err: Error): Promise<void> {
    this.watch = undefined
    if (this.closed) return
    this.log.warn({ err: err.message }, 'store watch ended; resuming')
    let compacted = err instanceof CompactedError
    while (!this.closed) {
      try {
        if (compacted) {
          const revision = await this.store.currentRevision()
          if (this.closed) return
          this.revision = Math.max(this.revision, revision)
          compacted = false
          for (const set of this.listeners.values()) for (const l of set) l.reset(err, this.revision)
        }
        await this.watchFrom(this.revision)
        return
      } catch (retryErr) {
        this.log.warn({ err: (retryErr as Error).message }, 'store watch failed; retrying')
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS))
      }
    }
  }
}

function slashes(prefix: string): number {
  let n = 0
  for (let i = 0; i < prefix.length; i++) if (prefix.charCodeAt(i) === 47) n++
  return n
}
