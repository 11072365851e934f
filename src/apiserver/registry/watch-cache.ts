import type { EventBus } from '../../bus/bus.ts'
import type { ObjectChanged } from '../../bus/events.ts'
import type { Logger } from '../../log/logger.ts'
import { CompactedError, type Store, type StoreEvent, type StoreWatch } from '../../store/store.ts'
import { decodeObject } from './codec.ts'

/** How many recent changes per resource are kept for watchers that resume from a resourceVersion. */
const DEFAULT_WINDOW = 2000
const RETRY_DELAY_MS = 500

export interface ChangeSubscription {
  close(): void
}

export interface ChangeListener {
  change(change: ObjectChanged): void
  /** The stream can not go on (its history was compacted, or the cache was reset): the client must relist. */
  end(err: Error): void
}

/**
 * One etcd watch per storage resource, feeding the event bus (Kubernetes' Cacher, without the object cache).
 * It keeps a window of recent changes so that a watcher resuming from a recent resourceVersion is served
 * from memory; an older one gets a watch of its own on the store (which answers 410 once compacted).
 * Nothing here is state of record: on restart the window simply starts empty at the current revision.
 */
export class WatchCache {
  private readonly window: ObjectChanged[] = []
  /** Every change after this revision is in the window. */
  private windowStart = 0
  /** The newest revision the cache has seen for its resource (or started at). */
  private lastRevision = 0
  private storeWatch?: StoreWatch
  private stopped = false
  private readonly resetListeners = new Set<(err: Error) => void>()

  constructor(
    readonly resource: string,
    private readonly prefix: string,
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly capacity = DEFAULT_WINDOW,
  ) {}

  async start(): Promise<void> {
    const revision = await this.store.currentRevision()
    this.windowStart = revision
    this.lastRevision = revision
    await this.watchFrom(revision)
  }

  stop(): void {
    this.stopped = true
    this.storeWatch?.close()
  }

  /** The revision up to which every change of this resource has been published (for BOOKMARKs). */
  get revision(): number {
    return this.lastRevision
  }

  private async watchFrom(revision: number): Promise<void> {
    this.storeWatch = await this.store.watch(this.prefix, revision, {
      event: (ev) => this.publish(toChange(this.resource, ev)),
      error: (err) => void this.recover(err),
    })
  }

  private publish(change: ObjectChanged): void {
    this.lastRevision = change.resourceVersion
    this.window.push(change)
    if (this.window.length > this.capacity) this.windowStart = this.window.shift()!.resourceVersion
    this.bus.publishChange(change)
  }

  /** The store watch broke: resume where we were; if that history is gone, every watcher must relist. */
  private async recover(err: Error): Promise<void> {
    if (this.stopped) return
    this.log.warn({ resource: this.resource, err: err.message }, 'store watch ended; resuming')
    if (err instanceof CompactedError) {
      this.window.length = 0
      this.lastRevision = this.windowStart = await this.store.currentRevision().catch(() => this.lastRevision)
      for (const l of this.resetListeners) l(err)
    }
    while (!this.stopped) {
      try {
        await this.watchFrom(this.lastRevision)
        return
      } catch (retryErr) {
        this.log.warn({ resource: this.resource, err: (retryErr as Error).message }, 'store watch failed; retrying')
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS))
      }
    }
  }

  /**
   * Delivers every change with a revision > `afterRevision`, then live changes, in order. Served from the
   * window and the bus when the window reaches back far enough; otherwise from a watch on the store.
   */
  async subscribe(afterRevision: number, listener: ChangeListener): Promise<ChangeSubscription> {
    if (afterRevision < this.windowStart) return this.subscribeToStore(afterRevision, listener)
    // Replay and subscription happen in one synchronous step, so no change can fall between them.
    for (const change of this.changesAfter(afterRevision)) listener.change(change)
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

  private changesAfter(revision: number): ObjectChanged[] {
    let lo = 0
    let hi = this.window.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.window[mid].resourceVersion <= revision) lo = mid + 1
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
  const object = decodeObject(ev.kv)
  const previous = ev.prev ? decodeObject(ev.prev) : undefined
  const type = ev.type === 'delete' ? 'DELETED' : previous ? 'MODIFIED' : 'ADDED'
  return { resource, type, object, previous, resourceVersion: ev.kv.modRevision }
}
