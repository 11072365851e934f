/**
 * The DaemonSet controller in one process: `serve()` on the in-memory store with three fake-runtime nodes, the
 * scheduler binding the pods serve()'s DaemonSet controller pins to each node. One pod per fitting node, nodeSelector and taints, rolling update, status as `kubectl rollout status` reads it.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import type { ApiClient } from '../../src/client/api-client.ts'
import { serveInProcess, type InProcessServer } from '../helpers/in-process-serve.ts'
import { waitFor } from '../helpers/kubectl.ts'

const DS = { group: 'apps', version: 'v1', resource: 'daemonsets' }
const PODS = { group: '', version: 'v1', resource: 'pods' }
const NODES = { group: '', version: 'v1', resource: 'nodes' }
const NS = 'default'
const POLL = { timeoutMs: 30_000, intervalMs: 50 }

let server: InProcessServer
let client: ApiClient
let nodeNames: string[]

before(async () => {
  server = await serveInProcess({ nodes: 3 })
  client = server.client
  nodeNames = await waitFor('three ready nodes', async () => {
    const { items } = await client.list(NODES)
    const ready = items.filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'))
    return ready.length === 3 && ready.map((n) => n.metadata.name!).sort()
  }, POLL)
})

after(async () => {
  await server?.stop()
})

const podsOf = async (name: string) => (await client.list(PODS, { namespace: NS, labelSelector: `app=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp)

function daemonSet(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      ...extra,
    },
  }
}

/** What `kubectl rollout status daemonset` checks (DaemonSetStatusViewer). */
function rolledOut(d: KubeObject): boolean {
  const st = d.status ?? {}
  if ((st.observedGeneration ?? 0) < (d.metadata.generation ?? 1)) return false
  return (st.updatedNumberScheduled ?? 0) >= st.desiredNumberScheduled && (st.numberAvailable ?? 0) >= st.desiredNumberScheduled
}

describe('DaemonSet controller', () => {
  it('runs one pod on every node, bound by the scheduler, with the daemon tolerations', async () => {
    await client.create(DS, NS, daemonSet('agent'))
    const d = await waitFor('rolled out', async () => {
      const x = await client.get(DS, NS, 'agent')
      return rolledOut(x) && x.status.desiredNumberScheduled === 3 && x
    }, POLL)
    assert.equal(d.status.numberReady, 3)
    const pods = await podsOf('agent')
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), nodeNames)
    for (const p of pods) {
      assert.deepEqual(p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }])
      assert.ok(p.spec.tolerations.some((t: any) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'))
      assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'DaemonSet')
    }
  })

  it('follows nodeSelector and taints: pods leave nodes that no longer fit', async () => {
    const [a, b] = nodeNames as [string, string]
    const na = await client.get(NODES, '', a)
    na.metadata.labels = { ...na.metadata.labels, role: 'edge' }
    await client.update(NODES, '', na)
    await client.create(DS, NS, daemonSet('edge', { template: { metadata: { labels: { app: 'edge' } }, spec: { nodeSelector: { role: 'edge' }, containers: [{ name: 'c', image: 'busybox:1.36' }] } } }))
    await waitFor('one edge pod on a', async () => {
      const pods = await podsOf('edge')
      return pods.length === 1 && pods[0]!.spec.nodeName === a
    }, POLL)
    // A NoExecute taint nothing tolerates evicts the agent pod from b.
    const nb = await client.get(NODES, '', b)
    nb.spec.taints = [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }]
    await client.update(NODES, '', nb)
    await waitFor('agent off b', async () => {
      const pods = await podsOf('agent')
      return pods.length === 2 && !pods.some((p) => p.spec.nodeName === b)
    }, POLL)
    const d = await waitFor('status', async () => {
      const x = await client.get(DS, NS, 'agent')
      return x.status.desiredNumberScheduled === 2 && x.status.numberMisscheduled === 0 && x
    }, POLL)
    assert.equal(d.status.currentNumberScheduled, 2)
    const fresh = await client.get(NODES, '', b)
    delete fresh.spec.taints
    await client.update(NODES, '', fresh)
    await waitFor('agent back on b', async () => (await podsOf('agent')).length === 3, POLL)
  })

  it('rolls out a new template node by node', async () => {
    const d = await client.get(DS, NS, 'agent')
    d.spec.template.spec.containers[0].image = 'busybox:1.37'
    await client.update(DS, NS, d)
    await waitFor('rolled out', async () => {
      const x = await client.get(DS, NS, 'agent')
      const pods = await podsOf('agent')
      return rolledOut(x) && pods.length === 3 && pods.every((p) => p.spec.containers[0].image === 'busybox:1.37' && p.status?.phase === 'Running')
    }, POLL)
  })

  it('deleting the DaemonSet removes its pods', async () => {
    await client.delete(DS, NS, 'agent')
    await waitFor('pods gone', async () => (await podsOf('agent')).length === 0, POLL)
  })
})
