/**
 * Updates that start from the watch cache's copy (upstream GuaranteedUpdate's cachedExistingObject): no read of
 * the store when the copy is current, and when it is stale (the cache lags behind the store) every outcome is
 * the one the store's object gives: the write lands on it, a stale resourceVersion is still a 409, a no-op returns
 * the current object, a PUT without resourceVersion is not failed by the attempt on the stale copy.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeObject } from '../../src/api/meta.ts'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import { parsePatch } from '../../src/apiserver/patch/apply-patch.ts'
import type { GenericRegistry } from '../../src/apiserver/registry/generic-registry.ts'
import type { WatchCache } from '../../src/apiserver/registry/watch-cache.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'
import { ControlledStore } from '../helpers/controlled-store.ts'

describe('updates from the watch cache', () => {
  const store = new ControlledStore(new MemoryStore())
  const server = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
  let configmaps: GenericRegistry
  let cache: WatchCache
  let seq = 0

  const caughtUp = async () => {
    const revision = await store.currentRevision()
    for (let i = 0; i < 500 && !cache.isFresh(revision); i++) await sleep(2)
    assert.ok(cache.isFresh(revision), 'the cache caught up')
  }
  /** A configmap, then a second write the cache has not seen yet (watch events are held back until release). */
  async function staleConfigMap(): Promise<{ name: string; latest: KubeObject }> {
    const name = `cm${seq++}`
    await configmaps.create('default', { metadata: { name }, data: { v: '1' } })
    await caughtUp()
    store.hold()
    const latest = await configmaps.update('default', name, (cur) => ({ ...cur, data: { v: '2', other: 'x' } }))
    const copy = cache.current(configmaps.keyFor('default', name))
    assert.ok(copy && copy.modRevision < Number(latest.metadata.resourceVersion), 'the cached copy is stale')
    return { name, latest }
  }

  before(async () => {
    await server.start()
    configmaps = server.registry('', 'v1', 'configmaps')!
    cache = server.watchCacheFor(configmaps)
  })

  after(async () => {
    await server.stop()
    await store.close()
  })

  it('does not read the store when the cached copy is current', async () => {
    await configmaps.create('default', { metadata: { name: 'fresh' }, data: { v: '1' } })
    await caughtUp()
    const gets = store.gets.length
    const updated = await configmaps.update('default', 'fresh', (cur) => ({ ...cur, data: { v: '2' } }))
    assert.equal(store.gets.length, gets)
    assert.equal(updated.data.v, '2')
    assert.deepEqual((await configmaps.get('default', 'fresh')).data, { v: '2' })
  })

  it('with a stale copy, a patch lands on the latest object', async () => {
    try {
      const { name } = await staleConfigMap()
      const patch = parsePatch('application/merge-patch+json', Buffer.from(JSON.stringify({ data: { patched: 'yes' } })), configmaps.def)
      const patched = await configmaps.update('default', name, patch)
      assert.deepEqual(patched.data, { v: '2', other: 'x', patched: 'yes' })
    } finally {
      store.release()
    }
  })

  it('with a stale copy, a PUT of the latest resourceVersion lands and a stale one is a 409', async () => {
    try {
      const { name, latest } = await staleConfigMap()
      const body = { ...structuredClone(latest), data: { v: '3' } }
      const put = await configmaps.update('default', name, () => body)
      assert.equal(put.data.v, '3')
      const stale = { ...structuredClone(latest), data: { v: '4' } }
      await assert.rejects(
        configmaps.update('default', name, () => stale),
        (err) => err instanceof ApiError && err.code === 409,
      )
    } finally {
      store.release()
    }
  })

  it('with a stale copy, a PUT without resourceVersion lands on the latest object', async () => {
    try {
      const { name } = await staleConfigMap()
      const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: 'unconditional' } }
      const put = await configmaps.update('default', name, () => body)
      assert.equal(put.data.v, 'unconditional')
    } finally {
      store.release()
    }
  })

  it('with a stale copy, an update that changes nothing returns the latest object', async () => {
    try {
      const { name, latest } = await staleConfigMap()
      const same = await configmaps.update('default', name, (cur) => cur)
      assert.equal(same.metadata.resourceVersion, latest.metadata.resourceVersion)
      assert.deepEqual(same.data, latest.data)
    } finally {
      store.release()
    }
  })

  it('with a stale copy, removing the last finalizer of a deleted object removes it', async () => {
    try {
      const name = `cm${seq++}`
      await configmaps.create('default', { metadata: { name, finalizers: ['example.com/hold'] }, data: {} })
      await configmaps.delete('default', name)
      store.hold()
      await configmaps.update('default', name, (cur) => ({ ...cur, metadata: { ...cur.metadata, labels: { touched: 'yes' } } }))
      await configmaps.update('default', name, (cur) => ({ ...cur, metadata: { ...cur.metadata, finalizers: [] } }))
      await assert.rejects(configmaps.get('default', name), (err) => err instanceof ApiError && err.code === 404)
    } finally {
      store.release()
    }
  })

  it('with a stale copy of an object deleted since, an update is a 404', async () => {
    const name = `cm${seq++}`
    await configmaps.create('default', { metadata: { name }, data: {} })
    await caughtUp()
    store.hold()
    try {
      await configmaps.delete('default', name)
      assert.ok(cache.current(configmaps.keyFor('default', name)), 'the cache still has it')
      await assert.rejects(
        configmaps.update('default', name, (cur) => ({ ...cur, data: { v: 'x' } })),
        (err) => err instanceof ApiError && err.code === 404,
      )
    } finally {
      store.release()
    }
  })

  it('a dry run reads the store', async () => {
    await caughtUp()
    const gets = store.gets.length
    await configmaps.update('default', 'fresh', (cur) => ({ ...cur, data: { v: 'dry' } }), { dryRun: true })
    assert.equal(store.gets.length, gets + 1)
  })
})
