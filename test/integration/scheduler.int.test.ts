/**
 * The scheduler, node lifecycle and pod GC in a whole `cluster serve` (fake kubelets) on a real etcd: placement,
 * unschedulable pods and their retry, spreading by requests and by owner, the binding subresource through both
 * clients, nodes whose kubelet stops, and a burst of 1,000 pods (timed, logged, not asserted).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeObject } from '../../src/api/meta.ts'
import { formatMicroTime } from '../../src/api/meta.ts'
import { parseCpu } from '../../src/api/quantity.ts'
import { core, type ApiClient } from '../../src/client/api-client.ts'
import { HttpClient } from '../../src/client/http-client.ts'
import { LoopbackClient } from '../../src/client/loopback-client.ts'
import { serve, type RunningServer, type ServeOptions } from '../../src/cluster/serve.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'
import { eventually } from '../helpers/http-api.ts'

const PODS = core('pods')
const NODES = core('nodes')
const EVENTS = core('events')
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }
const NS = 'default'
const MERGE = 'application/merge-patch+json'

interface TestCluster {
  running: RunningServer
  client: ApiClient
  stop(): Promise<void>
}

async function startCluster(nodes: number, extra: Partial<ServeOptions> = {}): Promise<TestCluster> {
  let etcd: EtcdInstance | undefined
  const dataDir = await mkdtemp(join(tmpdir(), 'kubebox-sched-'))
  etcd = await startEtcd()
  const running = await serve({
    etcdServers: [etcd.endpoint],
    port: 0,
    bindAddress: '127.0.0.1',
    dataDir,
    serviceClusterIpRange: '10.96.0.0/12',
    log: silentLogger(),
    runtime: 'fake',
    nodes,
    nodeName: 'node',
    ...extra,
  })
  const client = new LoopbackClient(running.apiServer)
  await eventually(`${nodes} Ready nodes`, async () => (await client.list(NODES)).items.filter(isReady).length === nodes, 20_000)
  return {
    running,
    client,
    async stop() {
      await running.stop()
      await etcd?.stop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

const condition = (obj: KubeObject, type: string) => (obj.status?.conditions ?? []).find((c: any) => c.type === type)
const isReady = (obj: KubeObject) => condition(obj, 'Ready')?.status === 'True'

const podManifest = (name: string, spec: any = {}, metadata: any = {}, container: any = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...metadata },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25', ...container }], ...spec },
})

const withCpu = (name: string, milli: number) => podManifest(name, {}, {}, { resources: { requests: { cpu: `${milli}m` } } })

async function boundNode(client: ApiClient, name: string, timeoutMs = 10_000): Promise<string> {
  return eventually(`${name} bound`, async () => (await client.get(PODS, NS, name)).spec?.nodeName as string | undefined, timeoutMs)
}

async function eventsOf(client: ApiClient, pod: KubeObject, reason: string): Promise<KubeObject[]> {
  const { items } = await client.list(EVENTS, { namespace: NS, fieldSelector: `involvedObject.uid=${pod.metadata.uid},reason=${reason}` })
  return items
}

describe('scheduler on three fake nodes', () => {
  let cluster: TestCluster
  let client: ApiClient
  let nodeNames: string[]

  before(async () => {
    cluster = await startCluster(3)
    client = cluster.client
    nodeNames = (await client.list(NODES)).items.map((n) => n.metadata.name!).sort()
  })
  after(async () => cluster?.stop())

  it('binds a pod without nodeName to a Ready node and records Scheduled', async () => {
    const created = await client.create(PODS, NS, podManifest('web-1'))
    const node = await boundNode(client, 'web-1')
    assert.ok(nodeNames.includes(node), node)
    const pod = await client.get(PODS, NS, 'web-1')
    assert.equal(condition(pod, 'PodScheduled')?.status, 'True')
    const [event] = await eventually('a Scheduled event', () => eventsOf(client, created, 'Scheduled').then((e) => e.length > 0 && e))
    assert.equal(event!.type, 'Normal')
    assert.equal(event!.message, `Successfully assigned default/web-1 to ${node}`)
    assert.equal(event!.source?.component, 'default-scheduler')
    assert.equal(event!.involvedObject.kind, 'Pod')
    // and the kubelet of that node runs it
    await eventually('web-1 Running', async () => (await client.get(PODS, NS, 'web-1')).status?.phase === 'Running')
  })

  it('keeps an unplaceable pod Pending with PodScheduled=False, then places it once a node is labeled to fit', async () => {
    const created = await client.create(PODS, NS, podManifest('picky', { nodeSelector: { disk: 'ssd' } }))
    const cond = await eventually('PodScheduled=False', async () => {
      const c = condition(await client.get(PODS, NS, 'picky'), 'PodScheduled')
      return c?.status === 'False' && c
    })
    assert.equal(cond.reason, 'Unschedulable')
    assert.equal(cond.message, "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")
    const pod = await client.get(PODS, NS, 'picky')
    assert.equal(pod.status.phase, 'Pending')
    assert.equal(pod.spec.nodeName, undefined)
    const [warning] = await eventually('a FailedScheduling event', () => eventsOf(client, created, 'FailedScheduling').then((e) => e.length > 0 && e))
    assert.equal(warning!.type, 'Warning')
    assert.equal(warning!.message, cond.message)
    assert.equal(warning!.source?.component, 'default-scheduler')

    const target = nodeNames[1]!
    await client.patch(NODES, '', target, MERGE, { metadata: { labels: { disk: 'ssd' } } })
    assert.equal(await boundNode(client, 'picky', 15_000), target)
    assert.equal(condition(await client.get(PODS, NS, 'picky'), 'PodScheduled')?.status, 'True')
  })

  it('spreads pods by their requests, and places a waiting pod when room is freed', async () => {
    const node = await client.get(NODES, '', nodeNames[0]!)
    const big = Math.floor(parseCpu(node.status.allocatable.cpu) * 1000 * 0.6)
    for (const name of ['big-1', 'big-2', 'big-3']) await client.create(PODS, NS, withCpu(name, big))
    const placed = await Promise.all(['big-1', 'big-2', 'big-3'].map((n) => boundNode(client, n)))
    assert.deepEqual([...placed].sort(), nodeNames, 'one 60% pod per node')

    await client.create(PODS, NS, withCpu('big-4', big))
    const cond = await eventually('big-4 unschedulable', async () => {
      const c = condition(await client.get(PODS, NS, 'big-4'), 'PodScheduled')
      return c?.status === 'False' && c
    })
    assert.equal(cond.message, '0/3 nodes are available: 3 Insufficient cpu.')

    await client.delete(PODS, NS, 'big-2')
    assert.equal(await boundNode(client, 'big-4', 20_000), placed[1])
  })

  it('spreads replicas of one owner across the nodes', async () => {
    // Any existing object will do as the controller (the garbage collector deletes pods whose owner is missing).
    const cm = await client.create(core('configmaps'), NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'spread-owner' } })
    const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'spread-owner', uid: cm.metadata.uid!, controller: true }
    const names = Array.from({ length: 6 }, (_, i) => `spread-${i}`)
    for (const name of names) await client.create(PODS, NS, podManifest(name, {}, { ownerReferences: [owner], labels: { app: 'spread' } }))
    const nodes = await Promise.all(names.map((n) => boundNode(client, n)))
    const perNode = new Map<string, number>()
    for (const n of nodes) perNode.set(n, (perNode.get(n) ?? 0) + 1)
    assert.deepEqual([...perNode.values()], [2, 2, 2], JSON.stringify([...perNode]))
  })

  it('leaves pods of another scheduler alone; pods/binding works through both clients', async () => {
    await client.create(PODS, NS, podManifest('manual-http', { schedulerName: 'manual' }))
    await client.create(PODS, NS, podManifest('manual-loop', { schedulerName: 'manual' }))
    await sleep(500)
    const untouched = await client.get(PODS, NS, 'manual-http')
    assert.equal(untouched.spec.nodeName, undefined)
    assert.equal(condition(untouched, 'PodScheduled'), undefined)

    const binding = (name: string, node: string): KubeObject => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: node } })
    const http = new HttpClient({ server: cluster.running.url })
    for (const [c, name] of [[http, 'manual-http'], [client, 'manual-loop']] as const) {
      const status = await c.create(PODS, NS, binding(name, nodeNames[2]!), 'binding')
      assert.equal(status.kind, 'Status')
      assert.equal(status.status, 'Success')
      assert.equal((await client.get(PODS, NS, name)).spec.nodeName, nodeNames[2])
      await assert.rejects(c.create(PODS, NS, binding(name, nodeNames[0]!), 'binding'), (err: unknown) => {
        assert.ok(err instanceof ApiError)
        assert.equal(err.code, 409)
        assert.equal(err.message, `pod ${name} is already assigned to node "${nodeNames[2]}"`)
        return true
      })
    }
  })
})

describe('binding a burst of pods', () => {
  let cluster: TestCluster

  before(async () => {
    cluster = await startCluster(10)
  })
  after(async () => cluster?.stop())

  it('binds 1,000 pods over 10 fake nodes', async () => {
    const { client } = cluster
    const total = 1000
    const start = performance.now()
    const names = Array.from({ length: total }, (_, i) => `burst-${i}`)
    for (let i = 0; i < total; i += 50)
      await Promise.all(names.slice(i, i + 50).map((name) => client.create(PODS, NS, podManifest(name, {}, { labels: { app: 'burst' } }))))
    const created = performance.now()
    let perNode = new Map<string, number>()
    await eventually(
      `${total} pods bound`,
      async () => {
        const { items } = await client.list(PODS, { namespace: NS, labelSelector: 'app=burst' })
        perNode = new Map()
        for (const p of items) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1)
        return [...perNode.values()].reduce((a, b) => a + b, 0) === total
      },
      300_000, // not a benchmark: a loaded machine may be slow
    )
    const bound = performance.now()
    const counts = [...perNode.values()]
    console.log(
      `# scheduler burst: created ${total} pods in ${Math.round(created - start)} ms; all bound ${Math.round(bound - start)} ms after the first create ` +
        `(${Math.round((total / (bound - start)) * 1000)} pods/s end to end); per node min ${Math.min(...counts)} max ${Math.max(...counts)}`,
    )
    assert.equal(perNode.size, 10)
    assert.ok(Math.max(...counts) <= 110, 'no node over its pod limit')
  })
})

describe('node lifecycle and pod GC', () => {
  let cluster: TestCluster
  let client: ApiClient
  // Well above the kubelets' 10 s lease renewal, so a live node never looks silent, even on a loaded machine.
  const GRACE_MS = 20_000

  before(async () => {
    cluster = await startCluster(2, { nodeMonitorGracePeriodMs: GRACE_MS, podGcOrphanGraceMs: 1000 })
    client = cluster.client
  })
  after(async () => cluster?.stop())

  it('deletes pods bound to a node that does not exist', async () => {
    await client.create(PODS, NS, podManifest('orphan', { nodeName: 'ghost-node' }))
    await eventually('orphan deleted', async () => {
      try {
        await client.get(PODS, NS, 'orphan')
        return false
      } catch (err) {
        return err instanceof ApiError && err.code === 404
      }
    }, 10_000)
  })

  it('marks a node whose kubelet stopped Unknown and unreachable, its pods not Ready, and forgets it when the lease is renewed', async () => {
    const [live, dead] = cluster.running.kubelets
    const deadName = dead!.nodeName
    await client.create(PODS, NS, podManifest('on-dead', { nodeName: deadName }))
    await eventually('on-dead Ready', async () => isReady(await client.get(PODS, NS, 'on-dead')))

    await dead!.stop()
    const node = await eventually('node Unknown', async () => {
      const n = await client.get(NODES, '', deadName)
      return condition(n, 'Ready')?.status === 'Unknown' && n
    }, GRACE_MS + 15_000)
    const ready = condition(node, 'Ready')
    assert.equal(ready.reason, 'NodeStatusUnknown')
    assert.equal(ready.message, 'Kubelet stopped posting node status.')
    const taints = await eventually('unreachable taints', async () => {
      const t: any[] = (await client.get(NODES, '', deadName)).spec?.taints ?? []
      return t.length === 2 && t
    })
    assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'])
    assert.ok(taints.every((t) => typeof t.timeAdded === 'string'))
    const liveNode = await client.get(NODES, '', live!.nodeName)
    assert.ok(isReady(liveNode))
    assert.deepEqual(liveNode.spec?.taints ?? [], [])

    // MarkPodsNotReady
    await eventually('on-dead not Ready', async () => condition(await client.get(PODS, NS, 'on-dead'), 'Ready')?.status === 'False')
    // New pods go to the live node only.
    await client.create(PODS, NS, podManifest('after-death'))
    assert.equal(await boundNode(client, 'after-death'), live!.nodeName)
    // A pod deleted on the dead node: no kubelet confirms, pod GC force-deletes it after its grace period.
    await client.delete(PODS, NS, 'on-dead', { gracePeriodSeconds: 1 })
    await eventually('on-dead gone', async () => {
      try {
        await client.get(PODS, NS, 'on-dead')
        return false
      } catch (err) {
        return err instanceof ApiError && err.code === 404
      }
    }, 10_000)

    // The kubelet is back (renews its lease): Ready again, taints removed.
    await client.patch(LEASES, 'kube-node-lease', deadName, MERGE, { spec: { renewTime: formatMicroTime() } })
    await eventually('node Ready again without taints', async () => {
      const n = await client.get(NODES, '', deadName)
      return isReady(n) && (n.spec?.taints ?? []).length === 0
    })
  })
})
