/**
 * The resource contract (Kubernetes' genericregistrytest): what every kind the API server declares must do over
 * HTTP, whatever its strategy. Run once per ResourceDefinition against a real ApiServer on a real etcd
 * (test/integration/resources.int.test.ts); only the fixtures differ between kinds.
 *
 * Independence: a namespaced kind gets a namespace of its own; every object carries a `contract-run` label and is
 * listed through it, so cluster-scoped kinds (and controllers creating objects meanwhile, like the default
 * ServiceAccount) do not disturb the counts. Deletions are awaited, not assumed immediate: a Namespace, for one,
 * only goes away once the namespace controller has finalized it.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import type { ResourceDefinition } from '../../src/apiserver/registry/resource-definition.ts'
import { api, eventually, expectFailure, expectStatus, WatchStream, type ApiResponse, type RequestOptions } from '../helpers/http-api.ts'

export interface ResourceFixtures {
  /** A valid object named `name` (namespace and labels are set by the contract). */
  valid(name: string): KubeObject
  /** An object named `name` that the kind's validation rejects (422). */
  invalid(name: string): KubeObject
  /** The same object with a spec/data change (for Namespace, which has none a client may change: a label). */
  mutate(obj: KubeObject): KubeObject
  /** Checks that do not apply to this kind, each with the reason (shown as the test's skip message). */
  skip?: { replaceWithManifest?: string }
  /** What the status tests write into `status`, for kinds whose status has no `conditions` (default: one condition). */
  status?: Record<string, unknown>
}

export interface ContractEnv {
  baseUrl: string
}

const RUN_LABEL = 'contract-run'
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io'
const MERGE = { contentType: 'application/merge-patch+json' }
const JSON_PATCH = { contentType: 'application/json-patch+json' }

const run = Math.random().toString(36).slice(2, 8)
/** Shared by every kind's contract: names never repeat, even between two views of one storage (the Event APIs). */
let seq = 0

const rv = (obj: any): number => {
  const value = obj?.metadata?.resourceVersion
  assert.match(String(value), /^[1-9]\d*$/, `resourceVersion must be a positive integer string, got ${JSON.stringify(value)}`)
  return Number(value)
}

const names = (list: any): string[] => (list?.items ?? []).map((o: any) => o.metadata.name).sort()

