/**
 * Where kubelets get their pods (src/kubelet/pod-source.ts) and how often they write a pod's status, on the memory
 * store with fake runtimes: kubelets in the API server's process share one watch of all pods split by node; a
 * kubelet over HTTP keeps its own field-selected watch. Each pod that starts cleanly gets exactly one status write,
 * also when the watch events of the kubelet's own writes arrive late (as with etcd), and a status another writer
 * changes is put back. On the fake runtime a clean start records no Events (as kwok's default stages), unless asked.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeObject } from '../../src/api/meta.ts'
import { core, type ApiClient, type ClientListOptions, type ClientWatch, type ResourceId, type WatchHandler } from '../../src/client/api-client.ts'
import { HttpClient } from '../../src/client/http-client.ts'
import { LoopbackClient } from '../../src/client/loopback-client.ts'
import { serve, type RunningServer } from '../../src/cluster/serve.ts'
import { Kubelet } from '../../src/kubelet/kubelet.ts'
import { FakeRuntime } from '../../src/kubelet/runtime/fake-runtime.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'
import { eventually } from '../helpers/http-api.ts'

const PODS = core('pods')
const EVENTS = core('events')
const NS = 'default'
const PAUSE = 'registry.k8s.io/pause:3.10'

/** The in-process client, with watch events delivered 30 ms late (what a watch on etcd looks like under load). */
class LateWatchClient extends LoopbackClient {
  override watch(r: ResourceId, opts: ClientListOptions & { resourceVersion?: string }, handler: WatchHandler): Promise<ClientWatch> {
    return super.watch(r, opts, {
      event: (type, obj) => void setTimeout(() => handler.event(type, obj), 30),
      end: (err) => handler.end(err),
    })
  }
}

const pod = (name: string, nodeName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { nodeName, terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'busybox:1.36' }] },
})

describe('kubelet pod sources', () => {
  let running: RunningServer
  let dataDir: string
  let client: LoopbackClient
  const runtime = new FakeRuntime({ images: [PAUSE] })
  const remoteRuntime = new FakeRuntime({ images: [PAUSE] })
  const kubelets: Kubelet[] = []
  /** MODIFIED events per pod name, seen by a watch of the namespace. */
  const modified = new Map<string, number>()
  let watch: ClientWatch

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kubebox-pod-sources-'))
    running = await serve({
      etcdServers: [],
      store: new MemoryStore(),
      port: 0,
      bindAddress: '127.0.0.1',
      dataDir,
      serviceClusterIpRange: '10.96.0.0/12',
      log: silentLogger(),
      runtime: 'none',
    })
    client = new LoopbackClient(running.apiServer)
    const late = new LateWatchClient(running.apiServer)
    const http = new HttpClient({ server: running.url, userAgent: 'kubebox-test' })
    const kubelet = (c: ApiClient, nodeName: string, rt: FakeRuntime, routineEvents?: boolean) =>
      new Kubelet({ client: c, runtime: rt, nodeName, address: '127.0.0.1', dataDir: join(dataDir, nodeName), podInfraImage: PAUSE, log: silentLogger(), routineEvents })
    kubelets.push(kubelet(late, 'local-a', runtime), kubelet(late, 'local-b', runtime), kubelet(http, 'remote', remoteRuntime), kubelet(late, 'chatty', runtime, true))
    for (const k of kubelets) await k.start()
    watch = await client.watch(PODS, { namespace: NS }, {
      event: (type, obj) => type === 'MODIFIED' && modified.set(obj.metadata.name!, (modified.get(obj.metadata.name!) ?? 0) + 1),
      end: () => {},
    })
  })

  after(async () => {
    watch?.close()
    for (const k of kubelets) await k.stop()
    await running?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  const phase = async (name: string) => (await client.get(PODS, NS, name)).status?.phase

  it('runs each pod on its own node only, in-process and over HTTP, with one status write each', async () => {
    const names: [string, string][] = []
    for (const node of ['local-a', 'local-b', 'remote']) for (let i = 0; i < 5; i++) names.push([`${node}-${i}`, node])
    await Promise.all(names.map(([name, node]) => client.create(PODS, NS, pod(name, node))))
    for (const [name] of names) await eventually(`${name} Running`, async () => (await phase(name)) === 'Running', 15_000)
    await sleep(500) // any second status write would show by now
    for (const [name] of names) assert.equal(modified.get(name), 1, `${name}: one status write, and nothing else changed it`)
    const sandboxNodes = (sandboxes: { podName: string; node: string }[]) => new Map(sandboxes.map((s) => [s.podName, s.node]))
    const local = sandboxNodes(await runtime.listSandboxes())
    const remote = sandboxNodes(await remoteRuntime.listSandboxes())
    for (const [name, node] of names) {
      if (node === 'remote') assert.ok(remote.has(name) && !local.has(name), `${name} runs on the remote kubelet only`)
      else assert.equal(local.get(name), node, `${name} runs on ${node}`)
    }
  })

  it('puts back a status another writer changed', async () => {
    await client.create(PODS, NS, pod('overwritten', 'local-a'))
    await eventually('Running', async () => (await phase('overwritten')) === 'Running', 15_000)
    await client.patch(PODS, NS, 'overwritten', 'application/merge-patch+json', { status: { phase: 'Pending' } }, 'status')
    await eventually('Running again', async () => (await phase('overwritten')) === 'Running', 15_000)
  })

  it('stops and removes the containers of deleted pods', async () => {
    await client.create(PODS, NS, pod('short-lived', 'local-b'))
    await eventually('Running', async () => (await phase('short-lived')) === 'Running', 15_000)
    await client.delete(PODS, NS, 'short-lived')
    await eventually('gone', async () => (await client.list(PODS, { namespace: NS })).items.every((p) => p.metadata.name !== 'short-lived'), 15_000)
    await eventually('no sandbox', async () => (await runtime.listSandboxes()).every((s) => s.podName !== 'short-lived'), 15_000)
  })

  it('on the fake runtime records no Events of a clean start, but what went wrong; routineEvents: true records them', async () => {
    const reasons = async (name: string) => (await client.list(EVENTS, { namespace: NS, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => e.reason).sort()
    const neverPulled = pod('never-pulled', 'local-a')
    neverPulled.spec.containers[0].image = 'absent.example/none:1'
    neverPulled.spec.containers[0].imagePullPolicy = 'Never'
    await Promise.all([pod('quiet', 'local-a'), pod('told', 'chatty'), neverPulled].map((p) => client.create(PODS, NS, p)))
    for (const name of ['quiet', 'told']) await eventually(`${name} Running`, async () => (await phase(name)) === 'Running', 15_000)
    await eventually('ErrImageNeverPull recorded', async () => (await reasons('never-pulled')).includes('ErrImageNeverPull'), 15_000)
    await eventually('Pulled, Created, Started recorded', async () => {
      const told = await reasons('told')
      return ['Created', 'Pulled', 'Started'].every((r) => told.includes(r))
    }, 15_000)
    await sleep(300) // events are written asynchronously
    assert.deepEqual(await reasons('quiet'), [])
  })
})
