/**
 * @kubernetes/client-node 2.x against `cluster serve` (on Node 20 through the npm override of undici to 7):
 * the generated CoreV1Api / AppsV1Api (JSON bodies, json-patch as the default patch type), Watch,
 * makeInformer (ListWatch), the scale subresource and ApiException for 404/409/422.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  Watch,
  type V1ConfigMap,
  type V1Pod,
} from '@kubernetes/client-node'
import { waitFor } from '../helpers/kubectl.ts'
import { apiFailure, kubeConfigFrom, mergePatch } from '../helpers/client-node.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const NS = 'client-node'

/** A pod no scheduler serves: it stays unbound, so a delete removes it at once. */
const podManifest = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { schedulerName: 'e2e-unscheduled', containers: [{ name: 'c', image: 'busybox:1.36' }] },
})

describe('@kubernetes/client-node against cluster serve', () => {
  let server: ServerProcess
  let kc: KubeConfig
  let core: CoreV1Api
  let apps: AppsV1Api

  before(async () => {
    server = await startServer()
    kc = kubeConfigFrom(server.kubeconfig)
    core = kc.makeApiClient(CoreV1Api)
    apps = kc.makeApiClient(AppsV1Api)
    await core.createNamespace({ body: { metadata: { name: NS } } })
  })
  after(async () => {
    await server?.stop()
  })

  it('CoreV1Api: create, read and list pods', async () => {
    const created = await core.createNamespacedPod({ namespace: NS, body: podManifest('p1', { app: 'one' }) })
    assert.equal(created.metadata?.name, 'p1')
    assert.equal(created.metadata?.namespace, NS)
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/)
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'creationTimestamp is parsed as a date')
    assert.equal(created.status?.phase, 'Pending')
    assert.equal(created.spec?.restartPolicy, 'Always')
    await core.createNamespacedPod({ namespace: NS, body: podManifest('p2', { app: 'two' }) })

    const read = await core.readNamespacedPod({ namespace: NS, name: 'p1' })
    assert.equal(read.metadata?.uid, created.metadata?.uid)
    assert.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion)

    const list = await core.listNamespacedPod({ namespace: NS })
    assert.deepEqual(list.items.map((p) => p.metadata?.name).sort(), ['p1', 'p2'])
    assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/)
    const selected = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app in (two,three)' })
    assert.deepEqual(selected.items.map((p) => p.metadata?.name), ['p2'])
    const everywhere = await core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${NS},metadata.name=p1` })
    assert.deepEqual(everywhere.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`), [`${NS}/p1`])

    // Paging with limit/continue, as the client exposes it.
    const page1 = await core.listNamespacedPod({ namespace: NS, limit: 1 })
    assert.equal(page1.items.length, 1)
    assert.ok(page1.metadata?._continue, 'a continue token')
    const page2 = await core.listNamespacedPod({ namespace: NS, limit: 1, _continue: page1.metadata._continue })
    assert.equal(page2.items.length, 1)
    assert.equal(page2.metadata?._continue, undefined)
    assert.notEqual(page1.items[0]!.metadata?.name, page2.items[0]!.metadata?.name)
  })

  it('patch: json-patch by default, merge patch through setHeaderOptions', async () => {
    const jsonPatched = await core.patchNamespacedPod({
      namespace: NS,
      name: 'p1',
      body: [
        { op: 'add', path: '/metadata/labels/patched', value: 'json' },
        { op: 'replace', path: '/spec/containers/0/image', value: 'busybox:1.37' },
      ],
    })
    assert.equal(jsonPatched.metadata?.labels?.patched, 'json')
    assert.equal(jsonPatched.spec?.containers[0]?.image, 'busybox:1.37')

    const merged = await core.patchNamespacedPod({ namespace: NS, name: 'p1', body: { metadata: { labels: { patched: null, merged: 'yes' }, annotations: { note: 'x' } } } }, mergePatch)
    assert.deepEqual(merged.metadata?.labels, { app: 'one', merged: 'yes' })
    assert.deepEqual(merged.metadata?.annotations, { note: 'x' })
    assert.ok(Number(merged.metadata?.resourceVersion) > Number(jsonPatched.metadata?.resourceVersion))

    // A merge patch sent as a JSON patch (or the reverse) is a client error, not a 500.
    await apiFailure(core.patchNamespacedPod({ namespace: NS, name: 'p1', body: { metadata: { labels: { a: 'b' } } } }), 400, 'BadRequest')
  })

  it('replace with a stale resourceVersion is a 409 Conflict; delete removes an unbound pod at once', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'cm1' }, data: { a: '1' } } })
    const updated = await core.replaceNamespacedConfigMap({ namespace: NS, name: 'cm1', body: { ...cm, data: { a: '2' } } })
    assert.deepEqual(updated.data, { a: '2' })
    const conflict = await apiFailure(core.replaceNamespacedConfigMap({ namespace: NS, name: 'cm1', body: { ...cm, data: { a: '3' } } }), 409, 'Conflict')
    assert.match(conflict.message, /Operation cannot be fulfilled on configmaps "cm1": the object has been modified/)
    assert.deepEqual(conflict.details, { name: 'cm1', kind: 'configmaps' })

    const deleted = await core.deleteNamespacedPod({ namespace: NS, name: 'p2' })
    assert.equal(deleted.metadata?.name, 'p2')
    await apiFailure(core.readNamespacedPod({ namespace: NS, name: 'p2' }), 404, 'NotFound')
    // DeleteOptions in the query, as this client sends them.
    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'cm1', gracePeriodSeconds: 0, propagationPolicy: 'Background' })
    await apiFailure(core.readNamespacedConfigMap({ namespace: NS, name: 'cm1' }), 404, 'NotFound')
  })

  it('Watch on pods: ADDED, MODIFIED, DELETED in order, each with a newer resourceVersion', async () => {
    const start = await core.listNamespacedPod({ namespace: NS })
    const events: { type: string; name: string; rv: number; labels?: Record<string, string> }[] = []
    let ended: unknown = 'open'
    const watch = new Watch(kc)
    const controller = await watch.watch(
      `/api/v1/namespaces/${NS}/pods`,
      { resourceVersion: start.metadata?.resourceVersion },
      (type: string, obj: V1Pod) => {
        if (obj.metadata?.name === 'watched') events.push({ type, name: obj.metadata.name, rv: Number(obj.metadata.resourceVersion), labels: obj.metadata.labels })
      },
      (err: unknown) => (ended = err),
    )
    try {
      await core.createNamespacedPod({ namespace: NS, body: podManifest('watched') })
      await core.patchNamespacedPod({ namespace: NS, name: 'watched', body: { metadata: { labels: { step: '2' } } } }, mergePatch)
      await core.deleteNamespacedPod({ namespace: NS, name: 'watched' })
      await waitFor('three watch events', () => events.length >= 3, { timeoutMs: 10_000 })
      assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED'])
      assert.deepEqual(events[1]!.labels, { step: '2' })
      assert.ok(events[0]!.rv < events[1]!.rv && events[1]!.rv < events[2]!.rv, `resourceVersions grow: ${events.map((e) => e.rv)}`)
      assert.equal(ended, 'open', 'the watch is still open')
    } finally {
      controller.abort()
    }
  })

  it('Watch with timeoutSeconds=0 (no timeout): ADDED for what exists, then stays open for new changes', async () => {
    const seen: string[] = []
    let ended: unknown = 'open'
    const controller = await new Watch(kc).watch(
      `/api/v1/namespaces/${NS}/pods`,
      { timeoutSeconds: 0 },
      (type: string, obj: V1Pod) => seen.push(`${type} ${obj.metadata?.name}`),
      (err: unknown) => (ended = err),
    )
    try {
      await waitFor('the initial ADDED event', () => seen.includes('ADDED p1'), { timeoutMs: 10_000 })
      await new Promise((r) => setTimeout(r, 1000))
      assert.equal(ended, 'open', `the watch ended: ${ended}`)
      await core.createNamespacedPod({ namespace: NS, body: podManifest('late') })
      await waitFor('the live ADDED event', () => seen.includes('ADDED late'), { timeoutMs: 10_000 })
      await core.deleteNamespacedPod({ namespace: NS, name: 'late' })
      await waitFor('the DELETED event', () => seen.includes('DELETED late'), { timeoutMs: 10_000 })
    } finally {
      controller.abort()
    }
  })

  it('makeInformer (ListWatch) lists, then sees an add and a delete', async () => {
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'before-start' }, data: { a: '1' } } })
    const informer = makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, () => core.listNamespacedConfigMap({ namespace: NS }))
    const seen: string[] = []
    const errors: unknown[] = []
    informer.on('add', (cm: V1ConfigMap) => seen.push(`add ${cm.metadata?.name}`))
    informer.on('update', (cm: V1ConfigMap) => seen.push(`update ${cm.metadata?.name}`))
    informer.on('delete', (cm: V1ConfigMap) => seen.push(`delete ${cm.metadata?.name}`))
    informer.on('error', (err: unknown) => errors.push(err))
    await informer.start()
    try {
      await waitFor('the initial list', () => seen.includes('add before-start'))
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'later' }, data: { a: '1' } } })
      await waitFor('the add', () => seen.includes('add later'), { timeoutMs: 10_000 })
      await core.patchNamespacedConfigMap({ namespace: NS, name: 'later', body: { data: { a: '2' } } }, mergePatch)
      await waitFor('the update', () => seen.includes('update later'), { timeoutMs: 10_000 })
      await core.deleteNamespacedConfigMap({ namespace: NS, name: 'later' })
      await waitFor('the delete', () => seen.includes('delete later'), { timeoutMs: 10_000 })
      assert.deepEqual(seen, ['add before-start', 'add later', 'update later', 'delete later'])
      assert.deepEqual(informer.list().map((cm) => cm.metadata?.name), ['before-start'])
      assert.deepEqual(errors, [])
    } finally {
      await informer.stop()
    }
  })

  it('AppsV1Api: a Deployment and its scale subresource', async () => {
    const created = await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { schedulerName: 'e2e-unscheduled', containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    })
    assert.equal(created.metadata?.generation, 1)
    assert.equal(created.spec?.replicas, 0)
    assert.equal(created.spec?.strategy?.type, 'RollingUpdate')
    const read = await apps.readNamespacedDeployment({ namespace: NS, name: 'web' })
    assert.equal(read.metadata?.uid, created.metadata?.uid)

    const scale = await apps.readNamespacedDeploymentScale({ namespace: NS, name: 'web' })
    assert.equal(scale.kind, 'Scale')
    assert.equal(scale.apiVersion, 'autoscaling/v1')
    assert.equal(scale.metadata?.uid, created.metadata?.uid)
    assert.equal(scale.spec?.replicas, 0)
    assert.equal(scale.status?.selector, 'app=web')

    const merged = await apps.patchNamespacedDeploymentScale({ namespace: NS, name: 'web', body: { spec: { replicas: 2 } } }, mergePatch)
    assert.equal(merged.kind, 'Scale')
    assert.equal(merged.spec?.replicas, 2)
    const jsonPatched = await apps.patchNamespacedDeploymentScale({ namespace: NS, name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] })
    assert.equal(jsonPatched.spec?.replicas, 1)

    const after = await apps.readNamespacedDeployment({ namespace: NS, name: 'web' })
    assert.equal(after.spec?.replicas, 1)
    assert.equal(after.metadata?.generation, 3, 'each spec change bumps the generation')
    await apiFailure(apps.readNamespacedDeploymentScale({ namespace: NS, name: 'nope' }), 404, 'NotFound')

    // ReplicaSets can be selected by status.replicas (`kubectl get rs --field-selector status.replicas=0`).
    await apps.createNamespacedReplicaSet({
      namespace: NS,
      body: {
        metadata: { name: 'idle', labels: { rs: 'idle' } },
        spec: { replicas: 0, selector: { matchLabels: { rs: 'idle' } }, template: { metadata: { labels: { rs: 'idle' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
      },
    })
    const idle = await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: 'rs=idle', fieldSelector: 'status.replicas=0' })
    assert.deepEqual(idle.items.map((rs) => rs.metadata?.name), ['idle'])
    const busy = await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: 'rs=idle', fieldSelector: 'status.replicas!=0' })
    assert.deepEqual(busy.items, [])
  })

  it('errors are ApiExceptions with the Status: 404, 409, 422', async () => {
    const notFound = await apiFailure(core.readNamespacedPod({ namespace: NS, name: 'nope' }), 404, 'NotFound')
    assert.equal(notFound.message, 'pods "nope" not found')
    assert.deepEqual(notFound.details, { name: 'nope', kind: 'pods' })

    const exists = await apiFailure(core.createNamespacedPod({ namespace: NS, body: podManifest('p1') }), 409, 'AlreadyExists')
    assert.equal(exists.message, 'pods "p1" already exists')

    const invalid = await apiFailure(core.createNamespacedPod({ namespace: NS, body: podManifest('Not_Valid') }), 422, 'Invalid')
    assert.match(invalid.message, /^Pod "Not_Valid" is invalid: metadata\.name: Invalid value: "Not_Valid"/)
    assert.equal(invalid.details.kind, 'Pod')
    assert.equal(invalid.details.causes[0].field, 'metadata.name')
    assert.equal(invalid.details.causes[0].reason, 'FieldValueInvalid')

    const noNamespace = await apiFailure(core.createNamespacedConfigMap({ namespace: 'no-such-namespace', body: { metadata: { name: 'x' } } }), 404, 'NotFound')
    assert.equal(noNamespace.message, 'namespaces "no-such-namespace" not found')
  })
})
