/**
 * WatchCache with a tiny window (capacity 3) over a MemoryStore: which watchers are served from memory and which
 * fall back to a watch of their own on the store, and that both see every change exactly once, in order.
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { encodeObject } from '../../src/apiserver/registry/codec.ts'
import { WatchCache, type ChangeSubscription } from '../../src/apiserver/registry/watch-cache.ts'
import { EventBus } from '../../src/bus/bus.ts'
import type { ObjectChanged } from '../../src/bus/events.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'
import { CompactedError, type StoreWatch, type WatchHandler } from '../../src/store/store.ts'

const PREFIX = '/registry/things/'
const CAPACITY = 3

/** A MemoryStore that counts the watches opened on it: the cache's own, plus one per store fallback. */
class CountingStore extends MemoryStore {
  watches = 0
  override async watch(prefix: string, afterRevision: number, handler: WatchHandler): Promise<StoreWatch> {
    this.watches++
    return super.watch(prefix, afterRevision, handler)
  }
}

/** A store whose watches deliver every event `delayMs` late (in order): a cache that lags behind the store. */
class LaggingStore extends MemoryStore {
  constructor(
    private readonly inner: MemoryStore,
    private readonly delayMs: number,
  ) {
    super()
  }
  override currentRevision(): Promise<number> {
    return this.inner.currentRevision()
  }
  override watch(prefix: string, afterRevision: number, handler: WatchHandler): Promise<StoreWatch> {
    return this.inner.watch(prefix, afterRevision, {
      event: (ev) => void setTimeout(() => handler.event(ev), this.delayMs),
      error: (err) => void setTimeout(() => handler.error(err), this.delayMs),
    })
  }
}

async function until(what: string, done: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(2)
  }
}

function recorder() {
  const changes: ObjectChanged[] = []
  const ends: Error[] = []
  return {
    changes,
    ends,
    listener: { change: (c: ObjectChanged) => void changes.push(c), end: (err: Error) => void ends.push(err) },
    revisions: () => changes.map((c) => c.resourceVersion),
    summary: () => changes.map((c) => `${c.type} ${c.object.metadata.name}@${c.resourceVersion}`),
  }
}

