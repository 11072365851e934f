/**
 * A Store wrapper for watch cache tests: it counts the LISTs and GETs that reach the store, can deliver watch events late
 * (a cache lagging behind the store), and can break the watches of the whole keyspace (the watch caches' feed) as
 * a lost etcd connection would, with the error of the test's choice.
 */
import type { KeyValue, ListOptions, ListResult, Store, StoreWatch, WatchHandler } from '../../src/store/store.ts'

interface OpenWatch {
  prefix: string
  handler: WatchHandler
  inner?: StoreWatch
  dead: boolean
}

export class ControlledStore implements Store {
  /** LISTs that reached the store, by prefix. */
  readonly lists: string[] = []
  /** GETs that reached the store, by key. */
  readonly gets: string[] = []
  /** Delivers watch events this much later (in order). */
  lagMs = 0
  private readonly watches = new Set<OpenWatch>()
  /** Events held back (while `hold()`), delivered in order by `release()`; a broken watch loses its own. */
  private held?: (() => void)[]

  constructor(readonly inner: Store) {}

  /** LISTs under `prefix` that reached the store. */
  listsUnder(prefix: string): number {
    return this.lists.filter((p) => p.startsWith(prefix)).length
  }

  /** Holds every watch event back until `release()`. */
  hold(): void {
    this.held ??= []
  }

  release(): void {
    const held = this.held ?? []
    this.held = undefined
    for (const deliver of held) deliver()
  }

  /** Ends every watch of the whole keyspace with `err`, as a broken connection would. */
  breakFeeds(err: Error): void {
    for (const w of this.watches) {
      if (w.prefix !== '') continue
      w.dead = true
      w.inner?.close()
      this.watches.delete(w)
      w.handler.error(err)
    }
  }

  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    this.gets.push(key)
    return this.inner.get(key, opts)
  }
  list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    this.lists.push(prefix)
    return this.inner.list(prefix, opts)
  }
  count(prefix: string): Promise<number> {
    return this.inner.count(prefix)
  }
  create(key: string, value: Uint8Array): Promise<number> {
    return this.inner.create(key, value)
  }
  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<number> {
    return this.inner.update(key, value, expectedModRevision)
  }
  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    return this.inner.delete(key, expectedModRevision)
  }
  async watch(prefix: string, afterRevision: number, handler: WatchHandler): Promise<StoreWatch> {
    const w: OpenWatch = { prefix, handler, dead: false }
    const later = (fn: () => void) => (this.held ? void this.held.push(fn) : this.lagMs ? void setTimeout(fn, this.lagMs) : fn())
    w.inner = await this.inner.watch(prefix, afterRevision, {
      event: (ev) => later(() => !w.dead && handler.event(ev)),
      error: (err) =>
        later(() => {
          if (w.dead) return
          w.dead = true
          this.watches.delete(w)
          handler.error(err)
        }),
    })
    if (!w.dead) this.watches.add(w)
    return {
      close: () => {
        w.dead = true
        w.inner?.close()
        this.watches.delete(w)
      },
    }
  }
  currentRevision(): Promise<number> {
    return this.inner.currentRevision()
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}
