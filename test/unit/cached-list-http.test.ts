/**
 * LIST responses served from the watch cache (stored JSON spliced into the body) against the same LISTs answered
 * from the store by a second API server that never started its caches: the same bodies for JSON, YAML, Tables,
 * PartialObjectMetadataList and protobuf, for plain kinds and for the events.k8s.io view of core events.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { parse as parseYaml } from 'yaml'
import { after, before, describe, it } from 'node:test'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'
import { ControlledStore } from '../helpers/controlled-store.ts'

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io'
const PARTIAL = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'
const PROTOBUF = 'application/vnd.kubernetes.protobuf'

interface Raw {
  status: number
  contentType: string
  bytes: Buffer
}

async function get(base: string, path: string, accept?: string): Promise<Raw> {
  const res = await fetch(base + path, { headers: accept ? { accept } : {} })
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) }
}

/** A Table's Age cells may tick between two requests: compare everything else. */
function withoutAge(table: any): any {
  const age = table.columnDefinitions?.findIndex((c: any) => c.name === 'Age') ?? -1
  if (age < 0) return table
  return { ...table, rows: table.rows.map((r: any) => ({ ...r, cells: r.cells.filter((_: unknown, i: number) => i !== age) })) }
}

describe('LIST responses from the watch cache', () => {
  const store = new ControlledStore(new MemoryStore())
  const cached = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
  const direct = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
  let cachedUrl = ''
  let directUrl = ''

  before(async () => {
    await cached.start()
    cachedUrl = `http://127.0.0.1:${((await cached.listen()) as AddressInfo).port}`
    directUrl = `http://127.0.0.1:${((await direct.listen()) as AddressInfo).port}`
    const post = async (path: string, body: unknown) => {
      const res = await fetch(cachedUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      assert.ok(res.status < 300, `${path}: ${res.status} ${await res.text()}`)
    }
    for (const ns of ['one', 'two']) await post('/api/v1/namespaces', { metadata: { name: ns } })
    for (let i = 0; i < 40; i++) {
      const ns = i % 2 ? 'one' : 'two'
      // Clients send members in any order; the stored form is canonical either way.
      const body = i % 3 ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, labels: { n: String(i % 4) } }, data: { i: String(i), u: 'ü ✓ 𝄞' } } : { data: { i: String(i) }, metadata: { name: `cm-${i}` } }
      await post(`/api/v1/namespaces/${ns}/configmaps`, body)
    }
    await post('/api/v1/namespaces/one/pods', { metadata: { name: 'p', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })
    await post('/api/v1/namespaces/one/events', { metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'one' }, reason: 'Started', message: 'hi', type: 'Normal' })
    await post('/apis/events.k8s.io/v1/namespaces/one/events', {
      metadata: { name: 'e2' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      reportingController: 'c',
      reportingInstance: 'c-1',
      action: 'A',
      reason: 'R',
      type: 'Normal',
      regarding: { kind: 'Pod', name: 'p', namespace: 'one' },
      note: 'n',
    })
  })

  after(async () => {
    await cached.stop()
    await direct.stop()
    await store.close()
  })

  const paths = [
    '/api/v1/configmaps',
    '/api/v1/namespaces/one/configmaps',
    '/api/v1/namespaces/one/configmaps?labelSelector=n%3D1',
    '/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-7',
    '/api/v1/configmaps?limit=7',
    '/api/v1/configmaps?limit=7&labelSelector=n%21%3D2',
    '/api/v1/namespaces/two/configmaps?resourceVersion=0',
    '/api/v1/pods',
    '/api/v1/namespaces',
    '/api/v1/events',
    '/apis/events.k8s.io/v1/events',
    '/apis/events.k8s.io/v1/namespaces/one/events?fieldSelector=regarding.name%3Dp',
  ]

  it('JSON Lists are the same objects, in the same order, with the same metadata', async () => {
    for (const path of paths) {
      const lists = store.lists.length
      const a = await get(cachedUrl, path)
      assert.equal(store.lists.length, lists, `${path} is served by the cache`)
      const b = await get(directUrl, path)
      assert.equal(a.status, 200, a.bytes.toString())
      assert.equal(a.contentType, b.contentType)
      assert.deepEqual(JSON.parse(a.bytes.toString()), JSON.parse(b.bytes.toString()), path)
    }
  })

  it('and so are YAML, Tables, PartialObjectMetadataLists and protobuf', async () => {
    for (const path of paths) {
      for (const accept of ['application/yaml', TABLE, PARTIAL, `${PROTOBUF}, application/json`]) {
        const a = await get(cachedUrl, path, accept)
        const b = await get(directUrl, path, accept)
        assert.equal(a.status, 200, `${path} ${accept}: ${a.bytes.toString()}`)
        assert.equal(a.contentType, b.contentType, `${path} ${accept}`)
        if (accept.startsWith(PROTOBUF)) assert.ok(a.bytes.equals(b.bytes), `${path} ${accept}`)
        else if (accept === TABLE) assert.deepEqual(withoutAge(JSON.parse(a.bytes.toString())), withoutAge(JSON.parse(b.bytes.toString())), path)
        else assert.deepEqual(JSON.parse(a.bytes.toString()), JSON.parse(b.bytes.toString()), `${path} ${accept}`)
      }
    }
  })

  it('following continue tokens gives every object once, as from the store', async () => {
    const walk = async (base: string) => {
      const names: string[] = []
      let next = ''
      do {
        const page = JSON.parse((await get(base, `/api/v1/configmaps?limit=6${next ? `&continue=${next}` : ''}`)).bytes.toString())
        names.push(...page.items.map((o: any) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`))
        next = page.metadata.continue ?? ''
      } while (next)
      return names
    }
    const names = await walk(cachedUrl)
    assert.equal(names.length, 40)
    assert.deepEqual(names, await walk(directUrl))
  })

  it('a JSON GET of one object (stored JSON spliced) is the object a decoding GET serves', async () => {
    const objects = ['/api/v1/namespaces/two/configmaps/cm-0', '/api/v1/namespaces/one/configmaps/cm-1', '/api/v1/namespaces/one/pods/p', '/api/v1/namespaces/one/events/e1', '/apis/events.k8s.io/v1/namespaces/one/events/e1', '/api/v1/namespaces/one']
    for (const path of objects) {
      const json = await get(cachedUrl, path)
      const yaml = await get(cachedUrl, path, 'application/yaml')
      assert.equal(json.status, 200, `${path}: ${json.bytes.toString()}`)
      assert.match(json.contentType, /^application\/json/)
      const obj = JSON.parse(json.bytes.toString())
      assert.deepEqual(obj, parseYaml(yaml.bytes.toString()), path)
      assert.ok(obj.metadata.resourceVersion, path)
    }
    assert.equal((await get(cachedUrl, '/api/v1/namespaces/one/configmaps/absent')).status, 404)
  })

  it('a create in a namespace deleted just before is refused (the namespaces cache has seen the delete)', async () => {
    const send = (method: string, path: string, body?: unknown) =>
      fetch(cachedUrl + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    assert.equal((await send('POST', '/api/v1/namespaces', { metadata: { name: 'short-lived' } })).status, 201)
    assert.equal((await send('POST', '/api/v1/namespaces/short-lived/secrets', { metadata: { name: 'a' } })).status, 201)
    const deleted = await send('DELETE', '/api/v1/namespaces/short-lived')
    assert.ok(deleted.status < 300, await deleted.text())
    const refused = await send('POST', '/api/v1/namespaces/short-lived/secrets', { metadata: { name: 'b' } })
    assert.ok(refused.status === 403 || refused.status === 404, `${refused.status} ${await refused.text()}`)
    assert.equal((await send('POST', '/api/v1/namespaces/nowhere/secrets', { metadata: { name: 'c' } })).status, 404)
  })

  it('a HEAD of a collection has no body and the length of the GET', async () => {
    const head = await fetch(cachedUrl + '/api/v1/configmaps', { method: 'HEAD' })
    const body = await get(cachedUrl, '/api/v1/configmaps')
    assert.equal(head.status, 200)
    assert.equal(Number(head.headers.get('content-length')), body.bytes.length)
  })
})
