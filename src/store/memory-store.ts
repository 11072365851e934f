/**
 * An in-memory MVCC store with etcd's semantics, for unit tests and `--store=memory` style runs.
 *
 * Model: one global revision counter (a fresh store is at revision 1, so the first write gets 2, as in etcd);
 * every key keeps its versions in modRevision order, a delete being a tombstone version, so a read at an older
 * revision picks the newest version at or below it. Every write also lands in an event log, which is what
 * watches replay from. Compaction drops versions and log entries that no revision >= the compact revision
 * can see.
 *
 * Two seams for a durable store built on top (EmbeddedStore): `onCommit` sees every committed write, in revision
 * order, before it takes effect (so a write the hook refuses never happens), and `restore()` / `currentState()`
 * load and take a snapshot of the current state.
 */
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  KeyNotFoundError,
  StoreUnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreEvent,
  type StoreWatch,
  type WatchHandler,
} from './store.ts'

interface Version {
  modRevision: number
  createRevision: number
  /** null marks a tombstone: the key was deleted at modRevision. */
  value: Uint8Array | null
}

/** A committed write as `onCommit` sees it: enough to replay it onto the state before it. */
export type Commit =
  | { type: 'create'; key: string; value: Uint8Array; revision: number }
  | { type: 'update'; key: string; value: Uint8Array; revision: number; createRevision: number }
  | { type: 'delete'; key: string; revision: number }

export interface MemoryStoreOptions {
  /**
   * Called synchronously for every write, in revision order, after its checks passed and before it is applied:
   * if it throws, the write fails with that error and consumes no revision. `value` must not be modified.
   */
  onCommit?: (commit: Commit) => void
}

interface Watcher {
  prefix: string
  afterRevision: number
  handler: WatchHandler
  /** Events waiting for the next microtask; delivery is never synchronous inside a write. */
  queue: StoreEvent[]
  scheduled: boolean
  closed: boolean
}

export class MemoryStore implements Store {
  private revision = 1
  private compactRevision = 0
  /**
   * The lowest start revision (afterRevision + 1) whose events the log holds completely: the compact revision,
   * except after restore(), which has the state at its revision but not the event that produced it.
   */
  private watchFloor = 0
  /** Every key that still has a retained version (live or tombstone), sorted, for prefix scans by binary search. */
  private keys: string[] = []
  private versions = new Map<string, Version[]>()
  /** One event per revision above the compact revision, in revision order. */
  private log: StoreEvent[] = []
  private watchers = new Set<Watcher>()
  private closed = false
  private readonly onCommit: ((commit: Commit) => void) | undefined

  constructor(opts: MemoryStoreOptions = {}) {
    this.onCommit = opts.onCommit
  }

  /**
   * Replaces the whole state with `items` (live keys) at `revision`, without history: reads at `revision` work,
   * reads before it throw CompactedError, watches can start after `revision` (not before), and the next write gets
   * `revision + 1`. For loading a snapshot into a fresh store; open watches are not told.
   */
  restore(items: Iterable<KeyValue>, revision: number): void {
    this.assertOpen()
    if (!Number.isSafeInteger(revision) || revision < 1) throw new Error(`restore: bad revision ${revision}`)
    const versions = new Map<string, Version[]>()
    for (const kv of items) {
      if (kv.modRevision > revision || kv.createRevision > kv.modRevision || kv.createRevision < 1) {
        throw new Error(`restore: ${kv.key} has revisions ${kv.createRevision}/${kv.modRevision} beyond ${revision}`)
      }
      if (versions.has(kv.key)) throw new Error(`restore: duplicate key ${kv.key}`)
      versions.set(kv.key, [{ modRevision: kv.modRevision, createRevision: kv.createRevision, value: kv.value }])
    }
    this.versions = versions
    this.keys = [...versions.keys()].sort() // code-unit order, the same order lowerBound() compares in
    this.log = []
    this.revision = revision
    this.compactRevision = revision
    this.watchFloor = revision + 1
  }

