/**
 * @kubernetes/client-node's ApiextensionsV1Api and CustomObjectsApi against `cluster serve`, as an operator's
 * test suite uses them instead of envtest: create a CRD and wait for Established, then create, read, list,
 * watch, patch (json patch, client-node's default, and merge), replace status, scale and delete custom
 * resources, namespaced and cluster-scoped; the errors come as ApiExceptions with a Status.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiException, ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch, type V1CustomResourceDefinition } from '@kubernetes/client-node'
import { waitFor } from '../helpers/kubectl.ts'
import { apiFailure, kubeConfigFrom, mergePatch } from '../helpers/client-node.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const NS = 'operators'
const GROUP = 'cache.example.com'

/** (client-node's models name `default` and the x-kubernetes extensions `_default`, `x_kubernetes_…`.) */
const memcachedCrd: V1CustomResourceDefinition = {
  metadata: { name: `memcacheds.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'memcacheds', singular: 'memcached', kind: 'Memcached' },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.readyReplicas' } },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', required: ['image'], properties: { size: { type: 'integer', minimum: 1, _default: 1 }, image: { type: 'string' } } },
              status: {
                type: 'object',
                properties: {
                  readyReplicas: { type: 'integer' },
                  conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } },
                },
              },
            },
          },
        },
      },
    ],
  },
}

const clusterCrd: V1CustomResourceDefinition = {
  metadata: { name: `tenants.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Cluster',
    names: { plural: 'tenants', kind: 'Tenant' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
  },
}

describe('@kubernetes/client-node CustomObjectsApi against cluster serve', () => {
  let server: ServerProcess
  let kc: KubeConfig
  let ext: ApiextensionsV1Api
  let custom: CustomObjectsApi

  before(async () => {
    server = await startServer()
    kc = kubeConfigFrom(server.kubeconfig)
    ext = kc.makeApiClient(ApiextensionsV1Api)
    custom = kc.makeApiClient(CustomObjectsApi)
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } })
  })
  after(async () => {
    await server?.stop()
  })

  it('creates CRDs and waits for them to be established', async () => {
    for (const crd of [memcachedCrd, clusterCrd]) {
      const created = await ext.createCustomResourceDefinition({ body: crd })
      assert.equal(created.metadata?.name, crd.metadata!.name)
      const established = await waitFor(`${crd.metadata!.name} established`, async () => {
        const read = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! })
        return read.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') && read
      })
      assert.equal(established.status?.acceptedNames?.kind, crd.spec.names.kind)
    }
    const resources = await custom.getAPIResources({ group: GROUP, version: 'v1alpha1' })
    assert.deepEqual(resources.resources.map((r) => r.name), ['memcacheds', 'memcacheds/status', 'memcacheds/scale'])
  })

  it('creates, reads, lists and patches namespaced custom objects', async () => {
    const body = { apiVersion: `${GROUP}/v1alpha1`, kind: 'Memcached', metadata: { name: 'm1', labels: { app: 'cache' } }, spec: { image: 'memcached:1.6' } }
    const created = await custom.createNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', body })
    assert.deepEqual(created.spec, { image: 'memcached:1.6', size: 1 })
    assert.equal(created.metadata.generation, 1)
    const read = await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1' })
    assert.equal(read.metadata.uid, created.metadata.uid)
    const list = await custom.listNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', labelSelector: 'app=cache' })
    assert.equal(list.kind, 'MemcachedList')
    assert.deepEqual(list.items.map((i: any) => i.metadata.name), ['m1'])
    const all = await custom.listClusterCustomObject({ group: GROUP, version: 'v1alpha1', plural: 'memcacheds' })
    assert.equal(all.items.length, 1)

    // client-node's default patch type is a JSON patch.
    const jsonPatched = await custom.patchNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1', body: [{ op: 'replace', path: '/spec/size', value: 3 }] })
    assert.equal(jsonPatched.spec.size, 3)
    assert.equal(jsonPatched.metadata.generation, 2)
    const merged = await custom.patchNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1', body: { spec: { image: 'memcached:1.7' } } }, mergePatch)
    assert.equal(merged.spec.image, 'memcached:1.7')

    const invalid = await apiFailure(
      custom.patchNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1', body: { spec: { size: 0 } } }, mergePatch),
      422,
      'Invalid',
    )
    assert.deepEqual(invalid.details.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0: spec.size in body should be greater than or equal to 1', field: 'spec.size' }])
    await apiFailure(custom.getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'nope' }), 404, 'NotFound')
    await apiFailure(custom.createNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', body }), 409, 'AlreadyExists')
  })

  it('writes status and reads scale as a controller does', async () => {
    const current = await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1' })
    const withStatus = await custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: 'v1alpha1',
      namespace: NS,
      plural: 'memcacheds',
      name: 'm1',
      body: { ...current, spec: { image: 'ignored', size: 9 }, status: { readyReplicas: 3, conditions: [{ type: 'Available', status: 'True' }] } },
    })
    assert.deepEqual(withStatus.status, { readyReplicas: 3, conditions: [{ type: 'Available', status: 'True' }] })
    assert.equal(withStatus.spec.image, 'memcached:1.7')
    assert.equal(withStatus.metadata.generation, current.metadata.generation)
    // A stale resourceVersion is a conflict, as for any kind.
    await apiFailure(custom.replaceNamespacedCustomObjectStatus({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1', body: current }), 409, 'Conflict')

    const scale = await custom.getNamespacedCustomObjectScale({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1' })
    assert.deepEqual([scale.kind, scale.spec, scale.status], ['Scale', { replicas: 3 }, { replicas: 3 }])
    await custom.patchNamespacedCustomObjectScale({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1', body: { spec: { replicas: 5 } } }, mergePatch)
    assert.equal((await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm1' })).spec.size, 5)
  })

  it('watches custom objects', async () => {
    const events: [string, any][] = []
    const watch = new Watch(kc)
    const req = await watch.watch(`/apis/${GROUP}/v1alpha1/namespaces/${NS}/memcacheds`, {}, (type, obj) => events.push([type, obj]), () => {})
    try {
      await waitFor('initial ADDED', () => events.some(([t, o]) => t === 'ADDED' && o.metadata.name === 'm1'))
      await custom.createNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'Memcached', metadata: { name: 'm2' }, spec: { image: 'x' } } })
      await custom.patchNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm2', body: { metadata: { labels: { a: 'b' } } } }, mergePatch)
      await custom.deleteNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'memcacheds', name: 'm2' })
      await waitFor('m2 events', () => events.filter(([, o]) => o.metadata.name === 'm2').length === 3)
      assert.deepEqual(
        events.filter(([, o]) => o.metadata.name === 'm2').map(([t]) => t),
        ['ADDED', 'MODIFIED', 'DELETED'],
      )
    } finally {
      req.abort()
    }
  })

  it('serves cluster-scoped custom objects', async () => {
    const t = await custom.createClusterCustomObject({ group: GROUP, version: 'v1', plural: 'tenants', body: { apiVersion: `${GROUP}/v1`, kind: 'Tenant', metadata: { name: 'acme' }, spec: { free: { form: true } } } })
    assert.deepEqual(t.spec, { free: { form: true } })
    assert.equal(t.metadata.namespace, undefined)
    const read = await custom.getClusterCustomObject({ group: GROUP, version: 'v1', plural: 'tenants', name: 'acme' })
    assert.equal(read.metadata.uid, t.metadata.uid)
    await custom.deleteClusterCustomObject({ group: GROUP, version: 'v1', plural: 'tenants', name: 'acme' })
    await apiFailure(custom.getClusterCustomObject({ group: GROUP, version: 'v1', plural: 'tenants', name: 'acme' }), 404, 'NotFound')
  })

  it('deletes a CRD with its custom objects', async () => {
    await ext.deleteCustomResourceDefinition({ name: memcachedCrd.metadata!.name! })
    await waitFor('CRD gone', async () => {
      try {
        await ext.readCustomResourceDefinition({ name: memcachedCrd.metadata!.name! })
        return false
      } catch (err) {
        return err instanceof ApiException && err.code === 404
      }
    })
    await apiFailure(custom.listClusterCustomObject({ group: GROUP, version: 'v1alpha1', plural: 'memcacheds' }), 404, 'NotFound')
  })
})
