/**
 * LISTs served by the watch cache (ConsistentListFromCache), on a MemoryStore behind a ControlledStore: a LIST
 * sees every write that came before it even while the cache lags, answers exactly as a LIST from the store does
 * (selectors, pages and their continue tokens, views of another kind's storage), and the cache relists after its
 * feed's history was compacted away. "Direct" registries come from a second ApiServer that is never started, so
 * its LISTs read the store as before.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeObject } from '../../src/api/meta.ts'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import type { GenericRegistry, ListOptions, ListResult } from '../../src/apiserver/registry/generic-registry.ts'
import { isCachedPage } from '../../src/apiserver/registry/cached-list.ts'
import type { WatchCache } from '../../src/apiserver/registry/watch-cache.ts'
import { parseFieldSelector } from '../../src/apiserver/selectors/field-selector.ts'
import { parseLabelSelector } from '../../src/apiserver/selectors/label-selector.ts'
import { EventBus } from '../../src/bus/bus.ts'
import type { ObjectChanged } from '../../src/bus/events.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'
import { CompactedError } from '../../src/store/store.ts'
import { ControlledStore } from '../helpers/controlled-store.ts'

const CONFIGMAPS = '/registry/configmaps/'

async function until(what: string, done: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(2)
  }
}

/** Every page of a LIST, following continue tokens. */
async function allPages(registry: GenericRegistry, opts: ListOptions): Promise<ListResult[]> {
  const pages: ListResult[] = []
  let next = opts.continue
  do {
    const page = await registry.list({ ...opts, continue: next })
    pages.push(page)
    next = page.continue
  } while (next && pages.length < 100)
  return pages
}

