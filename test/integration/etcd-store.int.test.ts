/** The Store contract against a real etcd started for this file (test/helpers/etcd.ts), plus etcd-only failure modes. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { EtcdStore } from '../../src/store/etcd-store.ts'
import { StoreUnavailableError } from '../../src/store/store.ts'
import { runStoreContract } from '../contract/store.contract.ts'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'

describe('EtcdStore on a real etcd', () => {
  let etcd: EtcdInstance | undefined
  before(async () => {
    etcd = await startEtcd()
  })
  after(async () => {
    await etcd?.stop()
  })

  runStoreContract('EtcdStore', async () => {
    if (!etcd) throw new Error('etcd did not start')
    const store = new EtcdStore({ endpoints: [etcd.endpoint] })
    return { store, cleanup: () => store.close() }
  })
})

describe('EtcdStore when etcd goes away', () => {
  it('fails calls with StoreUnavailableError and ends watches with it', async () => {
    const etcd = await startEtcd() // its own etcd: this test kills it
    const store = new EtcdStore({ endpoints: [etcd.endpoint], requestTimeoutMs: 2000 })
    try {
      const rev = await store.create('/registry/down/a', new TextEncoder().encode('1'))
      const errors: Error[] = []
      await store.watch('/registry/down/', rev, { event: () => {}, error: err => errors.push(err) })
      await etcd.stop()

      await assert.rejects(store.get('/registry/down/a'), StoreUnavailableError)
      await assert.rejects(store.create('/registry/down/b', new Uint8Array()), StoreUnavailableError)
      await assert.rejects(store.watch('/registry/down/', rev, { event() {}, error() {} }), StoreUnavailableError)
      for (let i = 0; i < 200 && errors.length === 0; i++) await sleep(10)
      assert.equal(errors.length, 1)
      assert.ok(errors[0] instanceof StoreUnavailableError, String(errors[0]))
    } finally {
      await store.close()
      await etcd.stop()
    }
  })
})
