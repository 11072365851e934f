/**
 * The StatefulSet controller in one process: `serve()` on the in-memory store with two fake-runtime nodes (pods go
 * Running and Ready when bound), and serve()'s StatefulSet controller.
 * Ordered creation with stable names, labels, hostname and claims; scale down from the highest ordinal; rolling
 * update (with a partition); status as `kubectl rollout status` reads it; garbage collection of the pods.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import type { ApiClient } from '../../src/client/api-client.ts'
import { serveInProcess, type InProcessServer } from '../helpers/in-process-serve.ts'
import { waitFor } from '../helpers/kubectl.ts'

const STS = { group: 'apps', version: 'v1', resource: 'statefulsets' }
const REVISIONS = { group: 'apps', version: 'v1', resource: 'controllerrevisions' }
const PODS = { group: '', version: 'v1', resource: 'pods' }
const PVCS = { group: '', version: 'v1', resource: 'persistentvolumeclaims' }
const NS = 'default'
const POLL = { timeoutMs: 30_000, intervalMs: 50 }

let server: InProcessServer
let client: ApiClient

before(async () => {
  server = await serveInProcess({ nodes: 2 })
  client = server.client
})

after(async () => {
  await server?.stop()
})

const podsOf = async (name: string) =>
  (await client.list(PODS, { namespace: NS, labelSelector: `app=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))

function statefulSet(name: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } },
      ...extra,
    },
  }
}

/** What `kubectl rollout status statefulset` checks (StatefulSetStatusViewer). */
function rolledOut(s: KubeObject): boolean {
  const st = s.status ?? {}
  if ((st.observedGeneration ?? 0) < (s.metadata.generation ?? 1)) return false
  if ((st.readyReplicas ?? 0) < s.spec.replicas) return false
  const partition = s.spec.updateStrategy?.rollingUpdate?.partition
  if (partition) return (st.updatedReplicas ?? 0) >= s.spec.replicas - partition
  return st.updateRevision === st.currentRevision
}

