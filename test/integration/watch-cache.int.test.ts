/**
 * The watch caches on a real etcd: one watch of the whole keyspace feeds them (so a LIST knows the cache is fresh
 * even when only other keys were written), LISTs are answered without reading etcd, and a feed that resumes after
 * etcd compacted its history relists: the changes it missed are in the cache, its watchers are told to relist.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import type { GenericRegistry } from '../../src/apiserver/registry/generic-registry.ts'
import type { WatchCache } from '../../src/apiserver/registry/watch-cache.ts'
import { parseLabelSelector } from '../../src/apiserver/selectors/label-selector.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { EtcdStore } from '../../src/store/etcd-store.ts'
import { CompactedError, StoreUnavailableError } from '../../src/store/store.ts'
import { ControlledStore } from '../helpers/controlled-store.ts'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'

const CONFIGMAPS = '/registry/configmaps/'

async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

describe('watch caches on etcd', () => {
  let etcd: EtcdInstance
  let etcdStore: EtcdStore
  let other: EtcdStore
  let store: ControlledStore
  let server: ApiServer
  let configmaps: GenericRegistry
  let cache: WatchCache
  let seq = 0
  const newConfigMap = (labels: Record<string, string> = {}) => configmaps.create('default', { metadata: { name: `cm${seq++}`, labels }, data: { v: 'x' } })

  before(async () => {
    etcd = await startEtcd()
    etcdStore = new EtcdStore({ endpoints: [etcd.endpoint] })
    other = new EtcdStore({ endpoints: [etcd.endpoint] })
    store = new ControlledStore(etcdStore)
    server = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
    await server.start()
    configmaps = server.registry('', 'v1', 'configmaps')!
    cache = server.watchCacheFor(configmaps)
    for (let i = 0; i < 20; i++) await newConfigMap({ half: String(i % 2) })
  })

  after(async () => {
    await server?.stop()
    await other?.close()
    await etcdStore?.close()
    await etcd?.stop()
  })

  it('answers LISTs without reading etcd, at the current revision', async () => {
    const lists = store.listsUnder(CONFIGMAPS)
    const listed = await configmaps.list({ labelSelector: parseLabelSelector('half=1') })
    assert.equal(listed.items.length, 10)
    assert.equal(listed.resourceVersion, String(await etcdStore.currentRevision()))
    assert.equal(store.listsUnder(CONFIGMAPS), lists)
  })

  it('is fresh at once after writes of keys no cache holds, by anyone', async () => {
    for (let i = 0; i < 5; i++) await other.create(`/elsewhere/key-${i}`, new TextEncoder().encode('x'))
    const current = await etcdStore.currentRevision()
    const lists = store.listsUnder(CONFIGMAPS)
    const started = Date.now()
    const listed = await configmaps.list({})
    assert.ok(Date.now() - started < 1000, `the LIST did not wait for a revision the feed never sees (${Date.now() - started} ms)`)
    assert.ok(Number(listed.resourceVersion) >= current)
    assert.equal(store.listsUnder(CONFIGMAPS), lists)
  })

  it('relists when it resumes after etcd compacted the history it missed', async () => {
    const ends: Error[] = []
    const subscription = await cache.subscribe(cache.revision, { change: () => {}, end: (err) => void ends.push(err) })
    store.hold() // these changes are still on their way when the connection breaks
    const missed = [await newConfigMap({ missed: 'yes' }), await newConfigMap({ missed: 'yes' })]
    await configmaps.delete('default', 'cm0')
    await etcdStore.compact(await etcdStore.currentRevision())
    store.breakFeeds(new StoreUnavailableError('connection lost'))
    store.release()
    await until('the watcher to be told to relist', () => ends.length === 1)
    assert.ok(ends[0] instanceof CompactedError, String(ends[0]))
    subscription.close()
    const current = await etcdStore.currentRevision()
    await until('the relist', () => cache.isFresh(current))
    const listed = await configmaps.list({ labelSelector: parseLabelSelector('missed=yes') })
    assert.deepEqual(listed.items.map((o) => o.metadata.name).sort(), missed.map((o) => o.metadata.name).sort())
    const fromCache = await configmaps.list({})
    const fromEtcd = await configmaps.list({ resourceVersion: fromCache.resourceVersion, resourceVersionMatch: 'Exact' })
    assert.deepEqual(fromCache, fromEtcd)
    assert.ok(!fromCache.items.some((o) => o.metadata.name === 'cm0'))
  })
})
