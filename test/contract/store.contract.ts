/**
 * The Store contract: what every implementation (MemoryStore, EtcdStore) must do, as one shared suite.
 *
 * Tests share a store, so each writes under its own unique prefix and stays independent of the others. Two things
 * are store-wide and therefore come last: compaction (it makes every older revision unreadable) and close.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  KeyNotFoundError,
  StoreUnavailableError,
  type Store,
  type StoreEvent,
  type WatchHandler,
} from '../../src/store/store.ts'

export interface StoreFixture {
  store: Store
  cleanup(): Promise<void>
}

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array) => new TextDecoder().decode(b)

const run = Math.random().toString(36).slice(2, 8)
let seq = 0
/** A fresh key prefix, unique per call and per test run (an etcd may outlive one run). */
const uniquePrefix = (what: string) => `/registry/${what}-${run}-${seq++}/`

/** Collects what a watch delivers and waits for it. */
function recorder() {
  const events: StoreEvent[] = []
  const errors: Error[] = []
  const handler: WatchHandler = {
    event: ev => {
      assert.equal(errors.length, 0, 'an event arrived after the watch reported an error')
      events.push(ev)
    },
    error: err => {
      errors.push(err)
    },
  }
  const show = () =>
    `events [${events.map(e => `${e.type} ${e.kv.key}@${e.kv.modRevision}`).join(', ')}], ` +
    `errors [${errors.map(e => e.message).join(', ')}]`
  return {
    events,
    errors,
    handler,
    async until(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!done()) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; saw ${show()}`)
        await sleep(5)
      }
    },
  }
}

function isCompacted(requested: number, compactRevision: number) {
  return (err: unknown) => {
    assert.ok(err instanceof CompactedError, `expected CompactedError, got ${String(err)}`)
    assert.equal(err.requested, requested)
    assert.equal(err.compactRevision, compactRevision)
    return true
  }
}

export function runStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture | undefined
    let store: Store
    before(async () => {
      fixture = await makeStore()
      store = fixture.store
    })
    after(async () => {
      await fixture?.cleanup()
    })

    describe('writes and reads', () => {
      it('create returns increasing revisions, and currentRevision is the last one', async () => {
        const p = uniquePrefix('create')
        const r1 = await store.create(p + 'a', enc('a'))
        const r2 = await store.create(p + 'b', enc('b'))
        assert.ok(r1 > 1, 'a fresh store is at revision 1, so no write has revision <= 1')
        assert.ok(r2 > r1)
        assert.equal(await store.currentRevision(), r2)
      })

      it('create of an existing key throws KeyExistsError and consumes no revision', async () => {
        const p = uniquePrefix('create-exists')
        const r = await store.create(p + 'a', enc('1'))
        await assert.rejects(store.create(p + 'a', enc('2')), (err: unknown) => {
          assert.ok(err instanceof KeyExistsError)
          assert.equal(err.key, p + 'a')
          return true
        })
        assert.equal(dec((await store.get(p + 'a'))!.value), '1')
        assert.equal(await store.currentRevision(), r)
      })

      it('create after delete makes a new key (new createRevision)', async () => {
        const p = uniquePrefix('recreate')
        await store.create(p + 'a', enc('1'))
        await store.delete(p + 'a')
        const r = await store.create(p + 'a', enc('2'))
        const kv = await store.get(p + 'a')
        assert.equal(kv?.createRevision, r)
        assert.equal(kv?.modRevision, r)
      })

      it('get returns value, modRevision and createRevision; undefined when absent', async () => {
        const p = uniquePrefix('get')
        const bytes = Uint8Array.from({ length: 256 }, (_, i) => i) // values are opaque bytes, not text
        const created = await store.create(p + 'a', bytes)
        const kv = await store.get(p + 'a')
        assert.deepEqual(kv && { ...kv, value: [...kv.value] }, {
          key: p + 'a',
          value: [...bytes],
          modRevision: created,
          createRevision: created,
        })
        const updated = await store.update(p + 'a', enc('x'), created)
        const kv2 = await store.get(p + 'a')
        assert.equal(kv2?.modRevision, updated)
        assert.equal(kv2?.createRevision, created)
        assert.equal(await store.get(p + 'missing'), undefined)
      })

      it('get at an older revision returns the value as it was then', async () => {
        const p = uniquePrefix('get-old')
        const before = await store.currentRevision()
        const r1 = await store.create(p + 'a', enc('v1'))
        const r2 = await store.update(p + 'a', enc('v2'), r1)
        const r3 = (await store.delete(p + 'a')).revision
        assert.equal(await store.get(p + 'a', { revision: before }), undefined)
        assert.equal(dec((await store.get(p + 'a', { revision: r1 }))!.value), 'v1')
        assert.equal((await store.get(p + 'a', { revision: r2 }))?.modRevision, r2)
        assert.equal(dec((await store.get(p + 'a', { revision: r2 }))!.value), 'v2')
        assert.equal(await store.get(p + 'a', { revision: r3 }), undefined)
        assert.equal(await store.get(p + 'a', { revision: 0 }), undefined, 'revision 0 means current')
      })

      it('a read at a future revision is rejected', async () => {
        const p = uniquePrefix('future')
        const now = await store.currentRevision()
        await assert.rejects(store.get(p + 'a', { revision: now + 1000 }))
        await assert.rejects(store.list(p, { revision: now + 1000 }))
      })

      it('update with the current revision succeeds and returns the new revision', async () => {
        const p = uniquePrefix('update')
        const r1 = await store.create(p + 'a', enc('1'))
        const r2 = await store.update(p + 'a', enc('2'), r1)
        assert.ok(r2 > r1)
        assert.equal(dec((await store.get(p + 'a'))!.value), '2')
        assert.equal(await store.currentRevision(), r2)
      })

      it('update with a stale revision throws ConflictError carrying the actual revision', async () => {
        const p = uniquePrefix('update-stale')
        const r1 = await store.create(p + 'a', enc('1'))
        const r2 = await store.update(p + 'a', enc('2'), r1)
        await assert.rejects(store.update(p + 'a', enc('3'), r1), (err: unknown) => {
          assert.ok(err instanceof ConflictError)
          assert.equal(err.key, p + 'a')
          assert.equal(err.actualRevision, r2)
          return true
        })
        assert.equal(dec((await store.get(p + 'a'))!.value), '2')
        assert.equal(await store.currentRevision(), r2, 'a failed update consumes no revision')
      })

      it('update of a missing or deleted key throws KeyNotFoundError and creates nothing', async () => {
        const p = uniquePrefix('update-missing')
        await assert.rejects(store.update(p + 'a', enc('1'), 5), KeyNotFoundError)
        // etcd compares a missing key's mod_revision as 0: expected 0 must not turn update into create
        await assert.rejects(store.update(p + 'a', enc('1'), 0), KeyNotFoundError)
        assert.equal(await store.get(p + 'a'), undefined)
        const r = await store.create(p + 'b', enc('1'))
        await store.delete(p + 'b')
        await assert.rejects(store.update(p + 'b', enc('2'), r), KeyNotFoundError)
      })

      it('delete returns the previous value and the revision of the delete', async () => {
        const p = uniquePrefix('delete')
        const r1 = await store.create(p + 'a', enc('1'))
        const r2 = await store.update(p + 'a', enc('2'), r1)
        const { prev, revision } = await store.delete(p + 'a')
        assert.ok(revision > r2)
        assert.equal(prev.key, p + 'a')
        assert.equal(dec(prev.value), '2')
        assert.equal(prev.modRevision, r2, 'prev carries its last modRevision, not the delete revision')
        assert.equal(prev.createRevision, r1)
        assert.equal(await store.get(p + 'a'), undefined)
        assert.equal(await store.currentRevision(), revision)
      })

      it('delete with an expected revision: stale throws ConflictError, current deletes', async () => {
        const p = uniquePrefix('delete-expected')
        const r1 = await store.create(p + 'a', enc('1'))
        const r2 = await store.update(p + 'a', enc('2'), r1)
        await assert.rejects(store.delete(p + 'a', r1), (err: unknown) => {
          assert.ok(err instanceof ConflictError)
          assert.equal(err.actualRevision, r2)
          return true
        })
        assert.equal(dec((await store.get(p + 'a'))!.value), '2', 'a failed delete leaves the key')
        assert.equal(await store.currentRevision(), r2)
        const { prev } = await store.delete(p + 'a', r2)
        assert.equal(prev.modRevision, r2)
        assert.equal(await store.get(p + 'a'), undefined)
      })

      it('delete of a missing key throws KeyNotFoundError, with or without an expected revision', async () => {
        const p = uniquePrefix('delete-missing')
        const before = await store.currentRevision()
        await assert.rejects(store.delete(p + 'a'), KeyNotFoundError)
        await assert.rejects(store.delete(p + 'a', 0), KeyNotFoundError)
        await assert.rejects(store.delete(p + 'a', 7), KeyNotFoundError)
        assert.equal(await store.currentRevision(), before)
      })
    })

    describe('list and count', () => {
      it('lists a prefix in key order, without keys of a sibling prefix', async () => {
        const base = `/registry/pods-${run}-${seq++}`
        await store.create(`${base}/ns/c`, enc('c'))
        await store.create(`${base}/ns/a`, enc('a'))
        await store.create(`${base}x/ns/a`, enc('sibling'))
        await store.create(`${base}/ns/b`, enc('b'))
        await store.create(`${base}`, enc('the prefix without its slash'))
        const deleted = await store.create(`${base}/ns/d`, enc('d'))
        await store.delete(`${base}/ns/d`, deleted)
        const res = await store.list(`${base}/`)
        assert.deepEqual(
          res.items.map(kv => kv.key),
          [`${base}/ns/a`, `${base}/ns/b`, `${base}/ns/c`],
        )
        assert.deepEqual(res.items.map(kv => dec(kv.value)), ['a', 'b', 'c'])
        assert.equal(res.more, false)
        assert.equal(res.revision, await store.currentRevision())
        assert.equal(await store.count(`${base}/`), 3)
        assert.equal(await store.count(`${base}x/`), 1)
        assert.equal(await store.count(`${base}-none/`), 0)
        assert.deepEqual(await store.list(`${base}-none/`), { items: [], revision: res.revision, more: false })
      })

      it('pages through a prefix with limit and startKey, each key exactly once', async () => {
        const p = uniquePrefix('page')
        const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6'].map(k => p + k)
        for (const k of [...keys].reverse()) await store.create(k, enc(k))
        await store.create(p.slice(0, -1) + 'x/k', enc('sibling'))

        const seen: string[] = []
        const mores: boolean[] = []
        let startKey: string | undefined
        let revision: number | undefined
        for (let page = 0; page < 10; page++) {
          const res = await store.list(p, { limit: 3, startKey, revision })
          revision = res.revision
          seen.push(...res.items.map(kv => kv.key))
          mores.push(res.more)
          if (!res.more) break
          startKey = res.items.at(-1)!.key + '\0' // the smallest key after the last one returned
        }
        assert.deepEqual(seen, keys)
        assert.deepEqual(mores, [true, true, false])

        assert.equal((await store.list(p, { limit: 7 })).more, false, 'limit == remaining: no more')
        assert.equal((await store.list(p, { limit: 6 })).more, true)
        assert.deepEqual(
          (await store.list(p, { startKey: p + 'k5' })).items.map(kv => kv.key),
          [p + 'k5', p + 'k6'],
          'startKey is inclusive',
        )
        assert.equal((await store.list(p, { limit: 0 })).items.length, 7, 'limit 0 means all')
      })

      it('a list at an old revision is a consistent snapshot, also across pages', async () => {
        const p = uniquePrefix('snapshot')
        const ra = await store.create(p + 'a', enc('a1'))
        await store.create(p + 'b', enc('b1'))
        const rc = await store.create(p + 'c', enc('c1'))
        const snap = await store.currentRevision()

        const first = await store.list(p, { limit: 2 })
        assert.equal(first.revision, snap)
        // Writes between pages must not show in later pages read at the first page's revision.
        await store.update(p + 'a', enc('a2'), ra)
        await store.delete(p + 'c', rc)
        await store.create(p + 'd', enc('d1'))
        const second = await store.list(p, { limit: 2, startKey: p + 'b\0', revision: first.revision })
        assert.equal(second.revision, snap)
        assert.deepEqual(
          [...first.items, ...second.items].map(kv => [kv.key, dec(kv.value)]),
          [[p + 'a', 'a1'], [p + 'b', 'b1'], [p + 'c', 'c1']],
        )
        assert.equal(second.more, false)

        const old = await store.list(p, { revision: snap })
        assert.deepEqual(old.items.map(kv => dec(kv.value)), ['a1', 'b1', 'c1'])
        const now = await store.list(p)
        assert.deepEqual(now.items.map(kv => dec(kv.value)), ['a2', 'b1', 'd1'])
        assert.equal(await store.count(p), 3)
      })

      it('lists values larger than 4 MiB in total in one response', async () => {
        const p = uniquePrefix('big')
        const value = new Uint8Array(128 * 1024).fill(0x61)
        for (let i = 0; i < 40; i++) await store.create(p + String(i).padStart(2, '0'), value)
        const res = await store.list(p)
        assert.equal(res.items.length, 40)
        assert.ok(res.items.every(kv => kv.value.length === value.length))
      })
    })

    describe('watch', () => {
      it('replays the events after a revision, in order, with previous values', async () => {
        const p = uniquePrefix('watch-replay')
        const r0 = await store.currentRevision()
        const r1 = await store.create(p + 'a', enc('v1'))
        const r2 = await store.update(p + 'a', enc('v2'), r1)
        const { revision: r3 } = await store.delete(p + 'a')

        const rec = recorder()
        const w = await store.watch(p, r0, rec.handler)
        await rec.until('3 events', () => rec.events.length >= 3)
        w.close()
        const [put1, put2, del] = rec.events
        assert.equal(rec.events.length, 3)
        assert.deepEqual(
          rec.events.map(e => [e.type, e.kv.key, e.kv.modRevision]),
          [['put', p + 'a', r1], ['put', p + 'a', r2], ['delete', p + 'a', r3]],
        )
        assert.equal(dec(put1!.kv.value), 'v1')
        assert.equal(put1!.kv.createRevision, r1)
        assert.equal(put1!.prev, undefined)
        assert.equal(dec(put2!.kv.value), 'v2')
        assert.equal(dec(put2!.prev!.value), 'v1')
        assert.equal(put2!.prev!.modRevision, r1)
        // A delete carries the last value, stamped with the delete's revision; prev has the value's own revision.
        assert.equal(dec(del!.kv.value), 'v2')
        assert.equal(del!.kv.createRevision, r1)
        assert.equal(dec(del!.prev!.value), 'v2')
        assert.equal(del!.prev!.modRevision, r2)
        assert.deepEqual(rec.errors, [])
      })

      it('starts strictly after afterRevision', async () => {
        const p = uniquePrefix('watch-after')
        const r1 = await store.create(p + 'a', enc('1'))
        const r2 = await store.create(p + 'b', enc('2'))
        const rec = recorder()
        const w = await store.watch(p, r1, rec.handler)
        await rec.until('1 event', () => rec.events.length >= 1)
        await sleep(50)
        w.close()
        assert.deepEqual(rec.events.map(e => e.kv.modRevision), [r2])
      })

      it('delivers live events, after replayed ones, in order', async () => {
        const p = uniquePrefix('watch-live')
        const r1 = await store.create(p + 'a', enc('1'))
        const rec = recorder()
        const w = await store.watch(p, r1 - 1, rec.handler)
        const revisions = [r1]
        let last = r1
        for (let i = 0; i < 20; i++) {
          last = await store.update(p + 'a', enc(String(i)), last)
          revisions.push(last)
          if (i % 5 === 0) revisions.push(await store.create(p + `b${i}`, enc('b')))
        }
        await rec.until(`${revisions.length} events`, () => rec.events.length >= revisions.length)
        w.close()
        assert.deepEqual(rec.events.map(e => e.kv.modRevision), revisions)
        assert.equal(dec(rec.events.at(-1)!.kv.value), '19')
      })

      it('never delivers an event synchronously inside the write call', async () => {
        const p = uniquePrefix('watch-async')
        const rec = recorder()
        const w = await store.watch(p, await store.currentRevision(), rec.handler)
        const write = store.create(p + 'a', enc('1'))
        assert.equal(rec.events.length, 0)
        await write
        await rec.until('the event', () => rec.events.length === 1)
        w.close()
      })

      it('sees only its prefix', async () => {
        const base = `/registry/svc-${run}-${seq++}`
        const rec = recorder()
        const w = await store.watch(`${base}/`, await store.currentRevision(), rec.handler)
        await store.create(`${base}x/a`, enc('sibling'))
        await store.create(`${base}`, enc('no slash'))
        await store.create(`/registry/other-${run}-${seq++}/a`, enc('elsewhere'))
        const mine = await store.create(`${base}/a`, enc('mine'))
        await rec.until('the event under the prefix', () => rec.events.length >= 1)
        await sleep(50)
        w.close()
        assert.deepEqual(rec.events.map(e => [e.kv.key, e.kv.modRevision]), [[`${base}/a`, mine]])
      })

      it('delivers nothing after close', async () => {
        const p = uniquePrefix('watch-close')
        const rec = recorder()
        const w = await store.watch(p, await store.currentRevision(), rec.handler)
        await store.create(p + 'a', enc('1'))
        await rec.until('the first event', () => rec.events.length === 1)
        w.close()
        w.close() // closing twice is harmless
        await store.create(p + 'b', enc('2'))
        await store.delete(p + 'a')
        await sleep(200)
        assert.equal(rec.events.length, 1)
        assert.deepEqual(rec.errors, [])
      })

      it('keeps several watches on overlapping prefixes apart', async () => {
        const p = uniquePrefix('watch-many')
        const all = recorder()
        const sub = recorder()
        const from = await store.currentRevision()
        const w1 = await store.watch(p, from, all.handler)
        const w2 = await store.watch(p + 'sub/', from, sub.handler)
        const r1 = await store.create(p + 'a', enc('1'))
        const r2 = await store.create(p + 'sub/b', enc('2'))
        await all.until('2 events', () => all.events.length >= 2)
        await sub.until('1 event', () => sub.events.length >= 1)
        w1.close()
        w2.close()
        assert.deepEqual(all.events.map(e => e.kv.modRevision), [r1, r2])
        assert.deepEqual(sub.events.map(e => e.kv.modRevision), [r2])
      })
    })

    // Store-wide from here on: compaction makes every revision before it unreadable, for every test.
    describe('compaction', () => {
      it('makes reads and watches before the compact revision fail with CompactedError', async () => {
        const p = uniquePrefix('compact')
        const r1 = await store.create(p + 'a', enc('v1'))
        const live = recorder()
        const liveWatch = await store.watch(p, r1, live.handler) // opened before compaction, caught up

        const r2 = await store.update(p + 'a', enc('v2'), r1)
        const r3 = await store.create(p + 'b', enc('b'))
        await store.compact(r2)
        assert.equal(await store.currentRevision(), r3, 'compaction is not a write')

        await assert.rejects(store.get(p + 'a', { revision: r1 }), isCompacted(r1, r2))
        await assert.rejects(store.list(p, { revision: r1 }), isCompacted(r1, r2))

        const old = recorder()
        const oldWatch = await store.watch(p, r1 - 1, old.handler)
        await old.until('the compaction error', () => old.errors.length >= 1)
        await sleep(50)
        oldWatch.close()
        assert.equal(old.errors.length, 1)
        isCompacted(r1 - 1, r2)(old.errors[0])
        assert.deepEqual(old.events, [])

        // The compact revision itself stays readable, and watchable from there on.
        assert.equal(dec((await store.get(p + 'a', { revision: r2 }))!.value), 'v2')
        assert.deepEqual(
          (await store.list(p, { revision: r2 })).items.map(kv => [kv.key, dec(kv.value)]),
          [[p + 'a', 'v2']],
        )
        const fromCompact = recorder()
        const w = await store.watch(p, r2 - 1, fromCompact.handler)
        await fromCompact.until('2 events', () => fromCompact.events.length >= 2)
        w.close()
        assert.deepEqual(fromCompact.events.map(e => e.kv.modRevision), [r2, r3])
        assert.deepEqual(fromCompact.errors, [])

        // A watch that was already streaming is not disturbed.
        const r4 = await store.delete(p + 'b').then(d => d.revision)
        await live.until('3 live events', () => live.events.length >= 3)
        liveWatch.close()
        assert.deepEqual(live.events.map(e => e.kv.modRevision), [r2, r3, r4])
        assert.deepEqual(live.errors, [])
      })

      it('is idempotent: compacting at or below the compact revision again is a no-op', async () => {
        const p = uniquePrefix('compact-again')
        const r1 = await store.create(p + 'a', enc('1'))
        await store.compact(r1)
        await store.compact(r1)
        await store.compact(r1 - 1)
        assert.equal(dec((await store.get(p + 'a', { revision: r1 }))!.value), '1')
      })

      it('cannot compact a future revision', async () => {
        await assert.rejects(store.compact((await store.currentRevision()) + 1000))
      })
    })

    describe('close', () => {
      it('ends watches quietly and rejects later calls with StoreUnavailableError', async () => {
        const own = await makeStore() // a second store (client) on the same backend, so the shared one stays open
        const p = uniquePrefix('close')
        const rec = recorder()
        await own.store.watch(p, await own.store.currentRevision(), rec.handler)
        await own.store.create(p + 'a', enc('1'))
        await rec.until('the first event', () => rec.events.length === 1)
        await own.store.close()
        await assert.rejects(own.store.get(p + 'a'), StoreUnavailableError)
        await assert.rejects(own.store.create(p + 'b', enc('2')), StoreUnavailableError)
        await store.create(p + 'c', enc('3')) // through the shared store: the closed one must not see it
        await sleep(200)
        assert.equal(rec.events.length, 1)
        assert.deepEqual(rec.errors, [])
        await own.cleanup()
      })
    })
  })
}