describe('StatefulSet controller', () => {
  it('creates pods <set>-<ordinal> in order with identity, claims and status', async () => {
    await client.create(STS, NS, statefulSet('web', 3, { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }))
    // OrderedReady: web-1 never exists before web-0 is Running and Ready.
    const seen: string[] = []
    await waitFor('three pods', async () => {
      const pods = await podsOf('web')
      for (const p of pods) if (!seen.includes(p.metadata.name!)) seen.push(p.metadata.name!)
      return pods.length === 3 && pods.every((p) => p.status?.phase === 'Running')
    }, POLL)
    assert.deepEqual(seen, ['web-0', 'web-1', 'web-2'])
    const pods = await podsOf('web')
    for (const [i, p] of pods.entries()) {
      assert.equal(p.metadata.labels!['statefulset.kubernetes.io/pod-name'], `web-${i}`)
      assert.equal(p.metadata.labels!['apps.kubernetes.io/pod-index'], String(i))
      assert.match(p.metadata.labels!['controller-revision-hash'], /^web-/)
      assert.equal(p.spec.hostname, `web-${i}`)
      assert.equal(p.spec.subdomain, 'web')
      assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'StatefulSet')
      assert.deepEqual(p.spec.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim, { claimName: `data-web-${i}` })
      await client.get(PVCS, NS, `data-web-${i}`)
    }
    const set = await waitFor('status', async () => {
      const s = await client.get(STS, NS, 'web')
      return rolledOut(s) && s.status.availableReplicas === 3 && s.status.replicas === 3 && s
    }, POLL)
    assert.equal(set.status.currentRevision, set.status.updateRevision)
    const revs = (await client.list(REVISIONS, { namespace: NS })).items.filter((r) => r.metadata.ownerReferences?.[0]?.uid === set.metadata.uid)
    assert.equal(revs.length, 1)
    assert.equal(revs[0]!.metadata.name, set.status.updateRevision)
  })

  it('scales down from the highest ordinal', async () => {
    const s = await client.get(STS, NS, 'web')
    await client.update(STS, NS, { ...s, spec: { ...s.spec, replicas: 1 } })
    await waitFor('one pod', async () => {
      const pods = await podsOf('web')
      return pods.length === 1 && pods[0]!.metadata.name === 'web-0'
    }, POLL)
    await waitFor('status', async () => (await client.get(STS, NS, 'web')).status?.replicas === 1, POLL)
  })

  it('rolls out a new template from the highest ordinal, honouring the partition', async () => {
    await client.create(STS, NS, statefulSet('db', 3, { podManagementPolicy: 'Parallel' }))
    await waitFor('rolled out', async () => rolledOut(await client.get(STS, NS, 'db')), POLL)
    let s = await client.get(STS, NS, 'db')
    const first = s.status.updateRevision
    s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }
    s.spec.template.spec.containers[0].image = 'nginx:1.26'
    await client.update(STS, NS, s)
    await waitFor('partitioned rollout', async () => {
      const x = await client.get(STS, NS, 'db')
      return x.status.updateRevision !== first && rolledOut(x) && x.status.updatedReplicas === 2
    }, POLL)
    let pods = await podsOf('db')
    assert.deepEqual(pods.map((p) => p.spec.containers[0].image), ['nginx:1.25', 'nginx:1.26', 'nginx:1.26'])
    s = await client.get(STS, NS, 'db')
    s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }
    await client.update(STS, NS, s)
    await waitFor('full rollout', async () => {
      const x = await client.get(STS, NS, 'db')
      return rolledOut(x) && x.status.currentRevision === x.status.updateRevision && x.status.updatedReplicas === 3
    }, POLL)
    pods = await podsOf('db')
    assert.deepEqual(pods.map((p) => p.spec.containers[0].image), ['nginx:1.26', 'nginx:1.26', 'nginx:1.26'])
  })

  it('OrderedReady waits on a pod that never gets Ready, but scaling down removes it', async () => {
    await client.create(STS, NS, statefulSet('stuck', 2, { template: { metadata: { labels: { app: 'stuck' } }, spec: { containers: [{ name: 'c', image: 'x', command: ['fake-cannot-run'] }] } } }))
    await waitFor('stuck-0', async () => (await podsOf('stuck')).length === 1, POLL)
    await new Promise((r) => setTimeout(r, 300))
    assert.deepEqual((await podsOf('stuck')).map((p) => p.metadata.name), ['stuck-0'])
    const s = await client.get(STS, NS, 'stuck')
    await client.update(STS, NS, { ...s, spec: { ...s.spec, replicas: 0 } })
    await waitFor('no pods', async () => (await podsOf('stuck')).length === 0, POLL)
  })

  it('OnDelete: a new template reaches a pod only when it is deleted', async () => {
    await client.create(STS, NS, statefulSet('od', 2, { updateStrategy: { type: 'OnDelete' } }))
    await waitFor('two ready', async () => (await client.get(STS, NS, 'od')).status?.readyReplicas === 2, POLL)
    const s = await client.get(STS, NS, 'od')
    s.spec.template.spec.containers[0].image = 'nginx:1.26'
    await client.update(STS, NS, s)
    await waitFor('new revision', async () => {
      const x = await client.get(STS, NS, 'od')
      return x.status.updateRevision !== x.status.currentRevision && x.status.observedGeneration === x.metadata.generation
    }, POLL)
    await new Promise((r) => setTimeout(r, 200))
    assert.deepEqual((await podsOf('od')).map((p) => p.spec.containers[0].image), ['nginx:1.25', 'nginx:1.25'])
    await client.delete(PODS, NS, 'od-1')
    await waitFor('od-1 recreated on the new template', async () => {
      const pods = await podsOf('od')
      return pods.length === 2 && pods[1]!.spec.containers[0].image === 'nginx:1.26' && pods
    }, POLL)
    assert.equal((await podsOf('od'))[0]!.spec.containers[0].image, 'nginx:1.25')
  })

  it('deleting the StatefulSet removes its pods (garbage collector)', async () => {
    await client.delete(STS, NS, 'db')
    await waitFor('pods gone', async () => (await podsOf('db')).length === 0, POLL)
  })
})
