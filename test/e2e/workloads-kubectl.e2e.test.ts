/**
 * Workloads end to end: the real kubectl 1.31 against `cluster serve --runtime fake --nodes 2` on a throwaway etcd.
 * create deployment, rollout status / history / undo, scale, set image, describe, create job + wait, expose +
 * endpoints and endpointslices, delete with the garbage collector taking the pods.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { kubectlClient, waitFor, type KubectlClient } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

/** How long, and how often, to poll for the controllers to catch up. */
const POLL = { timeoutMs: 60_000, intervalMs: 250 }

let server: ServerProcess
/** kubectl 1.31, with one cache directory for the file. */
let k: KubectlClient

/** Runs kubectl and fails the test, with its output, unless it succeeds. */
const ok = async (...args: string[]) => (await k.ok(args)).stdout
const getJson = (...args: string[]) => k.getJson(...args)

const images = async (selector: string) =>
  (await getJson('pods', '-l', selector)).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.spec.containers[0].image)

before(async () => {
  server = await startServer({ args: ['--runtime', 'fake', '--nodes', '2'] })
  k = kubectlClient('1.31', { kubeconfig: server.kubeconfig, cacheDir: join(server.dir, 'kube-cache'), timeoutMs: 120_000, serverOutput: server.output })
})

after(() => server?.stop())

describe('kubectl 1.31: deployments, jobs, services', { timeout: 600_000 }, () => {
  it('create deployment, then rollout status succeeds', async () => {
    assert.match(await ok('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3'), /deployment.apps\/web created/)
    assert.match(await ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /deployment "web" successfully rolled out/)
    const table = await ok('get', 'deployment', 'web')
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/)
    assert.match(table, /\nweb\s+3\/3\s+3\s+3\s+\S+\n/)
    const rs = await ok('get', 'replicasets', '-l', 'app=web')
    assert.match(rs, /\nweb-[a-z0-9]+\s+3\s+3\s+3\s+/)
    assert.equal((await images('app=web')).length, 3)
  })

  it('scale --replicas=5', async () => {
    assert.match(await ok('scale', 'deployment/web', '--replicas=5'), /deployment.apps\/web scaled/)
    await ok('rollout', 'status', 'deployment/web', '--timeout=90s')
    await waitFor('5 available', async () => (await getJson('deployment', 'web')).status.availableReplicas === 5, POLL)
    assert.equal((await images('app=web')).length, 5)
  })

  it('set image rolls out a new ReplicaSet; rollout status waits for it', async () => {
    assert.match(await ok('set', 'image', 'deployment/web', 'nginx=nginx:1.26'), /deployment.apps\/web image updated/)
    assert.match(await ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/)
    await waitFor('every pod on nginx:1.26', async () => {
      const list = await images('app=web')
      return list.length === 5 && list.every((i: string) => i === 'nginx:1.26')
    }, POLL)
    const rss = (await getJson('replicasets', '-l', 'app=web')).items
    assert.equal(rss.length, 2)
    assert.deepEqual(rss.map((r: any) => r.spec.replicas).sort(), [0, 5])
  })

  it('rollout history lists both revisions', async () => {
    const out = await ok('rollout', 'history', 'deployment/web')
    assert.match(out, /REVISION\s+CHANGE-CAUSE/)
    assert.match(out, /\n1\s+<none>/)
    assert.match(out, /\n2\s+<none>/)
  })

  it('rollout undo goes back to nginx:1.25 as revision 3', async () => {
    assert.match(await ok('rollout', 'undo', 'deployment/web'), /deployment.apps\/web rolled back/)
    assert.match(await ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/)
    await waitFor('every pod back on nginx:1.25', async () => {
      const list = await images('app=web')
      return list.length === 5 && list.every((i: string) => i === 'nginx:1.25')
    }, POLL)
    const d = await getJson('deployment', 'web')
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '3')
    const history = await ok('rollout', 'history', 'deployment/web')
    assert.match(history, /\n2\s+<none>/)
    assert.match(history, /\n3\s+<none>/)
    assert.doesNotMatch(history, /\n1\s+<none>/)
    assert.equal((await getJson('replicasets', '-l', 'app=web')).items.length, 2)
  })

  it('describe deployment shows the conditions, the ReplicaSets and the ScalingReplicaSet events', async () => {
    const out = await ok('describe', 'deployment', 'web')
    assert.match(out, /Replicas:\s+5 desired \| 5 updated \| 5 total \| 5 available \| 0 unavailable/)
    assert.match(out, /Available\s+True\s+MinimumReplicasAvailable/)
    assert.match(out, /Progressing\s+True\s+NewReplicaSetAvailable/)
    assert.match(out, /NewReplicaSet:\s+web-\S+ \(5\/5 replicas created\)/)
    assert.match(out, /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-\S+ from 0 to 3/)
  })

  it('create job, then wait --for=condition=complete', async () => {
    assert.match(await ok('create', 'job', 'j', '--image=busybox', '--', 'fake-exit:0'), /job.batch\/j created/)
    assert.match(await ok('wait', '--for=condition=complete', 'job/j', '--timeout=90s'), /job.batch\/j condition met/)
    const table = await ok('get', 'job', 'j')
    assert.match(table, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/)
    assert.match(table, /\nj\s+Complete\s+1\/1\s+\S+\s+\S+\n/)
    const pods = await getJson('pods', '-l', 'job-name=j')
    assert.equal(pods.items.length, 1)
    assert.equal(pods.items[0].status.phase, 'Succeeded')
  })

  it('expose deployment, then get endpoints lists the 5 pods', async () => {
    assert.match(await ok('expose', 'deployment', 'web', '--port=80'), /service\/web exposed/)
    const ips = await waitFor('5 endpoint addresses', async () => {
      const out = await ok('get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}')
      const list = out.trim().split(/\s+/).filter(Boolean)
      return list.length === 5 && list
    }, POLL)
    const podIPs = (await getJson('pods', '-l', 'app=web')).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.status.podIP)
    assert.deepEqual([...ips].sort(), [...podIPs].sort())
    assert.match(await ok('get', 'endpoints', 'web'), /\nweb\s+\S+:80,\S+:80,\S+:80 \+ 2 more\.\.\.\s+\S+\n/)
    const slices = await ok('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web')
    assert.match(slices, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/)
    assert.match(slices, /\nweb-\S+\s+IPv4\s+80\s+\S+ \+ 2 more\.\.\.\s+\S+\n/)
  })

  it('delete deployment removes its ReplicaSets and pods', async () => {
    assert.match(await ok('delete', 'deployment', 'web'), /deployment.apps "web" deleted/)
    await waitFor('no ReplicaSets of web', async () => (await getJson('replicasets', '-l', 'app=web')).items.length === 0, POLL)
    await waitFor('no pods of web', async () => (await getJson('pods', '-l', 'app=web')).items.length === 0, POLL)
    // The service stays, now without endpoints.
    await waitFor('no endpoints left', async () => {
      const ep = await getJson('endpoints', 'web')
      return !ep.subsets
    }, POLL)
  })
})