describe('WatchCache (window of 3)', () => {
  let store: CountingStore
  let bus: EventBus
  let cache: WatchCache
  let subscriptions: ChangeSubscription[]
  const put = (name: string, data: string) => encodeObject({ metadata: { name }, data: { v: data } })

  /** Writes `n` new objects and waits until the cache has published them all; returns their revisions. */
  async function writeMany(n: number, from = 0): Promise<number[]> {
    const revs: number[] = []
    for (let i = from; i < from + n; i++) revs.push(await store.create(`${PREFIX}t${i}`, put(`t${i}`, '0')))
    await until('the cache to catch up', () => cache.revision === revs.at(-1))
    return revs
  }

  async function subscribe(after: number) {
    const rec = recorder()
    subscriptions.push(await cache.subscribe(after, rec.listener))
    return rec
  }

  beforeEach(async () => {
    store = new CountingStore()
    bus = new EventBus()
    cache = new WatchCache('things', PREFIX, store, bus, silentLogger(), CAPACITY)
    subscriptions = []
    await cache.start()
    assert.equal(store.watches, 1, 'the cache keeps one watch of its own')
  })

  afterEach(async () => {
    for (const s of subscriptions) s.close()
    cache.stop()
    await store.close()
  })

  it('publishes ADDED, MODIFIED (with the previous object) and DELETED on the bus, in order', async () => {
    const seen: ObjectChanged[] = []
    bus.onChange('things', (c) => seen.push(c))
    const created = await store.create(`${PREFIX}a`, put('a', '1'))
    const updated = await store.update(`${PREFIX}a`, put('a', '2'), created)
    const { revision: deleted } = await store.delete(`${PREFIX}a`)
    await until('three changes', () => seen.length === 3)
    assert.deepEqual(
      seen.map((c) => [c.type, c.resourceVersion, c.object.data.v, c.object.metadata.resourceVersion]),
      [
        ['ADDED', created, '1', String(created)],
        ['MODIFIED', updated, '2', String(updated)],
        ['DELETED', deleted, '2', String(deleted)],
      ],
    )
    assert.equal(seen[0]!.previous, undefined)
    assert.equal(seen[1]!.previous?.data.v, '1')
  })

  it('serves a watcher from the window when it reaches back far enough, then live changes', async () => {
    const revs = await writeMany(10)
    // The window holds the last 3 changes: everything after revs[6].
    const rec = await subscribe(revs[6]!)
    assert.equal(store.watches, 1, 'no store watch for a revision inside the window')
    assert.deepEqual(rec.revisions(), revs.slice(7), 'replayed at once, in order')
    const [live] = await writeMany(1, 10)
    await until('the live change', () => rec.changes.length === 4)
    assert.deepEqual(rec.revisions(), [...revs.slice(7), live])
  })

  it('serves a watcher from the current revision with nothing to replay', async () => {
    const revs = await writeMany(5)
    const rec = await subscribe(revs.at(-1)!)
    assert.equal(store.watches, 1)
    assert.deepEqual(rec.changes, [])
    const [live] = await writeMany(1, 5)
    await until('the live change', () => rec.changes.length === 1)
    assert.deepEqual(rec.revisions(), [live])
  })

  it('falls back to a store watch for a revision older than the window, with no gap or duplicate', async () => {
    const revs = await writeMany(10)
    const rec = await subscribe(revs[5]!)
    assert.equal(store.watches, 2, 'one store watch for the older revision')
    await until('the replay', () => rec.changes.length === 4)
    assert.deepEqual(rec.revisions(), revs.slice(6))
    const live = await writeMany(2, 10)
    await until('the live changes', () => rec.changes.length === 6)
    await sleep(10)
    assert.deepEqual(rec.revisions(), [...revs.slice(6), ...live], rec.summary().join(', '))
    assert.deepEqual(rec.ends, [])
  })

  it('goes to the store for history from before the cache started', async () => {
    cache.stop()
    const early = await store.create(`${PREFIX}early`, put('early', '0'))
    cache = new WatchCache('things', PREFIX, store, bus, silentLogger(), CAPACITY)
    await cache.start()
    const watchesBefore = store.watches
    const rec = await subscribe(early - 1)
    assert.equal(store.watches, watchesBefore + 1)
    await until('the early change', () => rec.changes.length === 1)
    assert.equal(rec.changes[0]!.object.metadata.name, 'early')
    assert.equal(rec.changes[0]!.type, 'ADDED')
  })

  it('ends a store-served subscription with CompactedError once that history is compacted', async () => {
    const revs = await writeMany(10)
    await store.compact(revs.at(-1)!)
    const rec = await subscribe(revs[1]!)
    await until('the end', () => rec.ends.length === 1)
    assert.ok(rec.ends[0] instanceof CompactedError, String(rec.ends[0]))
    assert.deepEqual(rec.changes, [])
    // The window is memory: a watcher inside it is still served, as Kubernetes' watch cache does.
    const inside = await subscribe(revs[8]!)
    assert.deepEqual(inside.revisions(), [revs[9]])
  })

  it('never hands a subscriber a change at or before its revision, even while the cache lags behind the store', async () => {
    // The client read revision `rev` (a LIST, a write) before the cache heard of it: the change must not come again.
    cache.stop()
    const lagging = new WatchCache('things', PREFIX, new LaggingStore(store, 30), bus, silentLogger(), CAPACITY)
    await lagging.start()
    try {
      const rev = await store.create(`${PREFIX}seen`, put('seen', '0'))
      assert.ok(lagging.revision < rev, 'the cache has not heard of it yet')
      const rec = recorder()
      subscriptions.push(await lagging.subscribe(rev, rec.listener))
      const next = await store.create(`${PREFIX}next`, put('next', '0'))
      await until('the next change', () => rec.changes.length > 0 && lagging.revision === next, 2000)
      await sleep(40)
      assert.deepEqual(rec.revisions(), [next], rec.summary().join(', '))
    } finally {
      lagging.stop()
    }
  })

  it('a closed subscription receives nothing more', async () => {
    const revs = await writeMany(2)
    const fromWindow = await subscribe(revs[1]!)
    const fromStore = await subscribe(0)
    await until('the store replay', () => fromStore.changes.length === 2)
    for (const s of subscriptions) s.close()
    await writeMany(2, 2)
    await sleep(10)
    assert.equal(fromWindow.changes.length, 0)
    assert.equal(fromStore.changes.length, 2)
    assert.equal(bus.listenerCount('things'), 0, 'the bus listener is gone')
  })
})
