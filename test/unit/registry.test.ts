/**
 * GenericRegistry behaviours that need no HTTP, on a MemoryStore: graceful deletion, finalizers, generation,
 * the status split, subresource actions, optimistic concurrency and the namespace gate. The registries come from
 * a real ApiServer (never listening), so the namespace gate is the server's own.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import type { GenericRegistry } from '../../src/apiserver/registry/generic-registry.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'

/** Asserts that `promise` rejects with an ApiError of this code and reason; returns it. */
async function rejectsWith(promise: Promise<unknown>, code: number, reason: string): Promise<ApiError> {
  let caught: unknown
  await promise.then(
    (value) => assert.fail(`expected ${code} ${reason}, got ${JSON.stringify(value)}`),
    (err) => (caught = err),
  )
  assert.ok(caught instanceof ApiError, `expected an ApiError, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  assert.equal(caught.reason, reason, caught.message)
  return caught
}

const seconds = (iso: string | undefined) => Date.parse(iso!) / 1000

describe('GenericRegistry on a MemoryStore', () => {
  const store = new MemoryStore()
  const server = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
  const registry = (group: string, resource: string) => server.registry(group, 'v1', resource)!
  let pods: GenericRegistry
  let namespaces: GenericRegistry
  let deployments: GenericRegistry
  let configmaps: GenericRegistry
  let seq = 0
  const ns = 'default'

  const newPod = async (extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Promise<KubeObject> =>
    pods.create(ns, { metadata: { name: `p${seq++}`, ...meta }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra } })

  before(async () => {
    await server.start()
    pods = registry('', 'pods')
    namespaces = registry('', 'namespaces')
    deployments = registry('apps', 'deployments')
    configmaps = registry('', 'configmaps')
  })
  after(async () => {
    await server.stop()
    await store.close()
  })

  describe('graceful deletion', () => {
    it('deletes an unbound pod at once', async () => {
      const pod = await newPod()
      const deleted = await pods.delete(ns, pod.metadata.name!)
      assert.equal(deleted.metadata.deletionTimestamp, undefined)
      await rejectsWith(pods.get(ns, pod.metadata.name!), 404, 'NotFound')
    })

    it("marks a bound pod with deletionTimestamp = now + the pod's terminationGracePeriodSeconds", async () => {
      const pod = await newPod({ nodeName: 'n1', terminationGracePeriodSeconds: 45 })
      const now = Date.now() / 1000
      const marked = await pods.delete(ns, pod.metadata.name!)
      assert.equal(marked.metadata.deletionGracePeriodSeconds, 45)
      const at = seconds(marked.metadata.deletionTimestamp)
      assert.ok(at >= Math.floor(now) + 45 && at <= now + 46, `deletionTimestamp ${marked.metadata.deletionTimestamp} is now + 45 s`)
      const stored = await pods.get(ns, pod.metadata.name!)
      assert.equal(stored.metadata.deletionTimestamp, marked.metadata.deletionTimestamp)
      assert.equal(stored.metadata.resourceVersion, marked.metadata.resourceVersion)
    })

    it('defaults to 30 s, takes the grace period a client asks for, and only ever shortens it', async () => {
      const pod = await newPod({ nodeName: 'n1' })
      const name = pod.metadata.name!
      assert.equal(pod.spec.terminationGracePeriodSeconds, 30)
      const first = await pods.delete(ns, name, { gracePeriodSeconds: 20 })
      assert.equal(first.metadata.deletionGracePeriodSeconds, 20)
      const longer = await pods.delete(ns, name, { gracePeriodSeconds: 50 })
      assert.equal(longer.metadata.deletionGracePeriodSeconds, 20)
      assert.equal(longer.metadata.deletionTimestamp, first.metadata.deletionTimestamp)
      assert.equal(longer.metadata.resourceVersion, first.metadata.resourceVersion, 'a longer grace period writes nothing')
      const shorter = await pods.delete(ns, name, { gracePeriodSeconds: 5 })
      assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5)
      assert.ok(seconds(shorter.metadata.deletionTimestamp) < seconds(first.metadata.deletionTimestamp) - 10)
      await pods.delete(ns, name, { gracePeriodSeconds: 0 })
      await rejectsWith(pods.get(ns, name), 404, 'NotFound')
    })

    it('an update does not complete a graceful deletion', async () => {
      const pod = await newPod({ nodeName: 'n1' })
      const name = pod.metadata.name!
      await pods.delete(ns, name)
      const updated = await pods.update(ns, name, (p) => ({ ...p, metadata: { ...p.metadata, labels: { x: 'y' } } }))
      assert.ok(updated.metadata.deletionTimestamp)
      assert.equal(updated.metadata.deletionGracePeriodSeconds, 30)
      await pods.get(ns, name)
    })

    it('deletes a bound pod that has finished (Succeeded) at once', async () => {
      const pod = await newPod({ nodeName: 'n1' })
      const name = pod.metadata.name!
      await pods.update(ns, name, (p) => ({ ...p, status: { ...p.status, phase: 'Succeeded' } }), { subresource: 'status' })
      await pods.delete(ns, name)
      await rejectsWith(pods.get(ns, name), 404, 'NotFound')
    })

    it('a dry-run delete changes nothing', async () => {
      const pod = await newPod()
      await pods.delete(ns, pod.metadata.name!, {}, { dryRun: true })
      const still = await pods.get(ns, pod.metadata.name!)
      assert.equal(still.metadata.resourceVersion, pod.metadata.resourceVersion)
    })

    it('checks uid and resourceVersion preconditions (409 Conflict)', async () => {
      const pod = await newPod()
      const name = pod.metadata.name!
      await rejectsWith(pods.delete(ns, name, { preconditions: { uid: 'not-the-uid' } }), 409, 'Conflict')
      await rejectsWith(pods.delete(ns, name, { preconditions: { resourceVersion: '1' } }), 409, 'Conflict')
      await pods.delete(ns, name, { preconditions: { uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion } })
      await rejectsWith(pods.get(ns, name), 404, 'NotFound')
    })
  })

  describe('finalizers', () => {
    it('keep a deleted object until the last one is removed, which removes it', async () => {
      const cm = await configmaps.create(ns, { metadata: { name: `cm${seq++}`, finalizers: ['example.com/a', 'example.com/b'] } })
      const name = cm.metadata.name!
      const marked = await configmaps.delete(ns, name)
      assert.ok(marked.metadata.deletionTimestamp)
      assert.equal(marked.metadata.deletionGracePeriodSeconds, 0)
      const again = await configmaps.delete(ns, name)
      assert.equal(again.metadata.resourceVersion, marked.metadata.resourceVersion, 'a second delete writes nothing')
      await configmaps.update(ns, name, (c) => ({ ...c, metadata: { ...c.metadata, finalizers: ['example.com/b'] } }))
      assert.deepEqual((await configmaps.get(ns, name)).metadata.finalizers, ['example.com/b'])
      await configmaps.update(ns, name, (c) => ({ ...c, metadata: { ...c.metadata, finalizers: [] } }))
      await rejectsWith(configmaps.get(ns, name), 404, 'NotFound')
    })

    it('a client can neither set nor clear deletionTimestamp through an update', async () => {
      const cm = await configmaps.create(ns, { metadata: { name: `cm${seq++}`, finalizers: ['example.com/a'] } })
      const name = cm.metadata.name!
      const forged = await configmaps.update(ns, name, (c) => ({ ...c, metadata: { ...c.metadata, deletionTimestamp: '2020-01-01T00:00:00Z', labels: { a: 'b' } } }))
      assert.equal(forged.metadata.deletionTimestamp, undefined)
      const marked = await configmaps.delete(ns, name)
      const cleared = await configmaps.update(ns, name, (c) => {
        delete c.metadata.deletionTimestamp
        return { ...c, data: { x: '1' } }
      })
      assert.equal(cleared.metadata.deletionTimestamp, marked.metadata.deletionTimestamp)
    })
  })

  describe('generation', () => {
    const deployment = (name: string) => ({
      metadata: { name },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    })

    it('is 1 on create, bumps on a spec change only, and ignores what the client sends', async () => {
      const name = `d${seq++}`
      const created = await deployments.create(ns, { ...deployment(name), metadata: { name, generation: 7 } })
      assert.equal(created.metadata.generation, 1)
      const spec = await deployments.update(ns, name, (d) => ({ ...d, spec: { ...d.spec, replicas: 3 } }))
      assert.equal(spec.metadata.generation, 2)
      const labels = await deployments.update(ns, name, (d) => ({ ...d, metadata: { ...d.metadata, labels: { a: 'b' }, generation: 99 } }))
      assert.equal(labels.metadata.generation, 2)
      const status = await deployments.update(ns, name, (d) => ({ ...d, status: { observedGeneration: 2 } }), { subresource: 'status' })
      assert.equal(status.metadata.generation, 2)
      const again = await deployments.update(ns, name, (d) => ({ ...d, spec: { ...d.spec, replicas: 4 } }))
      assert.equal(again.metadata.generation, 3)
    })

    it('is not set on kinds that do not track it', async () => {
      const cm = await configmaps.create(ns, { metadata: { name: `cm${seq++}`, generation: 5 } })
      assert.equal(cm.metadata.generation, undefined)
    })
  })

  describe('status subresource', () => {
    it('a status update takes only the status; a main update keeps the old status', async () => {
      const pod = await newPod()
      const name = pod.metadata.name!
      const viaStatus = await pods.update(
        ns,
        name,
        (p) => ({ ...p, metadata: { ...p.metadata, labels: { via: 'status' } }, spec: { ...p.spec, activeDeadlineSeconds: 5 }, status: { phase: 'Running', podIP: '10.0.0.9' } }),
        { subresource: 'status' },
      )
      assert.deepEqual(viaStatus.status, { phase: 'Running', podIP: '10.0.0.9' })
      assert.deepEqual(viaStatus.spec, pod.spec)
      assert.equal(viaStatus.metadata.labels, undefined)
      const viaMain = await pods.update(ns, name, (p) => ({ ...p, metadata: { ...p.metadata, labels: { via: 'main' } }, status: { phase: 'Failed' } }))
      assert.deepEqual(viaMain.status, { phase: 'Running', podIP: '10.0.0.9' })
      assert.deepEqual(viaMain.metadata.labels, { via: 'main' })
    })

    it("a subresource action is not held to the kind's update rules (a binding sets nodeName)", async () => {
      const pod = await newPod()
      const name = pod.metadata.name!
      const bind = pods.def.subresources!.binding!.action!
      const bound = await pods.update(ns, name, (p) => bind(p, { metadata: { name }, target: { kind: 'Node', name: 'n1' } }), { subresource: 'binding' })
      assert.equal(bound.spec.nodeName, 'n1')
      // …while a plain update still may not move the pod.
      await rejectsWith(
        pods.update(ns, name, (p) => ({ ...p, spec: { ...p.spec, nodeName: 'n2' } })),
        422,
        'Invalid',
      )
    })
  })

  describe('optimistic concurrency', () => {
    it('an update naming a stale resourceVersion is a 409 Conflict', async () => {
      const cm = await configmaps.create(ns, { metadata: { name: `cm${seq++}` } })
      const name = cm.metadata.name!
      await configmaps.update(ns, name, (c) => ({ ...c, data: { a: '1' } }))
      await rejectsWith(configmaps.update(ns, name, () => ({ ...cm, data: { a: '2' } })), 409, 'Conflict')
      assert.deepEqual((await configmaps.get(ns, name)).data, { a: '1' })
    })

    it('concurrent read-modify-write updates (patches) are retried on the newer object, and all land', async () => {
      const cm = await configmaps.create(ns, { metadata: { name: `cm${seq++}` } })
      const name = cm.metadata.name!
      // Each keeps the resourceVersion of the object it was given, as a patch does.
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => configmaps.update(ns, name, (c) => ({ ...c, data: { ...c.data, [`k${i}`]: String(i) } }))),
      )
      assert.equal(Object.keys((await configmaps.get(ns, name)).data).length, 10)
    })
  })

  describe('namespace gate', () => {
    it('creates in a missing namespace are 404 (namespaces), in a terminating one 403 Forbidden', async () => {
      const missing = await rejectsWith(configmaps.create('no-such-ns', { metadata: { name: 'x' } }), 404, 'NotFound')
      assert.equal(missing.details?.kind, 'namespaces')
      await namespaces.create('', { metadata: { name: 'gate' } })
      const before = await configmaps.create('gate', { metadata: { name: 'before' } })
      const terminating = await namespaces.delete('', 'gate')
      assert.equal(terminating.status.phase, 'Terminating')
      assert.ok(terminating.metadata.deletionTimestamp)
      const refused = await rejectsWith(configmaps.create('gate', { metadata: { name: 'after' } }), 403, 'Forbidden')
      assert.match(refused.message, /being terminated/)
      // What is there can still change (controllers finish their work), and be deleted.
      await configmaps.update('gate', 'before', (c) => ({ ...c, data: { a: '1' } }))
      await configmaps.delete('gate', before.metadata.name!)
    })

    it('a terminating namespace goes away once /finalize clears its finalizers', async () => {
      await namespaces.create('', { metadata: { name: 'finalize-me' } })
      await namespaces.delete('', 'finalize-me')
      await namespaces.get('', 'finalize-me')
      // A plain update can not drop spec.finalizers; only the finalize subresource can.
      const plain = await namespaces.update('', 'finalize-me', (n) => ({ ...n, spec: { finalizers: [] } }))
      assert.deepEqual(plain.spec.finalizers, ['kubernetes'])
      await namespaces.update('', 'finalize-me', (n) => ({ ...n, spec: { finalizers: [] } }), { subresource: 'finalize' })
      await rejectsWith(namespaces.get('', 'finalize-me'), 404, 'NotFound')
    })
  })
})