  /** The live keys at the current revision, in key order, and that revision: what a snapshot holds. */
  currentState(): { revision: number; items: KeyValue[] } {
    this.assertOpen()
    const items: KeyValue[] = []
    for (const key of this.keys) {
      const kv = this.valueAt(key, this.revision)
      if (kv) items.push(kv)
    }
    return { revision: this.revision, items }
  }

  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const rev = this.readRevision(opts.revision)
    return this.valueAt(key, rev)
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const rev = this.readRevision(opts.revision)
    const limit = opts.limit ?? 0
    const from = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix
    const items: KeyValue[] = []
    for (let i = lowerBound(this.keys, from); i < this.keys.length && this.keys[i]!.startsWith(prefix); i++) {
      const kv = this.valueAt(this.keys[i]!, rev)
      if (!kv) continue
      // One live key past the limit is enough to know there is more.
      if (limit > 0 && items.length === limit) return { items, revision: rev, more: true }
      items.push(kv)
    }
    return { items, revision: rev, more: false }
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen()
    let n = 0
    for (let i = lowerBound(this.keys, prefix); i < this.keys.length && this.keys[i]!.startsWith(prefix); i++) {
      if (this.versions.get(this.keys[i]!)!.at(-1)!.value !== null) n++
    }
    return n
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    this.assertOpen()
    if (this.latest(key)) throw new KeyExistsError(key)
    const rev = this.revision + 1
    const copy = value.slice() // the caller may reuse its buffer; history must not change under it
    this.onCommit?.({ type: 'create', key, value: copy, revision: rev })
    this.revision = rev
    this.append(key, { modRevision: rev, createRevision: rev, value: copy })
    this.emit({ type: 'put', kv: { key, value: copy, modRevision: rev, createRevision: rev } })
    return rev
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number): Promise<number> {
    this.assertOpen()
    const prev = this.latest(key)
    if (!prev) throw new KeyNotFoundError(key)
    if (prev.modRevision !== expectedModRevision) throw new ConflictError(key, prev.modRevision)
    const rev = this.revision + 1
    const copy = value.slice()
    this.onCommit?.({ type: 'update', key, value: copy, revision: rev, createRevision: prev.createRevision })
    this.revision = rev
    this.append(key, { modRevision: rev, createRevision: prev.createRevision, value: copy })
    this.emit({ type: 'put', kv: { key, value: copy, modRevision: rev, createRevision: prev.createRevision }, prev })
    return rev
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    this.assertOpen()
    const prev = this.latest(key)
    if (!prev) throw new KeyNotFoundError(key)
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision) {
      throw new ConflictError(key, prev.modRevision)
    }
    const rev = this.revision + 1
    this.onCommit?.({ type: 'delete', key, revision: rev })
    this.revision = rev
    this.append(key, { modRevision: rev, createRevision: 0, value: null })
    // As in etcd's watch with prev_kv: a delete event carries the last value, stamped with the delete's revision.
    this.emit({ type: 'delete', kv: { ...prev, modRevision: rev }, prev })
    return { prev, revision: rev }
  }

  async watch(prefix: string, afterRevision: number, handler: WatchHandler): Promise<StoreWatch> {
    this.assertOpen()
    const w: Watcher = { prefix, afterRevision, handler, queue: [], scheduled: false, closed: false }
    const handle = { close: () => this.closeWatcher(w) }
    // etcd cancels a watch whose start revision (afterRevision + 1) is below the compact revision.
    const floor = Math.max(this.compactRevision, this.watchFloor)
    if (afterRevision + 1 < floor) {
      const err = new CompactedError(afterRevision, floor)
      queueMicrotask(() => {
        if (w.closed) return
        w.closed = true
        handler.error(err)
      })
      return handle
    }
    // Replay history first; live events are appended behind it by emit(), so order holds.
    for (let i = this.logIndexAfter(afterRevision); i < this.log.length; i++) {
      if (this.log[i]!.kv.key.startsWith(prefix)) w.queue.push(this.log[i]!)
    }
    this.watchers.add(w)
    this.schedule(w)
    return handle
  }

  async currentRevision(): Promise<number> {
    this.assertOpen()
    return this.revision
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen()
    if (revision > this.revision) throw new Error(`required revision ${revision} is a future revision`)
    if (revision <= this.compactRevision) return // already forgotten: compaction is idempotent
    this.compactRevision = revision
    for (const key of this.keys) {
      const vs = this.versions.get(key)!
      // Keep the newest version at or below `revision` (reads at `revision` need it) unless it is a tombstone.
      const i = lastAtOrBelow(vs, revision)
      if (i < 0) continue
      vs.splice(0, vs[i]!.value === null ? i + 1 : i)
      if (vs.length === 0) this.versions.delete(key)
    }
    this.keys = this.keys.filter(k => this.versions.has(k))
    this.log.splice(0, this.logIndexAfter(revision - 1))
  }

  async close(): Promise<void> {
    this.closed = true
    for (const w of this.watchers) w.closed = true
    this.watchers.clear()
  }

  /** Validates a read revision (0/absent = current) the way etcd does. */
  private readRevision(requested: number | undefined): number {
    this.assertOpen()
    if (!requested) return this.revision
    if (requested < this.compactRevision) throw new CompactedError(requested, this.compactRevision)
    if (requested > this.revision) throw new Error(`required revision ${requested} is a future revision`)
    return requested
  }

  private valueAt(key: string, rev: number): KeyValue | undefined {
    const vs = this.versions.get(key)
    if (!vs) return undefined
    const v = vs[lastAtOrBelow(vs, rev)]
    if (!v || v.value === null) return undefined
    return { key, value: v.value, modRevision: v.modRevision, createRevision: v.createRevision }
  }

  private latest(key: string): KeyValue | undefined {
    return this.valueAt(key, this.revision)
  }

  private append(key: string, v: Version): void {
    const vs = this.versions.get(key)
    if (vs) return void vs.push(v)
    this.versions.set(key, [v])
    this.keys.splice(lowerBound(this.keys, key), 0, key)
  }

  private emit(ev: StoreEvent): void {
    this.log.push(ev)
    for (const w of this.watchers) {
      if (ev.kv.modRevision > w.afterRevision && ev.kv.key.startsWith(w.prefix)) {
        w.queue.push(ev)
        this.schedule(w)
      }
    }
  }

  private schedule(w: Watcher): void {
    if (w.scheduled || w.queue.length === 0) return
    w.scheduled = true
    queueMicrotask(() => {
      w.scheduled = false
      // Take the batch first: a handler that writes re-queues behind it, into the next microtask.
      const batch = w.queue
      w.queue = []
      for (const ev of batch) {
        if (w.closed) return
        try {
          w.handler.event(ev)
        } catch (err) {
          // A handler that throws can not keep up with the stream: end the watch the way a failure would.
          this.closeWatcher(w)
          w.handler.error(err instanceof Error ? err : new Error(String(err)))
          return
        }
      }
    })
  }

  private closeWatcher(w: Watcher): void {
    w.closed = true
    w.queue = []
    this.watchers.delete(w)
  }

  /** Index of the first log entry with a revision > `rev` (the log is in revision order). */
  private logIndexAfter(rev: number): number {
    let lo = 0
    let hi = this.log.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.log[mid]!.kv.modRevision <= rev) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('memory store is closed')
  }
}

/** First index whose key is >= `key`. */
function lowerBound(keys: string[], key: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the newest version with modRevision <= `rev`, or -1. */
function lastAtOrBelow(vs: Version[], rev: number): number {
  let lo = 0
  let hi = vs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (vs[mid]!.modRevision <= rev) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}
