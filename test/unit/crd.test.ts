// CustomResourceDefinitions through the HTTP API of an in-process API server on the memory store: the CRD
// lifecycle (status, serving, naming conflicts, updates, deletion with its custom resources), custom resources
// in several versions and scopes, their OpenAPI, and several API servers on one store.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'
import { api, eventually, expectFailure, expectStatus, WatchStream } from '../helpers/http-api.ts'

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'
const MERGE = { contentType: 'application/merge-patch+json' }

const objectSchema = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra })

const gadgetCrd = (versions: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.test.io' },
  spec: { group: 'test.io', scope: 'Namespaced', names: { plural: 'gadgets', kind: 'Gadget' }, versions, ...extra },
})

const gadgetSchema = objectSchema({ spec: objectSchema({ size: { type: 'integer', default: 3 }, tags: { type: 'array', items: { type: 'string' } } }), status: objectSchema({ ok: { type: 'boolean' } }) })

async function startApi(store = new MemoryStore()) {
  const server = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
  await server.start()
  const { port } = await server.listen(0)
  return { server, store, base: `http://127.0.0.1:${port}` }
}

async function established(base: string, name: string) {
  return eventually(`${name} established`, async () => {
    const crd = (await api(base, 'GET', `${CRDS}/${name}`)).body
    return crd?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') && crd
  })
}

