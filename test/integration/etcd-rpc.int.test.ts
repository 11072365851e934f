/**
 * EtcdStore's own gRPC transport (src/store/etcd-rpc.ts) where the Store contract does not reach: endpoints that
 * refuse or never answer, and watch events larger than a frame.
 */
import assert from 'node:assert/strict'
import { createServer, type Server, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { EtcdStore } from '../../src/store/etcd-store.ts'
import { StoreUnavailableError, type StoreEvent } from '../../src/store/store.ts'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'

/** A TCP server that accepts connections and never answers: a black-holed etcd. */
async function blackHole(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** A port nothing listens on. */
async function refusedEndpoint(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

describe('EtcdStore transport', () => {
  let etcd: EtcdInstance | undefined
  before(async () => {
    etcd = await startEtcd()
  })
  after(async () => {
    await etcd?.stop()
  })

  it('a call to an endpoint that never answers fails with StoreUnavailableError at its deadline', async () => {
    const hole = await blackHole()
    const store = new EtcdStore({ endpoints: [hole.endpoint], requestTimeoutMs: 300 })
    try {
      const started = Date.now()
      await assert.rejects(store.get('/registry/x'), (err: Error) => err instanceof StoreUnavailableError && /deadline/.test(err.message))
      const took = Date.now() - started
      assert.ok(took >= 250 && took < 5000, `took ${took} ms`)
      await assert.rejects(store.create('/registry/x', new Uint8Array([1])), StoreUnavailableError)
    } finally {
      await store.close()
      await hole.close()
    }
  })

  it('goes on to the next endpoint when one refuses connections', async () => {
    const store = new EtcdStore({ endpoints: [await refusedEndpoint(), etcd!.endpoint] })
    try {
      const rev = await store.create('/registry/failover/a', new TextEncoder().encode('1'))
      assert.equal((await store.get('/registry/failover/a'))?.modRevision, rev)
      // Writes that never left go to the next endpoint too: a fresh client's first call is a write.
      const other = new EtcdStore({ endpoints: [await refusedEndpoint(), etcd!.endpoint] })
      try {
        assert.ok((await other.update('/registry/failover/a', new TextEncoder().encode('2'), rev)) > rev)
      } finally {
        await other.close()
      }
    } finally {
      await store.close()
    }
  })

  it('delivers watch events and lists values of several MiB, whole', async () => {
    const store = new EtcdStore({ endpoints: [etcd!.endpoint] })
    try {
      const start = await store.currentRevision()
      const events: StoreEvent[] = []
      let got!: () => void
      const done = new Promise<void>((resolve) => (got = resolve))
      const w = await store.watch('/registry/big/', start, {
        event: (ev) => {
          events.push(ev)
          if (events.length === 3) got()
        },
        error: (err) => assert.fail(err),
      })
      const big = Buffer.alloc(1_400_000, 'a') // just under etcd's default request limit (1.5 MiB)
      const small = new TextEncoder().encode('s')
      const r1 = await store.create('/registry/big/a', big)
      await store.create('/registry/big/b', small)
      await store.update('/registry/big/a', Buffer.alloc(1_300_000, 'b'), r1)
      await done
      w.close()
      assert.deepEqual(
        events.map((e) => [e.type, e.kv.key, e.kv.value.length, e.prev?.value.length]),
        [
          ['put', '/registry/big/a', 1_400_000, undefined],
          ['put', '/registry/big/b', 1, undefined],
          ['put', '/registry/big/a', 1_300_000, 1_400_000],
        ],
      )
      assert.ok(Buffer.from(events[2]!.kv.value).every((c) => c === 0x62))
      const list = await store.list('/registry/big/')
      assert.deepEqual(
        list.items.map((kv) => [kv.key, kv.value.length]),
        [
          ['/registry/big/a', 1_300_000],
          ['/registry/big/b', 1],
        ],
      )
    } finally {
      await store.close()
    }
  })
})