describe('LISTs from the watch cache', () => {
  const store = new ControlledStore(new MemoryStore())
  const server = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
  const direct = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
  let configmaps: GenericRegistry
  let directConfigmaps: GenericRegistry
  let cache: WatchCache
  let seq = 0

  const newConfigMap = (ns: string, labels: Record<string, string> = {}, name = `cm${seq++}`) =>
    configmaps.create(ns, { metadata: { name, labels }, data: { n: String(seq), text: 'héllo ✓ 𝄞' } })

  /** What a LIST from the cache answers, and what the store answers: the same. */
  async function sameAsStore(registry: GenericRegistry, directRegistry: GenericRegistry, opts: ListOptions): Promise<ListResult[]> {
    const lists = store.lists.length
    const fromCache = await allPages(registry, opts)
    assert.equal(store.lists.length - lists, fromCache.length - 1, 'only the continue pages read the store')
    const fromStore = await allPages(directRegistry, opts)
    assert.deepEqual(fromCache, fromStore, JSON.stringify(opts))
    return fromCache
  }

  before(async () => {
    await server.start()
    configmaps = server.registry('', 'v1', 'configmaps')!
    directConfigmaps = direct.registry('', 'v1', 'configmaps')!
    cache = server.watchCacheFor(configmaps)
    const namespaces = server.registry('', 'v1', 'namespaces')!
    for (const ns of ['a', 'b', 'c']) await namespaces.create('', { metadata: { name: ns } })
    for (let i = 0; i < 30; i++) await newConfigMap(['a', 'b', 'c'][i % 3]!, { tier: i % 2 ? 'odd' : 'even', n: String(i % 5) })
  })

  after(async () => {
    await server.stop()
    await direct.stop()
    await store.close()
  })

  it('answers a LIST without reading the store, with the store revision', async () => {
    const lists = store.listsUnder(CONFIGMAPS)
    const page = await configmaps.listPage({})
    assert.ok(isCachedPage(page), 'served by the cache')
    assert.equal(store.listsUnder(CONFIGMAPS), lists)
    assert.equal(page.resourceVersion, String(await store.currentRevision()))
  })

  it('answers exactly as the store: namespaces, label and field selectors, limits and continue tokens', async () => {
    const selections: ListOptions[] = [
      {},
      { namespace: 'b' },
      { namespace: 'nowhere' },
      { labelSelector: parseLabelSelector('tier=odd') },
      { labelSelector: parseLabelSelector('n in (1,3),tier!=even') },
      { labelSelector: parseLabelSelector('!n') },
      { namespace: 'a', labelSelector: parseLabelSelector('tier') },
      { fieldSelector: parseFieldSelector('metadata.name=cm7') },
      { fieldSelector: parseFieldSelector('metadata.namespace!=a,metadata.name!=cm8') },
    ]
    for (const sel of selections) {
      await sameAsStore(configmaps, directConfigmaps, sel)
      for (const limit of [1, 4, 7, 30, 31]) {
        const pages = await sameAsStore(configmaps, directConfigmaps, { ...sel, limit })
        assert.ok(pages.every((p) => p.items.length <= limit))
      }
    }
  })

  it('a paged LIST stays at the first page revision while writes go on', async () => {
    const first = await configmaps.list({ limit: 10 })
    const created = await newConfigMap('a')
    await configmaps.delete('b', 'cm1')
    const rest = await allPages(configmaps, { limit: 10, continue: first.continue })
    const names = [...first.items, ...rest.flatMap((p) => p.items)].map((o) => o.metadata.name)
    assert.ok(!names.includes(created.metadata.name), 'a later create is not in the snapshot')
    assert.ok(names.includes('cm1'), 'a later delete does not take an object out of the snapshot')
    for (const p of rest) assert.equal(p.resourceVersion, first.resourceVersion)
    const whole = await directConfigmaps.list({ resourceVersion: first.resourceVersion, resourceVersionMatch: 'Exact' })
    assert.deepEqual(names, whole.items.map((o) => o.metadata.name))
  })

  it('a LIST right after a write sees it, even while the cache lags behind the store', async () => {
    store.lagMs = 40
    try {
      const lists = store.listsUnder(CONFIGMAPS)
      const created = await newConfigMap('c', { fresh: 'yes' })
      assert.ok(cache.revision < Number(created.metadata.resourceVersion), 'the cache has not seen the write yet')
      const listed = await configmaps.list({ labelSelector: parseLabelSelector('fresh=yes') })
      assert.deepEqual(listed.items.map((o) => o.metadata.name), [created.metadata.name])
      assert.ok(Number(listed.resourceVersion) >= Number(created.metadata.resourceVersion))
      assert.equal(store.listsUnder(CONFIGMAPS), lists, 'it waited for the cache rather than read the store')
      // A deleted object is gone from the very next LIST.
      await configmaps.delete('c', created.metadata.name!)
      assert.deepEqual((await configmaps.list({ labelSelector: parseLabelSelector('fresh=yes') })).items, [])
    } finally {
      store.lagMs = 0
    }
  })

  it('reads the store when the cache does not catch up in time', async () => {
    store.lagMs = 300
    cache.freshnessTimeoutMs = 30
    try {
      const lists = store.listsUnder(CONFIGMAPS)
      const created = await newConfigMap('c')
      const listed = await configmaps.list({ namespace: 'c' })
      assert.ok(listed.items.some((o) => o.metadata.name === created.metadata.name))
      assert.equal(store.listsUnder(CONFIGMAPS), lists + 1)
    } finally {
      store.lagMs = 0
      cache.freshnessTimeoutMs = 3000
      const revision = await store.currentRevision()
      await until('the cache to catch up', () => cache.isFresh(revision))
    }
  })

  it('resourceVersion=0 is whatever the cache has, at once; N waits until the cache has N; too large is 504', async () => {
    store.lagMs = 100
    try {
      const lists = store.listsUnder(CONFIGMAPS)
      const created = await newConfigMap('a', { rv: 'test' })
      const started = Date.now()
      const any = await configmaps.list({ resourceVersion: '0', labelSelector: parseLabelSelector('rv=test') })
      assert.ok(Date.now() - started < 80, 'no wait')
      assert.deepEqual(any.items, [], 'the cache had not seen it yet, which resourceVersion=0 allows')
      const notOlder = await configmaps.list({ resourceVersion: created.metadata.resourceVersion, labelSelector: parseLabelSelector('rv=test') })
      assert.equal(notOlder.items.length, 1)
      assert.equal(store.listsUnder(CONFIGMAPS), lists)
      const current = await store.currentRevision()
      await assert.rejects(configmaps.list({ resourceVersion: String(current + 100) }), (err) => err instanceof ApiError && err.code === 504)
    } finally {
      store.lagMs = 0
    }
  })

  it('resourceVersionMatch=Exact and continue tokens read the store', async () => {
    const rv = (await configmaps.list({})).resourceVersion
    let lists = store.listsUnder(CONFIGMAPS)
    await configmaps.list({ resourceVersion: rv, resourceVersionMatch: 'Exact' })
    assert.equal(store.listsUnder(CONFIGMAPS), ++lists)
    const first = await configmaps.list({ limit: 2 })
    assert.equal(store.listsUnder(CONFIGMAPS), lists)
    await configmaps.list({ limit: 2, continue: first.continue })
    assert.equal(store.listsUnder(CONFIGMAPS), ++lists)
  })

  it('events: both API versions over one storage are decoded through their view, as from the store', async () => {
    const core = server.registry('', 'v1', 'events')!
    const v1 = server.registry('events.k8s.io', 'v1', 'events')!
    await core.create('a', { metadata: { name: 'e1', labels: { k: 'v' } }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'a' }, reason: 'Started', message: 'core', type: 'Normal' })
    await v1.create('a', {
      metadata: { name: 'e2' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      reportingController: 'test',
      reportingInstance: 'test-1',
      action: 'Run',
      reason: 'Ran',
      type: 'Normal',
      regarding: { kind: 'Pod', name: 'q', namespace: 'a' },
      note: 'v1',
    })
    for (const [cached, plain] of [
      [core, direct.registry('', 'v1', 'events')!],
      [v1, direct.registry('events.k8s.io', 'v1', 'events')!],
    ] as const) {
      await sameAsStore(cached, plain, {})
      await sameAsStore(cached, plain, { namespace: 'a', limit: 1 })
      await sameAsStore(cached, plain, { labelSelector: parseLabelSelector('k=v') })
    }
    await sameAsStore(core, direct.registry('', 'v1', 'events')!, { fieldSelector: parseFieldSelector('involvedObject.name=q') })
    await sameAsStore(v1, direct.registry('events.k8s.io', 'v1', 'events')!, { fieldSelector: parseFieldSelector('regarding.name=p') })
    const items = (await v1.list({})).items
    assert.deepEqual(items.map((e: KubeObject) => [e.apiVersion, e.note]), [['events.k8s.io/v1', 'core'], ['events.k8s.io/v1', 'v1']])
  })

  it('the objects a LIST returns are its own: changing them changes nothing in the cache', async () => {
    const first = await configmaps.list({ namespace: 'a' })
    first.items[0]!.metadata.labels = { changed: 'yes' }
    first.items[0]!.data = {}
    await sameAsStore(configmaps, directConfigmaps, { namespace: 'a' })
  })

  it('relists when the feed history was compacted away: changes it missed are there, its watchers must relist', async () => {
    const ends: Error[] = []
    const changes: ObjectChanged[] = []
    const subscription = await cache.subscribe(cache.revision, { change: (c) => void changes.push(c), end: (err) => void ends.push(err) })
    // Changes the feed will never deliver: they are in flight (late) when its watch breaks.
    store.hold()
    const missed = [await newConfigMap('b', { missed: 'yes' }), await newConfigMap('b', { missed: 'yes' })]
    await configmaps.delete('a', 'cm0')
    store.breakFeeds(new CompactedError(1, await store.currentRevision()))
    store.release()
    await until('the watcher to be ended', () => ends.length === 1)
    assert.ok(ends[0] instanceof CompactedError)
    subscription.close()
    const listed = await configmaps.list({ labelSelector: parseLabelSelector('missed=yes') })
    assert.deepEqual(listed.items.map((o) => o.metadata.name).sort(), missed.map((o) => o.metadata.name).sort())
    await sameAsStore(configmaps, directConfigmaps, {})
    await sameAsStore(configmaps, directConfigmaps, { limit: 7 })
    // And it follows live changes again: a watcher from now on sees the next write.
    const after: ObjectChanged[] = []
    const again = await cache.subscribe(cache.revision, { change: (c) => void after.push(c), end: () => {} })
    const next = await newConfigMap('b')
    await until('the next change', () => after.length === 1)
    assert.equal(after[0]!.object.metadata.name, next.metadata.name)
    again.close()
    await sameAsStore(configmaps, directConfigmaps, {})
  })
})