describe('CustomResourceDefinitions', () => {
  let server: ApiServer
  let store: MemoryStore
  let base: string
  before(async () => ({ server, store, base } = await startApi()))
  after(() => server.stop())

  it('refuses an invalid CRD with a 422 listing its problems', async () => {
    const res = await api(base, 'POST', CRDS, { ...gadgetCrd([{ name: 'v1', served: true, storage: false }]), metadata: { name: 'gadgets' } })
    const details = expectFailure(res, 422, 'Invalid')
    assert.equal(details.kind, 'CustomResourceDefinition')
    assert.equal(details.group, 'apiextensions.k8s.io')
    assert.deepEqual(
      details.causes.map((c: any) => c.field),
      ['metadata.name', 'spec.versions[0].schema.openAPIV3Schema', 'spec.versions'],
    )
  })

  it('takes a CRD applied server-side (kubectl apply --server-side, as large CRDs are applied), and its changes', async () => {
    const crd = { ...gadgetCrd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }]), metadata: { name: 'ssas.test.io' } }
    crd.spec.names = { plural: 'ssas', kind: 'Ssa' }
    const apply = (body: unknown) => api(base, 'PATCH', `${CRDS}/ssas.test.io?fieldManager=kubectl&fieldValidation=Strict`, body, { contentType: 'application/apply-patch+yaml' })
    const created = await apply(crd)
    expectStatus(created, 201)
    assert.deepEqual(created.body.metadata.managedFields.map((m: any) => [m.manager, m.operation]), [['kubectl', 'Apply']])
    await established(base, 'ssas.test.io')
    crd.spec.names = { plural: 'ssas', kind: 'Ssa', shortNames: ['ss'] } as any
    expectStatus(await apply(crd), 200)
    await eventually('short name served', async () => (await api(base, 'GET', '/apis/test.io/v1')).body.resources?.[0]?.shortNames?.[0] === 'ss')
    expectFailure(await apply({ ...crd, spec: { ...crd.spec, bogus: 1 } }), 422, 'Invalid')
    expectStatus(await api(base, 'DELETE', `${CRDS}/ssas.test.io`), 200)
    await eventually('ssas gone', async () => (await api(base, 'GET', `${CRDS}/ssas.test.io`)).status === 404)
  })

  it('serves several versions (conversion None), stored in the storage version, preferred by priority', async () => {
    const crd = gadgetCrd([
      { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: gadgetSchema } },
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: gadgetSchema }, subresources: { status: {} } },
    ])
    expectStatus(await api(base, 'POST', CRDS, crd), 201)
    const got = await established(base, 'gadgets.test.io')
    assert.deepEqual(got.status.storedVersions, ['v1'])
    assert.equal(got.metadata.generation, 1)
    const group = (await api(base, 'GET', '/apis/test.io')).body
    assert.deepEqual(group.versions.map((v: any) => v.version), ['v1', 'v1beta1'])
    assert.equal(group.preferredVersion.version, 'v1')

    const watch = await WatchStream.open(base, '/apis/test.io/v1/namespaces/default/gadgets?watch=1&resourceVersion=0')
    const watchBeta = await WatchStream.open(base, '/apis/test.io/v1beta1/namespaces/default/gadgets?watch=1&resourceVersion=0')
    try {
      const created = await api(base, 'POST', '/apis/test.io/v1beta1/namespaces/default/gadgets', { apiVersion: 'test.io/v1beta1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { tags: ['a'] } })
      expectStatus(created, 201)
      assert.equal(created.body.apiVersion, 'test.io/v1beta1')
      assert.deepEqual(created.body.spec, { size: 3, tags: ['a'] })
      assert.equal(created.body.status, undefined)
      const stored = await store.get('/registry/test.io/gadgets/default/g1')
      assert.equal(JSON.parse(Buffer.from(stored!.value).toString()).apiVersion, 'test.io/v1')
      const v1 = await api(base, 'GET', '/apis/test.io/v1/namespaces/default/gadgets/g1')
      assert.equal(v1.body.apiVersion, 'test.io/v1')
      const list = await api(base, 'GET', '/apis/test.io/v1beta1/gadgets')
      assert.equal(list.body.kind, 'GadgetList')
      assert.deepEqual(list.body.items.map((i: any) => i.apiVersion), ['test.io/v1beta1'])
      // Each version's watchers see their own apiVersion on the same change.
      assert.equal((await watch.next()).object.apiVersion, 'test.io/v1')
      assert.equal((await watchBeta.next()).object.apiVersion, 'test.io/v1beta1')
      // v1beta1 has no status subresource: status is written with the object there, and counts as a change.
      const patched = await api(base, 'PATCH', '/apis/test.io/v1beta1/namespaces/default/gadgets/g1', { status: { ok: true } }, MERGE)
      assert.deepEqual([patched.body.status, patched.body.metadata.generation], [{ ok: true }, 2])
      // v1 has one: the object's status stays.
      const v1patch = await api(base, 'PATCH', '/apis/test.io/v1/namespaces/default/gadgets/g1', { status: { ok: false }, spec: { size: 4 } }, MERGE)
      assert.deepEqual([v1patch.body.status, v1patch.body.spec.size, v1patch.body.metadata.generation], [{ ok: true }, 4, 3])
      expectFailure(await api(base, 'GET', '/apis/test.io/v1beta1/namespaces/default/gadgets/g1/status'), 404, 'NotFound')
    } finally {
      watch.close()
      watchBeta.close()
    }
  })

  it('follows CRD updates: a new column, a version no longer served', async () => {
    const crd = (await api(base, 'GET', `${CRDS}/gadgets.test.io`)).body
    crd.spec.versions[0].served = false
    crd.spec.versions[1].additionalPrinterColumns = [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }]
    const updated = await api(base, 'PUT', `${CRDS}/gadgets.test.io`, crd)
    expectStatus(updated, 200)
    assert.equal(updated.body.metadata.generation, 2)
    await eventually('v1beta1 gone', async () => (await api(base, 'GET', '/apis/test.io/v1beta1/gadgets')).status === 404)
    const table = await api(base, 'GET', '/apis/test.io/v1/namespaces/default/gadgets', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
    assert.deepEqual(table.body.columnDefinitions.map((c: any) => c.name), ['Name', 'Size'])
    assert.deepEqual(table.body.rows[0].cells, ['g1', 4])
    assert.deepEqual((await api(base, 'GET', '/apis/test.io')).body.versions.map((v: any) => v.version), ['v1'])
  })

  it('refuses names another CRD of the group has accepted, until it is gone', async () => {
    const clash = { ...gadgetCrd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }]), metadata: { name: 'widgets.test.io' } }
    clash.spec.names = { plural: 'widgets', kind: 'Gadget' }
    expectStatus(await api(base, 'POST', CRDS, clash), 201)
    const refused = await eventually('names refused', async () => {
      const c = (await api(base, 'GET', `${CRDS}/widgets.test.io`)).body
      return c.status.conditions?.find((x: any) => x.type === 'NamesAccepted' && x.status === 'False') && c
    })
    assert.deepEqual(
      refused.status.conditions.map((c: any) => [c.type, c.status, c.reason]),
      [
        ['NamesAccepted', 'False', 'ListKindConflict'],
        ['Established', 'False', 'NotAccepted'],
      ],
    )
    expectFailure(await api(base, 'GET', '/apis/test.io/v1/widgets'), 404, 'NotFound')
    expectStatus(await api(base, 'DELETE', `${CRDS}/gadgets.test.io`), 200)
    await established(base, 'widgets.test.io')
    expectStatus(await api(base, 'GET', '/apis/test.io/v1/widgets'), 200)
    expectStatus(await api(base, 'DELETE', `${CRDS}/widgets.test.io`), 200)
    await eventually('widgets gone', async () => (await api(base, 'GET', `${CRDS}/widgets.test.io`)).status === 404)
  })

  it('keeps a CRD being deleted until its custom resources are gone; no new ones meanwhile', async () => {
    const crd = { ...gadgetCrd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }]), metadata: { name: 'things.test.io' } }
    crd.spec.names = { plural: 'things', kind: 'Thing' }
    crd.spec.scope = 'Cluster'
    expectStatus(await api(base, 'POST', CRDS, crd), 201)
    await established(base, 'things.test.io')
    const thing = await api(base, 'POST', '/apis/test.io/v1/things', { apiVersion: 'test.io/v1', kind: 'Thing', metadata: { name: 't1', finalizers: ['test.io/hold'] }, anything: { goes: 1 } })
    expectStatus(thing, 201)
    assert.equal(thing.body.metadata.namespace, undefined)
    assert.deepEqual(thing.body.anything, { goes: 1 })
    expectStatus(await api(base, 'POST', '/apis/test.io/v1/things', { metadata: { name: 't2' } }), 201)

    const deleting = await api(base, 'DELETE', `${CRDS}/things.test.io`)
    expectStatus(deleting, 200)
    assert.deepEqual(deleting.body.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io'])
    const terminating = await eventually('instance deletion in progress', async () => {
      const c = (await api(base, 'GET', `${CRDS}/things.test.io`)).body
      return c.status.conditions.find((x: any) => x.type === 'Terminating' && x.reason === 'InstanceDeletionInProgress') && c
    })
    assert.ok(terminating.metadata.deletionTimestamp)
    await eventually('t2 deleted', async () => (await api(base, 'GET', '/apis/test.io/v1/things/t2')).status === 404)
    const refused = expectFailure(await api(base, 'POST', '/apis/test.io/v1/things', { metadata: { name: 't3' } }), 405, 'MethodNotAllowed')
    assert.equal(refused.kind, 'things')
    // t1 waits for its own finalizer, and the CRD for t1.
    assert.ok((await api(base, 'GET', '/apis/test.io/v1/things/t1')).body.metadata.deletionTimestamp)
    expectStatus(await api(base, 'GET', `${CRDS}/things.test.io`), 200)
    expectStatus(await api(base, 'PATCH', '/apis/test.io/v1/things/t1', { metadata: { finalizers: null } }, MERGE), 200)
    await eventually('CRD gone', async () => (await api(base, 'GET', `${CRDS}/things.test.io`)).status === 404)
    expectFailure(await api(base, 'GET', '/apis/test.io/v1/things'), 404, 'NotFound')
    assert.deepEqual((await store.list('/registry/test.io/things/')).items, [])
  })
})