export function runResourceContract(def: ResourceDefinition, env: () => ContractEnv, fixtures: ResourceFixtures): void {
  const title = def.group ? `${def.plural}.${def.group}/${def.version}` : `${def.plural}/${def.version}`
  const groupVersion = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`
  const apiVersion = def.group ? `${def.group}/${def.version}` : def.version
  // The version too: autoscaling/v1 and v2 serve the same horizontalpodautoscalers.
  const namespace = def.namespaced ? `ct-${def.plural}-${def.group.replace(/\./g, '-') || 'core'}-${def.version}-${run}` : ''
  const status = def.subresources?.status
  const tracksGeneration = Boolean(def.strategy.tracksGeneration)

  const collection = (ns = namespace) => (def.namespaced ? `${groupVersion}/namespaces/${ns}/${def.plural}` : `${groupVersion}/${def.plural}`)
  const item = (name: string) => `${collection()}/${name}`
  const call = (method: string, path: string, body?: unknown, opts?: RequestOptions) => api(env().baseUrl, method, path, body, opts)

  /** A fresh name: short enough for DNS labels (namespaces), unique per contract run. */
  const fresh = (what: string) => `${what}-${run}-${seq++}`
  /** A unique value for a label that scopes one test's objects. */
  const scope = () => `s${seq++}`

  /** The fixture with the contract's namespace and labels. */
  const withMeta = (obj: KubeObject, labels: Record<string, string> = {}): KubeObject => {
    obj.metadata = { ...obj.metadata, labels: { ...obj.metadata.labels, [RUN_LABEL]: run, ...labels } }
    if (def.namespaced) obj.metadata.namespace = namespace
    return obj
  }
  const valid = (name: string, labels?: Record<string, string>) => withMeta(fixtures.valid(name), labels)

  async function create(name: string, labels?: Record<string, string>): Promise<any> {
    const res = await call('POST', collection(), valid(name, labels))
    expectStatus(res, 201, `create ${name}`)
    return res.body
  }

  async function get(name: string): Promise<any> {
    const res = await call('GET', item(name))
    expectStatus(res, 200, `get ${name}`)
    return res.body
  }

  async function list(query: Record<string, string>, opts?: RequestOptions): Promise<ApiResponse> {
    return call('GET', `${collection()}?${new URLSearchParams(query)}`, undefined, opts)
  }

  /** Names selected by a label selector, within this test's scope. */
  async function selected(scopeLabel: string, selector: string): Promise<string[]> {
    const res = await list({ labelSelector: `${RUN_LABEL}=${run},scope=${scopeLabel}${selector ? ',' + selector : ''}` })
    expectStatus(res, 200, `list ${selector}`)
    return names(res.body)
  }

  /** DELETE, then wait until the object is really gone (finalizers may hold it for a while). */
  async function deleteAndWait(name: string): Promise<ApiResponse> {
    const res = await call('DELETE', item(name))
    expectStatus(res, 200, `delete ${name}`)
    await eventually(`${name} to be gone`, async () => (await call('GET', item(name))).status === 404)
    return res
  }

  describe(`resource contract: ${title}`, () => {
    before(async () => {
      if (!def.namespaced) return
      const res = await call('POST', '/api/v1/namespaces', { metadata: { name: namespace } })
      expectStatus(res, 201, `create namespace ${namespace}`)
    })

    describe('create', () => {
      it('answers 201 with uid, creationTimestamp, a numeric resourceVersion, apiVersion and kind', async () => {
        const name = fresh('create')
        const res = await call('POST', collection(), valid(name))
        expectStatus(res, 201)
        const obj = res.body
        assert.equal(obj.apiVersion, apiVersion)
        assert.equal(obj.kind, def.kind)
        assert.equal(obj.metadata.name, name)
        if (def.namespaced) assert.equal(obj.metadata.namespace, namespace)
        else assert.equal(obj.metadata.namespace, undefined)
        assert.match(obj.metadata.uid, /^[0-9a-f-]{36}$/)
        assert.match(obj.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
        assert.ok(Math.abs(Date.parse(obj.metadata.creationTimestamp) - Date.now()) < 60_000, 'creationTimestamp is now')
        rv(obj)
        const got = await get(name)
        assert.equal(got.metadata.uid, obj.metadata.uid)
        assert.equal(got.metadata.resourceVersion, obj.metadata.resourceVersion)
        assert.equal(got.apiVersion, apiVersion)
        assert.equal(got.kind, def.kind)
      })

      it('ignores a client-set uid and creationTimestamp', async () => {
        const name = fresh('sysfields')
        const obj = valid(name)
        Object.assign(obj.metadata, { uid: '00000000-0000-0000-0000-000000000000', creationTimestamp: '2001-01-01T00:00:00Z' })
        const res = await call('POST', collection(), obj)
        expectStatus(res, 201)
        assert.notEqual(res.body.metadata.uid, '00000000-0000-0000-0000-000000000000')
        assert.notEqual(res.body.metadata.creationTimestamp, '2001-01-01T00:00:00Z')
      })

      it('answers 409 AlreadyExists for a name in use, with details name and kind (the resource)', async () => {
        const name = fresh('dup')
        await create(name)
        const details = expectFailure(await call('POST', collection(), valid(name)), 409, 'AlreadyExists')
        assert.equal(details.name, name)
        assert.equal(details.kind, def.plural)
        if (def.group) assert.equal(details.group, def.group)
      })

      it('answers 422 Invalid with details.causes for an invalid object, and stores nothing', async () => {
        const name = fresh('invalid')
        const obj = withMeta(fixtures.invalid(name))
        const details = expectFailure(await call('POST', collection(), obj), 422, 'Invalid')
        assert.equal(details.kind, def.kind)
        assert.ok(Array.isArray(details.causes) && details.causes.length > 0, `causes: ${JSON.stringify(details)}`)
        for (const cause of details.causes) {
          assert.equal(typeof cause.reason, 'string')
          assert.equal(typeof cause.message, 'string')
          assert.equal(typeof cause.field, 'string')
        }
        const objName = obj.metadata.name
        if (objName) expectStatus(await call('GET', item(objName)), 404)
      })

      it('generates a name from generateName', async () => {
        const obj = valid('unused')
        delete obj.metadata.name
        obj.metadata.generateName = 'gen-'
        const first = await call('POST', collection(), obj)
        const second = await call('POST', collection(), obj)
        expectStatus(first, 201)
        expectStatus(second, 201)
        assert.match(first.body.metadata.name, /^gen-[a-z0-9]{5}$/)
        assert.notEqual(first.body.metadata.name, second.body.metadata.name)
        assert.equal(first.body.metadata.generateName, 'gen-')
        await get(first.body.metadata.name)
      })

      it('dryRun=All answers the object but stores nothing', async () => {
        const name = fresh('dry')
        const res = await call('POST', `${collection()}?dryRun=All`, valid(name))
        expectStatus(res, 201)
        assert.equal(res.body.metadata.name, name)
        assert.equal(res.body.kind, def.kind)
        expectFailure(await call('GET', item(name)), 404, 'NotFound')
        // and the name is still free
        await create(name)
      })
    })

    describe('get', () => {
      it('answers 200 with the object', async () => {
        const name = fresh('get')
        const created = await create(name)
        const got = await get(name)
        assert.equal(got.metadata.name, name)
        assert.equal(got.metadata.uid, created.metadata.uid)
      })

      it('answers 404 NotFound for a missing object, with details name and kind', async () => {
        const details = expectFailure(await call('GET', item('missing-' + run)), 404, 'NotFound')
        assert.equal(details.name, 'missing-' + run)
        assert.equal(details.kind, def.plural)
      })
    })

    describe('list', () => {
      it(`answers a ${def.kind}List with metadata.resourceVersion that contains a new object`, async () => {
        const name = fresh('list')
        const created = await create(name)
        const res = await list({})
        expectStatus(res, 200)
        assert.equal(res.body.kind, `${def.kind}List`)
        assert.equal(res.body.apiVersion, apiVersion)
        assert.ok(rv(res.body) >= rv(created), 'a list is not older than a write it follows')
        const found = res.body.items.find((o: any) => o.metadata.name === name)
        assert.ok(found, `${name} not in ${names(res.body)}`)
        assert.equal(found.metadata.uid, created.metadata.uid)
      })

      it('filters by label selector: =, !=, in, notin, exists, !exists', async () => {
        const s = scope()
        const [a, b, c] = [fresh('la'), fresh('lb'), fresh('lc')]
        await create(a, { scope: s, tier: 'front' })
        await create(b, { scope: s, tier: 'back' })
        await create(c, { scope: s })
        assert.deepEqual(await selected(s, ''), [a, b, c].sort())
        assert.deepEqual(await selected(s, 'tier=front'), [a])
        assert.deepEqual(await selected(s, 'tier==front'), [a])
        assert.deepEqual(await selected(s, 'tier!=front'), [b, c].sort())
        assert.deepEqual(await selected(s, 'tier in (front,back)'), [a, b].sort())
        assert.deepEqual(await selected(s, 'tier notin (front)'), [b, c].sort())
        assert.deepEqual(await selected(s, 'tier'), [a, b].sort())
        assert.deepEqual(await selected(s, '!tier'), [c])
      })

      it('answers 400 BadRequest for a malformed label selector', async () => {
        expectFailure(await list({ labelSelector: 'tier in (front' }), 400, 'BadRequest')
      })

      it('filters by field selector metadata.name (= and !=)', async () => {
        const s = scope()
        const [a, b] = [fresh('fa'), fresh('fb')]
        await create(a, { scope: s })
        await create(b, { scope: s })
        const only = await list({ fieldSelector: `metadata.name=${a}` })
        expectStatus(only, 200)
        assert.deepEqual(names(only.body), [a])
        const others = await list({ labelSelector: `scope=${s}`, fieldSelector: `metadata.name!=${a}` })
        assert.deepEqual(names(others.body), [b])
        if (def.namespaced) {
          const byNamespace = await list({ labelSelector: `scope=${s}`, fieldSelector: `metadata.namespace=${namespace}` })
          assert.deepEqual(names(byNamespace.body), [a, b].sort())
        }
      })

      it('answers 400 BadRequest for a field selector the kind does not support', async () => {
        expectFailure(await list({ fieldSelector: 'spec.noSuchField=x' }), 400, 'BadRequest')
      })

      it('pages with limit=1 and continue through every object exactly once, at one snapshot', async () => {
        const s = scope()
        const created = [fresh('pa'), fresh('pb'), fresh('pc'), fresh('pd')]
        for (const name of created) await create(name, { scope: s })
        const seen: string[] = []
        const snapshots = new Set<string>()
        let token: string | undefined
        let pages = 0
        do {
          const query: Record<string, string> = { labelSelector: `${RUN_LABEL}=${run},scope=${s}`, limit: '1' }
          if (token) query.continue = token
          const res = await list(query)
          expectStatus(res, 200, `page ${pages}`)
          assert.ok(res.body.items.length <= 1, 'a page holds at most limit items')
          seen.push(...names(res.body))
          snapshots.add(res.body.metadata.resourceVersion)
          token = res.body.metadata.continue
          if (pages === 0) await create(fresh('late'), { scope: s }) // not in the snapshot being paged
          assert.ok(++pages <= 10, 'paging does not end')
        } while (token)
        assert.deepEqual(seen.sort(), [...created].sort())
        assert.equal(snapshots.size, 1, `every page is read at the first page's revision: ${[...snapshots]}`)
      })

      it('pages without a selector too: no object twice, every one of ours once', async () => {
        const s = scope()
        const created = [fresh('qa'), fresh('qb'), fresh('qc')]
        for (const name of created) await create(name, { scope: s })
        const seen: string[] = []
        let token: string | undefined
        let pages = 0
        do {
          const res = await list(token ? { limit: '2', continue: token } : { limit: '2' })
          expectStatus(res, 200)
          seen.push(...names(res.body))
          token = res.body.metadata.continue
          assert.ok(++pages <= 500, 'paging does not end')
        } while (token)
        assert.equal(new Set(seen).size, seen.length, `duplicates: ${seen}`)
        for (const name of created) assert.ok(seen.includes(name), `${name} missing from the pages`)
      })

      it('answers 400 BadRequest for a malformed continue token', async () => {
        expectFailure(await list({ limit: '1', continue: 'not-a-token' }), 400, 'BadRequest')
      })

      it('answers a Table with columnDefinitions and PartialObjectMetadata rows', async () => {
        const s = scope()
        const name = fresh('table')
        await create(name, { scope: s })
        const res = await list({ labelSelector: `scope=${s}` }, { accept: TABLE })
        expectStatus(res, 200)
        assert.match(res.contentType, /as=Table/)
        const table = res.body
        assert.equal(table.kind, 'Table')
        assert.equal(table.apiVersion, 'meta.k8s.io/v1')
        rv(table)
        assert.ok(table.columnDefinitions.length > 0)
        for (const c of table.columnDefinitions) {
          assert.equal(typeof c.name, 'string')
          assert.ok(['string', 'integer', 'number', 'boolean', 'date'].includes(c.type), `column type ${c.type}`)
        }
        const nameColumn = table.columnDefinitions.findIndex((c: any) => c.name === 'Name')
        assert.ok(nameColumn >= 0, 'a Name column')
        assert.equal(table.rows.length, 1)
        const row = table.rows[0]
        assert.equal(row.cells.length, table.columnDefinitions.length)
        assert.equal(row.cells[nameColumn], name)
        assert.equal(row.object.kind, 'PartialObjectMetadata')
        assert.equal(row.object.apiVersion, 'meta.k8s.io/v1')
        assert.equal(row.object.metadata.name, name)
        assert.equal(row.object.spec, undefined, 'rows carry metadata only')
        const one = await call('GET', item(name), undefined, { accept: TABLE })
        expectStatus(one, 200)
        assert.equal(one.body.kind, 'Table')
        assert.equal(one.body.rows.length, 1)
      })
    })

    describe('update', () => {
      it('with the current resourceVersion answers 200 and a new resourceVersion', async () => {
        const name = fresh('upd')
        const created = await create(name)
        const res = await call('PUT', item(name), fixtures.mutate(structuredClone(created)))
        expectStatus(res, 200)
        assert.ok(rv(res.body) > rv(created), 'the resourceVersion moves forward')
        assert.equal(res.body.metadata.uid, created.metadata.uid)
        assert.equal(res.body.metadata.creationTimestamp, created.metadata.creationTimestamp)
        assert.equal(res.body.kind, def.kind)
        const got = await get(name)
        assert.equal(got.metadata.resourceVersion, res.body.metadata.resourceVersion)
      })

      it('with a stale resourceVersion answers 409 Conflict and changes nothing', async () => {
        const name = fresh('stale')
        const created = await create(name)
        expectStatus(await call('PUT', item(name), fixtures.mutate(structuredClone(created))), 200)
        const current = await get(name)
        const stale = fixtures.mutate(structuredClone(created))
        stale.metadata.labels = { ...stale.metadata.labels, stale: 'yes' }
        const details = expectFailure(await call('PUT', item(name), stale), 409, 'Conflict')
        assert.equal(details.name, name)
        assert.equal(details.kind, def.plural)
        assert.deepEqual(await get(name), current)
      })

      it('without a resourceVersion is unconditional (200)', async () => {
        const name = fresh('uncond')
        const created = await create(name)
        expectStatus(await call('PATCH', item(name), { metadata: { labels: { touched: 'yes' } } }, MERGE), 200)
        const body = fixtures.mutate(structuredClone(created))
        delete body.metadata.resourceVersion
        body.metadata.labels = { ...body.metadata.labels, touched: 'yes' }
        const res = await call('PUT', item(name), body)
        expectStatus(res, 200)
        assert.ok(rv(res.body) > rv(created))
      })

      it('with the manifest as first sent (no server defaults) changes nothing: defaults apply to updates too', { skip: fixtures.skip?.replaceWithManifest }, async () => {
        const name = fresh('replace')
        const created = await create(name)
        const manifest = valid(name)
        manifest.metadata.resourceVersion = created.metadata.resourceVersion
        const res = await call('PUT', item(name), manifest)
        expectStatus(res, 200)
        const { metadata: before, ...restBefore } = created
        const { metadata: after, ...restAfter } = res.body
        assert.deepEqual(restAfter, restBefore)
        assert.equal(after.generation, before.generation)
        assert.equal(after.resourceVersion, before.resourceVersion, 'an update that changes nothing writes nothing')
      })

      it('dryRun=All answers the updated object but stores nothing', async () => {
        const name = fresh('dryupd')
        const created = await create(name)
        const res = await call('PUT', `${item(name)}?dryRun=All`, fixtures.mutate(structuredClone(created)))
        expectStatus(res, 200)
        assert.deepEqual(await get(name), created)
      })

      it('answers 400 when the name in the body differs from the URL', async () => {
        const name = fresh('rename')
        const created = await create(name)
        const body = structuredClone(created)
        body.metadata.name = name + 'x'
        expectFailure(await call('PUT', item(name), body), 400, 'BadRequest')
      })
    })

    describe('patch', () => {
      it('applies a JSON merge patch', async () => {
        const name = fresh('merge')
        const created = await create(name)
        const res = await call('PATCH', item(name), { metadata: { labels: { patched: 'merge' }, annotations: { 'example.com/note': 'hi' } } }, MERGE)
        expectStatus(res, 200)
        assert.equal(res.body.metadata.labels.patched, 'merge')
        assert.equal(res.body.metadata.labels[RUN_LABEL], run, 'a merge patch keeps what it does not name')
        assert.equal(res.body.metadata.annotations['example.com/note'], 'hi')
        assert.ok(rv(res.body) > rv(created))
        const removed = await call('PATCH', item(name), { metadata: { labels: { patched: null } } }, MERGE)
        expectStatus(removed, 200)
        assert.equal(removed.body.metadata.labels.patched, undefined, 'null removes a key')
      })

      it('applies a JSON patch', async () => {
        const name = fresh('jsonpatch')
        const created = await create(name)
        const res = await call(
          'PATCH',
          item(name),
          [
            { op: 'test', path: '/metadata/name', value: name },
            { op: 'add', path: '/metadata/labels/patched', value: 'json' },
          ],
          JSON_PATCH,
        )
        expectStatus(res, 200)
        assert.equal(res.body.metadata.labels.patched, 'json')
        assert.ok(rv(res.body) > rv(created))
        assert.equal((await get(name)).metadata.labels.patched, 'json')
        const failed = await call('PATCH', item(name), [{ op: 'test', path: '/metadata/name', value: 'other' }], JSON_PATCH)
        assert.equal(failed.status, 422, `a failed test op is a 422: ${JSON.stringify(failed.body)}`)
      })

      it('with a stale resourceVersion in the patch answers 409 Conflict', async () => {
        const name = fresh('patchstale')
        const created = await create(name)
        expectStatus(await call('PATCH', item(name), { metadata: { labels: { step: '1' } } }, MERGE), 200)
        const res = await call('PATCH', item(name), { metadata: { resourceVersion: created.metadata.resourceVersion, labels: { step: '2' } } }, MERGE)
        expectFailure(res, 409, 'Conflict')
      })

      it('concurrent patches without a resourceVersion all land (retried on write conflicts)', async () => {
        const name = fresh('concurrent')
        await create(name)
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => call('PATCH', item(name), { metadata: { labels: { [`p${i}`]: 'x' } } }, MERGE)),
        )
        assert.deepEqual(
          results.map((r) => r.status),
          Array(8).fill(200),
          results.map((r) => r.body?.message ?? '').join('; '),
        )
        const labels = (await get(name)).metadata.labels
        for (let i = 0; i < 8; i++) assert.equal(labels[`p${i}`], 'x')
      })

      it('answers 404 NotFound for a missing object', async () => {
        expectFailure(await call('PATCH', item('absent-' + run), { metadata: { labels: { a: 'b' } } }, MERGE), 404, 'NotFound')
      })

      it('answers 415 for an unsupported patch type', async () => {
        const name = fresh('patchtype')
        await create(name)
        const res = await call('PATCH', item(name), { metadata: {} }, { contentType: 'text/plain' })
        expectStatus(res, 415)
      })
    })

    describe('delete', () => {
      it('answers 200, then the object is gone (404), and a second delete is 404', async () => {
        const name = fresh('del')
        await create(name)
        const res = await deleteAndWait(name)
        assert.equal(res.body.metadata?.name ?? res.body.details?.name, name)
        expectFailure(await call('GET', item(name)), 404, 'NotFound')
        expectFailure(await call('DELETE', item(name)), 404, 'NotFound')
      })

      it('dryRun=All deletes nothing', async () => {
        const name = fresh('drydel')
        const created = await create(name)
        expectStatus(await call('DELETE', `${item(name)}?dryRun=All`), 200)
        assert.deepEqual(await get(name), created)
      })

      it('a uid precondition that does not match is 409 Conflict and deletes nothing', async () => {
        const name = fresh('precond')
        await create(name)
        expectFailure(await call('DELETE', item(name), { preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }), 409, 'Conflict')
        await get(name)
      })

      if (def.verbs.includes('deletecollection')) {
        it('DELETE on the collection removes the selected objects only', async () => {
          const s = scope()
          const [a, b, keep] = [fresh('dca'), fresh('dcb'), fresh('dck')]
          await create(a, { scope: s, doomed: 'yes' })
          await create(b, { scope: s, doomed: 'yes' })
          await create(keep, { scope: s })
          const res = await call('DELETE', `${collection()}?labelSelector=${encodeURIComponent(`scope=${s},doomed=yes`)}`)
          expectStatus(res, 200)
          assert.equal(res.body.kind, `${def.kind}List`)
          assert.deepEqual(names(res.body), [a, b].sort())
          await eventually('the selected objects to be gone', async () => (await selected(s, '')).join() === keep)
        })
      } else {
        it('DELETE on the collection is 405 MethodNotAllowed', async () => {
          expectFailure(await call('DELETE', collection()), 405, 'MethodNotAllowed')
        })
      }

      it('the name can be used again after deletion, with a new uid', async () => {
        const name = fresh('reuse')
        const first = await create(name)
        await deleteAndWait(name)
        const second = await create(name)
        assert.notEqual(second.metadata.uid, first.metadata.uid)
      })
    })

    describe('watch', () => {
      it('from a resourceVersion delivers ADDED, MODIFIED, DELETED in order with increasing resourceVersions', async () => {
        const name = fresh('watch')
        const start = await list({ labelSelector: `${RUN_LABEL}=${run}`, limit: '1' })
        const from = start.body.metadata.resourceVersion
        const created = await create(name)
        const watch = await WatchStream.open(env().baseUrl, `${collection()}?watch=1&resourceVersion=${from}&fieldSelector=metadata.name%3D${name}`)
        try {
          const added = await watch.next()
          assert.equal(added.type, 'ADDED')
          assert.equal(added.object.metadata.name, name)
          assert.equal(added.object.metadata.resourceVersion, created.metadata.resourceVersion)
          assert.equal(added.object.kind, def.kind)
          assert.equal(added.object.apiVersion, apiVersion)
          const updated = await call('PUT', item(name), fixtures.mutate(structuredClone(created)))
          expectStatus(updated, 200)
          const modified = await watch.next()
          assert.equal(modified.type, 'MODIFIED')
          assert.equal(modified.object.metadata.resourceVersion, updated.body.metadata.resourceVersion)
          await deleteAndWait(name)
          const rest = await watch.until((ev) => ev.type === 'DELETED')
          const all = [added, modified, ...rest]
          assert.ok(all.every((e) => e.object.metadata.name === name), watch.describe())
          assert.ok(all.slice(2, -1).every((e) => e.type === 'MODIFIED'), `only MODIFIED between: ${watch.describe()}`)
          const versions = all.map((e) => rv(e.object))
          for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! > versions[i - 1]!, `resourceVersions increase: ${watch.describe()}`)
          await watch.expectQuiet(100)
        } finally {
          watch.close()
        }
      })

      it('without a resourceVersion starts with ADDED for every existing object', async () => {
        const s = scope()
        const [a, b] = [fresh('wa'), fresh('wb')]
        await create(a, { scope: s })
        await create(b, { scope: s })
        const watch = await WatchStream.open(env().baseUrl, `${collection()}?watch=1&labelSelector=scope%3D${s}`)
        try {
          const first = [await watch.next(), await watch.next()]
          assert.deepEqual(first.map((e) => e.type), ['ADDED', 'ADDED'])
          assert.deepEqual(first.map((e) => e.object.metadata.name).sort(), [a, b].sort())
          const c = fresh('wc')
          await create(c, { scope: s })
          const live = await watch.next()
          assert.equal(live.type, 'ADDED')
          assert.equal(live.object.metadata.name, c)
        } finally {
          watch.close()
        }
      })

      it('with a label selector sees an object leaving the selection as DELETED and coming back as ADDED', async () => {
        const s = scope()
        const name = fresh('wsel')
        const from = (await list({ labelSelector: `scope=${s}` })).body.metadata.resourceVersion
        const watch = await WatchStream.open(env().baseUrl, `${collection()}?watch=1&resourceVersion=${from}&labelSelector=${encodeURIComponent(`scope=${s},sel=in`)}`)
        try {
          await create(name, { scope: s, sel: 'in' })
          const added = await watch.next()
          assert.equal(added.type, 'ADDED')
          await call('PATCH', item(name), { metadata: { labels: { sel: 'out' } } }, MERGE)
          const left = await watch.next()
          assert.equal(left.type, 'DELETED', watch.describe())
          assert.equal(left.object.metadata.name, name)
          assert.equal(left.object.metadata.labels.sel, 'out', 'the DELETED event carries the new state')
          await call('PATCH', item(name), { metadata: { labels: { unrelated: 'x' } } }, MERGE)
          await call('PATCH', item(name), { metadata: { labels: { sel: 'in' } } }, MERGE)
          const back = await watch.next()
          assert.equal(back.type, 'ADDED', `changes outside the selection are not sent: ${watch.describe()}`)
          assert.equal(back.object.metadata.labels.sel, 'in')
        } finally {
          watch.close()
        }
      })

      it('answers a Table per event when asked for one', async () => {
        const s = scope()
        const name = fresh('wtable')
        await create(name, { scope: s })
        const watch = await WatchStream.open(env().baseUrl, `${collection()}?watch=1&labelSelector=scope%3D${s}`, { accept: TABLE })
        try {
          const first = await watch.next()
          assert.equal(first.type, 'ADDED')
          assert.equal(first.object.kind, 'Table')
          assert.ok(first.object.columnDefinitions.length > 0)
          assert.equal(first.object.rows[0].object.kind, 'PartialObjectMetadata')
          assert.equal(first.object.rows[0].object.metadata.name, name)
        } finally {
          watch.close()
        }
      })
    })

    describe('scope', () => {
      if (def.namespaced) {
        it('answers 404 NotFound for a create in a namespace that does not exist', async () => {
          const ns = `missing-${run}`
          const obj = valid(fresh('nons'))
          obj.metadata.namespace = ns
          const details = expectFailure(await call('POST', collection(ns), obj), 404, 'NotFound')
          assert.equal(details.kind, 'namespaces')
          assert.equal(details.name, ns)
        })

        it('answers 400 when the body names another namespace than the URL', async () => {
          const obj = valid(fresh('otherns'))
          obj.metadata.namespace = 'default'
          expectFailure(await call('POST', collection(), obj), 400, 'BadRequest')
        })

        it('lists across all namespaces at the cluster-wide path', async () => {
          const name = fresh('allns')
          await create(name)
          const res = await call('GET', `${groupVersion}/${def.plural}?fieldSelector=metadata.name%3D${name}`)
          expectStatus(res, 200)
          assert.deepEqual(res.body.items.map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`), [`${namespace}/${name}`])
        })
      } else {
        it('answers 404 for a namespaced path', async () => {
          const name = fresh('scoped')
          await create(name)
          expectStatus(await call('GET', `${groupVersion}/namespaces/default/${def.plural}/${name}`), 404)
          expectStatus(await call('POST', `${groupVersion}/namespaces/default/${def.plural}`, valid(fresh('scoped'))), 404)
        })
      }
    })

    if (status) {
      describe('status subresource', () => {
        const condition = { type: 'ContractTest', status: 'True', reason: 'Contract', message: 'set by the resource contract', lastTransitionTime: '2024-01-01T00:00:00Z' }
        const statusPart: Record<string, unknown> = fixtures.status ?? { conditions: [condition] }
        const withStatus = (obj: any) => ({ ...obj.status, ...statusPart })
        /** Every top-level field but status and metadata: what a status write must leave alone. */
        const rest = (obj: any) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== 'status' && k !== 'metadata'))

        it('GET /status answers the object', async () => {
          const name = fresh('sget')
          const created = await create(name)
          const res = await call('GET', `${item(name)}/status`)
          expectStatus(res, 200)
          assert.equal(res.body.metadata.uid, created.metadata.uid)
          assert.equal(res.body.kind, def.kind)
        })

        it('PUT /status changes only the status', async () => {
          const name = fresh('sput')
          const created = await create(name)
          const body = fixtures.mutate(structuredClone(created))
          body.metadata.labels = { ...body.metadata.labels, viaStatus: 'yes' }
          body.status = withStatus(created)
          const res = await call('PUT', `${item(name)}/status`, body)
          expectStatus(res, 200)
          assert.deepEqual(res.body.status, body.status)
          assert.deepEqual(rest(res.body), rest(created))
          assert.deepEqual(res.body.metadata.labels, created.metadata.labels)
          assert.equal(res.body.metadata.generation, created.metadata.generation, 'a status write does not bump generation')
          assert.ok(rv(res.body) > rv(created))
          assert.deepEqual((await get(name)).status, body.status)
        })

        it('PUT /status with a stale resourceVersion answers 409 Conflict', async () => {
          const name = fresh('sstale')
          const created = await create(name)
          expectStatus(await call('PATCH', item(name), { metadata: { labels: { bump: '1' } } }, MERGE), 200)
          expectFailure(await call('PUT', `${item(name)}/status`, { ...created, status: withStatus(created) }), 409, 'Conflict')
        })

        it('PATCH /status changes only the status', async () => {
          const name = fresh('spatch')
          const created = await create(name)
          const res = await call('PATCH', `${item(name)}/status`, { metadata: { labels: { viaStatus: 'yes' } }, spec: { contractJunk: true }, status: statusPart }, MERGE)
          expectStatus(res, 200)
          for (const [key, value] of Object.entries(statusPart)) assert.deepEqual(res.body.status[key], value, `status.${key}`)
          assert.deepEqual(rest(res.body), rest(created))
          assert.deepEqual(res.body.metadata.labels, created.metadata.labels)
        })

        it('PUT on the object keeps the old status', async () => {
          const name = fresh('skeep')
          const created = await create(name)
          const body = fixtures.mutate(structuredClone(created))
          body.status = withStatus(created)
          const res = await call('PUT', item(name), body)
          expectStatus(res, 200)
          assert.deepEqual(res.body.status, created.status)
          assert.deepEqual((await get(name)).status, created.status)
        })

        it('PATCH on the object keeps the old status', async () => {
          const name = fresh('spkeep')
          const created = await create(name)
          const res = await call('PATCH', item(name), { metadata: { labels: { x: 'y' } }, status: statusPart }, MERGE)
          expectStatus(res, 200)
          assert.deepEqual(res.body.status, created.status)
        })
      })
    }

    if (tracksGeneration) {
      describe('generation', () => {
        it('is 1 on create and moves only with the spec', async () => {
          const name = fresh('gen')
          const created = await create(name)
          assert.equal(created.metadata.generation, 1)
          const changed = await call('PUT', item(name), fixtures.mutate(structuredClone(created)))
          expectStatus(changed, 200)
          assert.equal(changed.body.metadata.generation, 2)
          const labelled = await call('PATCH', item(name), { metadata: { labels: { only: 'metadata' } } }, MERGE)
          expectStatus(labelled, 200)
          assert.equal(labelled.body.metadata.generation, 2, 'a metadata change does not bump generation')
          const forged = await call('PATCH', item(name), { metadata: { generation: 40 } }, MERGE)
          expectStatus(forged, 200)
          assert.equal(forged.body.metadata.generation, 2, 'clients can not set generation')
        })
      })
    }
  })
}