describe('custom resources of a CRD with every feature', () => {
  let server: ApiServer
  let base: string
  before(async () => {
    ;({ server, base } = await startApi())
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'dbs.data.example.org' },
      spec: {
        group: 'data.example.org',
        scope: 'Namespaced',
        names: { plural: 'dbs', kind: 'Database', shortNames: ['db'], categories: ['all'] },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
            selectableFields: [{ jsonPath: '.spec.engine' }],
            schema: {
              openAPIV3Schema: objectSchema({
                spec: objectSchema({ engine: { type: 'string', enum: ['pg', 'mysql'] }, replicas: { type: 'integer', default: 1 } }, { required: ['engine'] }),
                status: objectSchema({ replicas: { type: 'integer' }, selector: { type: 'string' } }),
              }),
            },
          },
        ],
      },
    }
    expectStatus(await api(base, 'POST', CRDS, crd), 201)
    await established(base, 'dbs.data.example.org')
  })
  after(() => server.stop())
  const DBS = '/apis/data.example.org/v1/namespaces/default/dbs'
  const db = (name: string, spec: unknown) => ({ apiVersion: 'data.example.org/v1', kind: 'Database', metadata: { name }, spec })

  it('lists the kind in discovery, legacy and aggregated', async () => {
    const list = (await api(base, 'GET', '/apis/data.example.org/v1')).body
    assert.deepEqual(
      list.resources.map((r: any) => [r.name, r.kind, r.group, r.version].filter(Boolean)),
      [['dbs', 'Database'], ['dbs/status', 'Database'], ['dbs/scale', 'Scale', 'autoscaling', 'v1']],
    )
    assert.deepEqual([list.resources[0].shortNames, list.resources[0].categories, list.resources[0].singularName], [['db'], ['all'], 'database'])
    const aggregated = (await api(base, 'GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).body
    const group = aggregated.items.find((i: any) => i.metadata.name === 'data.example.org')
    assert.deepEqual(group.versions[0].resources[0].subresources.map((s: any) => s.subresource), ['status', 'scale'])
  })

  it('prunes unknown fields by the request fieldValidation: Warn (default), Strict, Ignore', async () => {
    const warned = await fetch(base + DBS, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(db('a', { engine: 'pg', extra: 1 })) })
    assert.equal(warned.status, 201)
    assert.equal(warned.headers.get('warning'), '299 - "unknown field \\"spec.extra\\""')
    assert.deepEqual(((await warned.json()) as any).spec, { engine: 'pg', replicas: 1 })
    const strict = expectFailure(await api(base, 'POST', `${DBS}?fieldValidation=Strict`, db('b', { engine: 'pg', extra: 1 })), 400, 'BadRequest')
    assert.deepEqual(strict, {})
    const res = await api(base, 'POST', `${DBS}?fieldValidation=Strict`, db('b', { engine: 'pg', extra: 1 }))
    assert.equal(res.body.message, 'Database in version "v1" cannot be handled as a Database: strict decoding error: unknown field "spec.extra"')
    const patch = await api(base, 'PATCH', `${DBS}/a?fieldValidation=Strict`, { spec: { extra: 2 } }, MERGE)
    expectFailure(patch, 422, 'Invalid')
    assert.match(patch.body.message, /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec.extra"$/)
    expectStatus(await api(base, 'POST', `${DBS}?fieldValidation=Ignore`, db('c', { engine: 'mysql', extra: 1 })), 201)
    assert.deepEqual((await api(base, 'GET', `${DBS}/c`)).body.spec, { engine: 'mysql', replicas: 1 })
  })

  it('serves scale over the CRD paths, and field selectors over its selectable fields', async () => {
    expectStatus(await api(base, 'PATCH', `${DBS}/a/status`, { status: { replicas: 1, selector: 'app=a' } }, MERGE), 200)
    const scale = (await api(base, 'GET', `${DBS}/a/scale`)).body
    assert.deepEqual([scale.kind, scale.apiVersion, scale.spec, scale.status], ['Scale', 'autoscaling/v1', { replicas: 1 }, { replicas: 1, selector: 'app=a' }])
    const scaled = await api(base, 'PUT', `${DBS}/a/scale`, { ...scale, spec: { replicas: 3 } })
    expectStatus(scaled, 200)
    assert.equal((await api(base, 'GET', `${DBS}/a`)).body.spec.replicas, 3)
    const selected = await api(base, 'GET', `${DBS}?fieldSelector=spec.engine%3Dmysql`)
    assert.deepEqual(selected.body.items.map((i: any) => i.metadata.name), ['c'])
  })

  it('applies server-side to create and update (managed fields of the applier)', async () => {
    const applied = await api(base, 'PATCH', `${DBS}/d?fieldManager=op`, db('d', { engine: 'pg', replicas: 2 }), { contentType: 'application/apply-patch+yaml' })
    expectStatus(applied, 201)
    assert.deepEqual(applied.body.metadata.managedFields.map((m: any) => [m.manager, m.operation]), [['op', 'Apply']])
    const again = await api(base, 'PATCH', `${DBS}/d?fieldManager=op`, db('d', { engine: 'pg' }), { contentType: 'application/apply-patch+yaml' })
    expectStatus(again, 200)
    // replicas is no longer applied: removed, then defaulted again.
    assert.deepEqual(again.body.spec, { engine: 'pg', replicas: 1 })
    expectFailure(await api(base, 'PATCH', `${DBS}/d`, { spec: {} }, { contentType: 'application/strategic-merge-patch+json' }), 415, 'UnsupportedMediaType')
  })

  it('publishes the schema in OpenAPI v3 and v2, rebuilt when CRDs change', async () => {
    const index = (await api(base, 'GET', '/openapi/v3')).body
    const url = index.paths['apis/data.example.org/v1'].serverRelativeURL
    const doc = (await api(base, 'GET', url)).body
    const schema = doc.components.schemas['org.example.data.v1.Database']
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'data.example.org', kind: 'Database', version: 'v1' }])
    assert.deepEqual(Object.keys(schema.properties), ['apiVersion', 'kind', 'metadata', 'spec', 'status'])
    assert.deepEqual(schema.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }])
    assert.deepEqual(schema.properties.spec.required, ['engine'])
    const patch = doc.paths['/apis/data.example.org/v1/namespaces/{namespace}/dbs/{name}'].patch
    assert.deepEqual(Object.keys(patch.requestBody.content), ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'])
    assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation'))
    const crdDoc = (await api(base, 'GET', index.paths['apis/apiextensions.k8s.io/v1'].serverRelativeURL)).body
    assert.ok(crdDoc.components.schemas['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition'].properties.spec.properties.versions)
    const v2 = (await api(base, 'GET', '/openapi/v2')).body
    assert.equal(v2.definitions['org.example.data.v1.Database'].properties.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')

    const other = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'caches.data.example.org' }, spec: { group: 'data.example.org', scope: 'Cluster', names: { plural: 'caches', kind: 'Cache' }, versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] } }
    expectStatus(await api(base, 'POST', CRDS, other), 201)
    await established(base, 'caches.data.example.org')
    const after = (await api(base, 'GET', '/openapi/v3')).body
    assert.ok(after.paths['apis/data.example.org/v1alpha1'])
    assert.notEqual(after.paths['apis/apiextensions.k8s.io/v1'].serverRelativeURL, undefined)
    assert.deepEqual((await api(base, 'GET', '/apis/data.example.org')).body.versions.map((v: any) => v.version), ['v1', 'v1alpha1'])
  })
})

describe('several API servers on one store', () => {
  it('serve a CRD another created, and a restarted one serves it at once', async () => {
    const store = new MemoryStore()
    const a = await startApi(store)
    const b = await startApi(store)
    try {
      const crd = gadgetCrd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: gadgetSchema } }])
      expectStatus(await api(a.base, 'POST', CRDS, crd), 201)
      await established(a.base, 'gadgets.test.io')
      await eventually('served by b', async () => (await api(b.base, 'GET', '/apis/test.io/v1/gadgets')).status === 200)
      expectStatus(await api(b.base, 'POST', '/apis/test.io/v1/namespaces/default/gadgets', { metadata: { name: 'x' }, spec: {} }), 201)
      assert.deepEqual((await api(a.base, 'GET', '/apis/test.io/v1/namespaces/default/gadgets/x')).body.spec, { size: 3 })
      await b.server.stop()
      const c = await startApi(store)
      try {
        expectStatus(await api(c.base, 'GET', '/apis/test.io/v1/namespaces/default/gadgets/x'), 200)
      } finally {
        await c.server.stop()
      }
    } finally {
      await a.server.stop()
      await b.server.stop()
    }
  })
})
