/**
 * The workload controllers end to end in one process: `serve()` on a real etcd with two fake-runtime nodes (pods go
 * Running; a container whose command starts with `fake-exit:<code>` exits with it), the scheduler binding pods.
 * Deployments (status as `kubectl rollout status` reads it, scaling, rolling update, rollback as kubectl 1.27+ does
 * it, revision history), ReplicaSets, the garbage collector (background, foreground and orphan deletion), Jobs
 * (completion, backoffLimit), and Endpoints / EndpointSlices following pod readiness.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import type { ApiClient } from '../../src/client/api-client.ts'
import { LoopbackClient } from '../../src/client/loopback-client.ts'
import { serve, type RunningServer } from '../../src/cluster/serve.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'
import { waitFor } from '../helpers/kubectl.ts'

const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' }
const REPLICASETS = { group: 'apps', version: 'v1', resource: 'replicasets' }
const JOBS = { group: 'batch', version: 'v1', resource: 'jobs' }
const PODS = { group: '', version: 'v1', resource: 'pods' }
const SERVICES = { group: '', version: 'v1', resource: 'services' }
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' }
const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }
const EVENTS = { group: '', version: 'v1', resource: 'events' }
const NS = 'default'
/** How long, and how often, to poll for the controllers to catch up. */
const POLL = { timeoutMs: 30_000, intervalMs: 50 }

let etcd: EtcdInstance
let running: RunningServer
let client: ApiClient
let dir: string

async function gone(r: typeof PODS, name: string): Promise<boolean> {
  try {
    await client.get(r, NS, name)
    return false
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return true
    throw err
  }
}

function deployment(name: string, replicas: number, image = 'nginx:1.25', extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image }] } },
      ...extra,
    },
  }
}

/** kubectl's rollout status check (polymorphichelpers DeploymentStatusViewer): done, or why not. */
function rolloutDone(d: KubeObject): boolean {
  const s = d.status ?? {}
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return false
  if ((s.conditions ?? []).some((c: any) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')) throw new Error('exceeded its progress deadline')
  const want = d.spec.replicas
  const updated = s.updatedReplicas ?? 0
  return updated >= want && (s.replicas ?? 0) <= updated && (s.availableReplicas ?? 0) >= updated
}

const rolledOut = (name: string) => waitFor(`deployment ${name} rolled out`, async () => {
  const d = await client.get(DEPLOYMENTS, NS, name)
  return rolloutDone(d) && d
}, POLL)

const podsOf = async (app: string) => (await client.list(PODS, { namespace: NS, labelSelector: `app=${app}` })).items
const activePodsOf = async (app: string) => (await podsOf(app)).filter((p) => !p.metadata.deletionTimestamp)
const replicaSetsOf = async (d: KubeObject) =>
  (await client.list(REPLICASETS, { namespace: NS })).items.filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid))
const condition = (o: KubeObject, type: string) => (o.status?.conditions ?? []).find((c: any) => c.type === type)

before(async () => {
  etcd = await startEtcd()
  dir = await mkdtemp(join(tmpdir(), 'kubebox-workloads-'))
  running = await serve({
    runtime: 'fake',
    nodes: 2,
    nodeName: 'node',
    etcdServers: [etcd.endpoint],
    port: 0,
    bindAddress: '127.0.0.1',
    dataDir: dir,
    serviceClusterIpRange: '10.96.0.0/12',
    log: silentLogger(),
  })
  client = new LoopbackClient(running.apiServer)
  // The default ServiceAccount is needed by nothing here, but the namespace must exist (it does from the start).
})

after(async () => {
  await running?.stop()
  await etcd?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('Deployment and ReplicaSet controllers', { timeout: 180_000 }, () => {
  let web: KubeObject

  it('a deployment of 3 replicas becomes Available with the status rollout status expects', async () => {
    await client.create(DEPLOYMENTS, NS, deployment('web', 3))
    web = await rolledOut('web')
    assert.equal(web.status.observedGeneration, web.metadata.generation)
    assert.equal(web.status.replicas, 3)
    assert.equal(web.status.updatedReplicas, 3)
    assert.equal(web.status.readyReplicas, 3)
    assert.equal(web.status.availableReplicas, 3)
    assert.equal(web.status.unavailableReplicas, undefined, 'zero counts are left out, as Go omitempty does')
    assert.deepEqual([condition(web, 'Available').status, condition(web, 'Available').reason], ['True', 'MinimumReplicasAvailable'])
    assert.deepEqual([condition(web, 'Progressing').status, condition(web, 'Progressing').reason], ['True', 'NewReplicaSetAvailable'])
    assert.equal(web.metadata.annotations?.['deployment.kubernetes.io/revision'], '1')

    const [rs, ...more] = await replicaSetsOf(web)
    assert.ok(rs)
    assert.equal(more.length, 0)
    const hash = rs.metadata.labels?.['pod-template-hash']
    assert.match(hash ?? '', /^[bcdfghjklmnpqrstvwxz2456789]+$/)
    assert.equal(rs.metadata.name, `web-${hash}`)
    assert.deepEqual(rs.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash })
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1')
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3')
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4')
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: web.metadata.uid, controller: true, blockOwnerDeletion: true }])
    assert.equal(rs.status.observedGeneration, rs.metadata.generation)
    assert.deepEqual([rs.status.replicas, rs.status.fullyLabeledReplicas, rs.status.readyReplicas, rs.status.availableReplicas], [3, 3, 3, 3])

    const pods = await podsOf('web')
    assert.equal(pods.length, 3)
    for (const pod of pods) {
      assert.ok(pod.metadata.name!.startsWith(`${rs.metadata.name}-`))
      assert.equal(pod.metadata.generateName, `${rs.metadata.name}-`)
      assert.equal(pod.metadata.labels?.['pod-template-hash'], hash)
      assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }])
      assert.equal(pod.status.phase, 'Running')
    }
    // Both nodes get pods (the scheduler spreads them).
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 2)

    const events = await waitFor('a ScalingReplicaSet event', async () => {
      const list = (await client.list(EVENTS, { namespace: NS, fieldSelector: `involvedObject.name=web,involvedObject.kind=Deployment` })).items
      return list.length > 0 && list
    }, POLL)
    assert.equal(events[0]!.reason, 'ScalingReplicaSet')
    assert.equal(events[0]!.message, `Scaled up replica set ${rs.metadata.name} from 0 to 3`)
    assert.equal(events[0]!.source.component, 'deployment-controller')
    const rsEvents = (await client.list(EVENTS, { namespace: NS, fieldSelector: `involvedObject.name=${rs.metadata.name}` })).items
    assert.ok(rsEvents.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-/.test(e.message)))
  })

  it('scales up and down through the scale subresource', async () => {
    await client.patch(DEPLOYMENTS, NS, 'web', 'application/merge-patch+json', { spec: { replicas: 5 } }, 'scale')
    let d = await rolledOut('web')
    assert.equal(d.status.availableReplicas, 5)
    assert.equal((await activePodsOf('web')).length, 5)
    await client.patch(DEPLOYMENTS, NS, 'web', 'application/merge-patch+json', { spec: { replicas: 2 } }, 'scale')
    // As in Kubernetes, rollout status is satisfied at once by a scale-down; status.replicas follows the pods.
    d = await waitFor('status.replicas 2', async () => {
      const x = await rolledOut('web')
      return x.status.replicas === 2 && x
    }, POLL)
    assert.equal(d.status.availableReplicas, 2)
    await waitFor('2 pods left', async () => (await podsOf('web')).length === 2, POLL)
    const [rs] = await replicaSetsOf(d)
    assert.equal(rs!.spec.replicas, 2)
    assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '2')
  })

  it('an image change rolls through a second ReplicaSet, the first scaled to 0', async () => {
    await client.patch(DEPLOYMENTS, NS, 'web', 'application/merge-patch+json', { spec: { replicas: 4 } })
    await rolledOut('web')
    await client.patch(DEPLOYMENTS, NS, 'web', 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } })
    const d = await rolledOut('web')
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2')
    assert.equal(d.status.updatedReplicas, 4)
    const rss = await replicaSetsOf(d)
    assert.equal(rss.length, 2)
    const [oldRS, newRS] = rss.sort((a, b) => Number(a.metadata.annotations!['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations!['deployment.kubernetes.io/revision']))
    assert.equal(oldRS!.spec.replicas, 0)
    assert.equal(newRS!.spec.replicas, 4)
    assert.equal(newRS!.spec.template.spec.containers[0].image, 'nginx:1.26')
    await waitFor('only new pods', async () => {
      const pods = await podsOf('web')
      return pods.length === 4 && pods.every((p) => p.spec.containers[0].image === 'nginx:1.26')
    }, POLL)
    const events = (await client.list(EVENTS, { namespace: NS, fieldSelector: 'involvedObject.name=web,reason=ScalingReplicaSet' })).items.map((e) => e.message)
    assert.ok(events.some((m) => m.startsWith(`Scaled up replica set ${newRS!.metadata.name} from 0 to `)), events.join('\n'))
    assert.ok(events.some((m) => m.startsWith(`Scaled down replica set ${oldRS!.metadata.name} from `)), events.join('\n'))
  })

  it('rolls back as `kubectl rollout undo` does: the old template patched back reuses the old ReplicaSet as revision 3', async () => {
    const d = await client.get(DEPLOYMENTS, NS, 'web')
    const rss = await replicaSetsOf(d)
    const previous = rss.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '1')!
    const template = structuredClone(previous.spec.template)
    delete template.metadata.labels['pod-template-hash']
    template.metadata.creationTimestamp = null // what Go's JSON of a PodTemplateSpec carries
    await client.patch(DEPLOYMENTS, NS, 'web', 'application/json-patch+json', [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': d.metadata.annotations!['deployment.kubernetes.io/revision'] } },
    ])
    const back = await rolledOut('web')
    assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '3')
    const after = await replicaSetsOf(back)
    assert.equal(after.length, 2, 'no third ReplicaSet')
    const revived = after.find((rs) => rs.metadata.uid === previous.metadata.uid)!
    assert.equal(revived.metadata.annotations?.['deployment.kubernetes.io/revision'], '3')
    assert.equal(revived.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1')
    assert.equal(revived.spec.replicas, 4)
    assert.equal(after.find((rs) => rs !== revived)!.spec.replicas, 0)
    await waitFor('pods back on nginx:1.25', async () => {
      const pods = await podsOf('web')
      return pods.length === 4 && pods.every((p) => p.spec.containers[0].image === 'nginx:1.25')
    }, POLL)
  })

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    await client.create(DEPLOYMENTS, NS, deployment('hist', 1, 'busybox:1', { revisionHistoryLimit: 1 }))
    await rolledOut('hist')
    for (const tag of ['2', '3', '4']) {
      await client.patch(DEPLOYMENTS, NS, 'hist', 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'nginx', image: `busybox:${tag}` }] } } } })
      await rolledOut('hist')
    }
    const d = await client.get(DEPLOYMENTS, NS, 'hist')
    const rss = await waitFor('old ReplicaSets cleaned up', async () => {
      const list = await replicaSetsOf(d)
      return list.length === 2 && list
    }, POLL)
    assert.deepEqual(rss.map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort(), ['3', '4'])
  })

  it('Recreate takes every old pod down before new ones start', async () => {
    await client.create(DEPLOYMENTS, NS, deployment('rec', 2, 'busybox:1', { strategy: { type: 'Recreate' } }))
    await rolledOut('rec')
    await client.patch(DEPLOYMENTS, NS, 'rec', 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'busybox:2' }] } } } })
    const d = await rolledOut('rec')
    const rss = await replicaSetsOf(d)
    assert.deepEqual(rss.map((rs) => rs.spec.replicas).sort(), [0, 2])
    const events = (await client.list(EVENTS, { namespace: NS, fieldSelector: 'involvedObject.name=rec,reason=ScalingReplicaSet' })).items
    const downAt = events.findIndex((e) => e.message.startsWith('Scaled down'))
    const upAgainAt = events.findLastIndex((e) => e.message.startsWith('Scaled up'))
    assert.ok(downAt >= 0 && upAgainAt > downAt, events.map((e) => e.message).join('\n'))
  })

  it('replaces a deleted pod and adopts an orphan it selects', async () => {
    const [victim] = await activePodsOf('web')
    await client.delete(PODS, NS, victim!.metadata.name!)
    await waitFor('a replacement pod', async () => {
      const pods = await activePodsOf('web')
      return pods.length === 4 && !pods.some((p) => p.metadata.uid === victim!.metadata.uid)
    }, POLL)
    const d = await client.get(DEPLOYMENTS, NS, 'web')
    const rs = (await replicaSetsOf(d)).find((x) => x.spec.replicas > 0)!
    // An orphan with the ReplicaSet's labels: adopted, and one pod too many is deleted.
    await client.create(PODS, NS, { metadata: { name: 'stray', labels: { ...rs.spec.template.metadata.labels } }, spec: rs.spec.template.spec })
    await waitFor('the orphan adopted', async () => {
      const stray = await client.get(PODS, NS, 'stray').catch(() => undefined)
      return !stray || stray.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid
    }, POLL)
    await waitFor('back to 4 pods', async () => (await activePodsOf('web')).length === 4, POLL)
  })
})

describe('garbage collector', { timeout: 120_000 }, () => {
  it('background: deleting a deployment removes its ReplicaSets and pods', async () => {
    const d = await client.get(DEPLOYMENTS, NS, 'web')
    const rss = await replicaSetsOf(d)
    await client.delete(DEPLOYMENTS, NS, 'web', { propagationPolicy: 'Background' })
    for (const rs of rss) await waitFor(`ReplicaSet ${rs.metadata.name} gone`, () => gone(REPLICASETS, rs.metadata.name!), POLL)
    await waitFor('pods of web gone', async () => (await podsOf('web')).length === 0, POLL)
  })

  it('foreground: the owner waits with foregroundDeletion until its dependents are gone', async () => {
    await client.create(DEPLOYMENTS, NS, deployment('fg', 2))
    const d = await rolledOut('fg')
    const rss = await replicaSetsOf(d)
    const marked = await client.delete(DEPLOYMENTS, NS, 'fg', { propagationPolicy: 'Foreground' })
    assert.ok(marked.metadata.deletionTimestamp, 'marked for deletion, not deleted')
    assert.deepEqual(marked.metadata.finalizers, ['foregroundDeletion'])
    await waitFor('deployment fg gone', () => gone(DEPLOYMENTS, 'fg'), POLL)
    for (const rs of rss) assert.ok(await gone(REPLICASETS, rs.metadata.name!), 'its ReplicaSets went first')
    assert.equal((await podsOf('fg')).length, 0, 'and their pods')
  })

  it('orphan: the dependents stay, without the ownerReference', async () => {
    await client.create(DEPLOYMENTS, NS, deployment('orph', 2))
    const d = await rolledOut('orph')
    const [rs] = await replicaSetsOf(d)
    const marked = await client.delete(DEPLOYMENTS, NS, 'orph', { propagationPolicy: 'Orphan' })
    assert.deepEqual(marked.metadata.finalizers, ['orphan'])
    await waitFor('deployment orph gone', () => gone(DEPLOYMENTS, 'orph'), POLL)
    const orphan = await client.get(REPLICASETS, NS, rs!.metadata.name!)
    assert.equal(orphan.metadata.ownerReferences, undefined)
    await sleep(500)
    const pods = await activePodsOf('orph')
    assert.equal(pods.length, 2, 'the ReplicaSet keeps running its pods')
    assert.ok(pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs!.metadata.uid))
    // Clean up: the orphaned ReplicaSet, then (GC) its pods.
    await client.delete(REPLICASETS, NS, rs!.metadata.name!)
    await waitFor('orphaned pods collected', async () => (await podsOf('orph')).length === 0, POLL)
  })

  it('deletes an object whose owner never existed, and drops a dead owner from an object with a live one', async () => {
    const cm = { group: '', version: 'v1', resource: 'configmaps' }
    await client.create(cm, NS, { metadata: { name: 'owner' } })
    const owner = await client.get(cm, NS, 'owner')
    const ghost = { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' }
    await client.create(cm, NS, { metadata: { name: 'dangling', ownerReferences: [ghost] } })
    await client.create(cm, NS, {
      metadata: { name: 'shared', ownerReferences: [ghost, { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }] },
    })
    await waitFor('dangling collected', () => gone(cm, 'dangling'), POLL)
    const shared = await waitFor('shared keeps its live owner only', async () => {
      const o = await client.get(cm, NS, 'shared')
      return o.metadata.ownerReferences?.length === 1 && o
    }, POLL)
    assert.equal(shared.metadata.ownerReferences![0]!.uid, owner.metadata.uid)
    await client.delete(cm, NS, 'owner')
    await waitFor('shared collected with its last owner', () => gone(cm, 'shared'), POLL)
  })
})

describe('Job controller', { timeout: 120_000 }, () => {
  const job = (name: string, command: string[], extra: Record<string, unknown> = {}): KubeObject => ({
    metadata: { name },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: name, image: 'busybox', command }] } }, ...extra },
  })

  it('defaults a Job and generates its selector', async () => {
    const created = await client.create(JOBS, NS, job('defaults', ['fake-exit:0'], { suspend: true }))
    assert.equal(created.spec.completions, 1)
    assert.equal(created.spec.parallelism, 1)
    assert.equal(created.spec.backoffLimit, 6)
    assert.equal(created.spec.completionMode, 'NonIndexed')
    assert.deepEqual(created.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': created.metadata.uid } })
    assert.deepEqual(created.spec.template.metadata.labels, {
      'batch.kubernetes.io/controller-uid': created.metadata.uid,
      'batch.kubernetes.io/job-name': 'defaults',
      'controller-uid': created.metadata.uid,
      'job-name': 'defaults',
    })
    await assert.rejects(
      client.patch(JOBS, NS, 'defaults', 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'defaults', image: 'other' }] } } } }),
      (err: ApiError) => err.code === 422 && /spec\.template: Invalid value: .*field is immutable/.test(err.message),
    )
    await assert.rejects(client.create(JOBS, NS, { metadata: { name: 'always' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } }), (err: ApiError) =>
      /spec\.template\.spec\.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/.test(err.message),
    )
    await client.delete(JOBS, NS, 'defaults')
  })

  it('a Job whose pod exits 0 completes', async () => {
    await client.create(JOBS, NS, job('ok', ['fake-exit:0', 'done']))
    const done = await waitFor('job ok Complete', async () => {
      const j = await client.get(JOBS, NS, 'ok')
      return condition(j, 'Complete')?.status === 'True' && j
    }, POLL)
    assert.equal(done.status.succeeded, 1)
    assert.equal(done.status.failed ?? 0, 0)
    assert.equal(done.status.active, 0)
    assert.ok(done.status.startTime && done.status.completionTime)
    assert.equal(condition(done, 'Complete').reason, 'CompletionsReached')
    assert.equal(condition(done, 'SuccessCriteriaMet')?.status, 'True')
    assert.deepEqual(done.status.uncountedTerminatedPods, {})
    const pods = (await client.list(PODS, { namespace: NS, labelSelector: 'job-name=ok' })).items
    assert.equal(pods.length, 1)
    assert.equal(pods[0]!.status.phase, 'Succeeded')
    assert.equal(pods[0]!.metadata.finalizers, undefined, 'the tracking finalizer is removed once counted')
    assert.equal(pods[0]!.metadata.ownerReferences?.[0]?.kind, 'Job')
  })

  it('runs completions pods, parallelism at a time', async () => {
    await client.create(JOBS, NS, job('many', ['fake-exit:0'], { completions: 3, parallelism: 2 }))
    const done = await waitFor('job many Complete', async () => {
      const j = await client.get(JOBS, NS, 'many')
      return condition(j, 'Complete')?.status === 'True' && j
    }, POLL)
    assert.equal(done.status.succeeded, 3)
    assert.equal((await client.list(PODS, { namespace: NS, labelSelector: 'job-name=many' })).items.length, 3)
  })

  it('a Job whose pods keep failing fails with BackoffLimitExceeded after backoffLimit retries', async () => {
    await client.create(JOBS, NS, job('bad', ['fake-exit:1'], { backoffLimit: 1 }))
    const failed = await waitFor(
      'job bad Failed',
      async () => {
        const j = await client.get(JOBS, NS, 'bad')
        return condition(j, 'Failed')?.status === 'True' && j
      },
      { ...POLL, timeoutMs: 60_000 },
    )
    assert.equal(condition(failed, 'Failed').reason, 'BackoffLimitExceeded')
    assert.equal(condition(failed, 'Failed').message, 'Job has reached the specified backoff limit')
    assert.equal(failed.status.failed, 2)
    assert.equal(failed.status.succeeded ?? 0, 0)
    assert.equal(failed.status.completionTime, undefined)
    const pods = (await client.list(PODS, { namespace: NS, labelSelector: 'job-name=bad' })).items
    assert.equal(pods.length, 2)
    assert.ok(pods.every((p) => p.status.phase === 'Failed'))
  })

  it('deleting a Job collects its pods', async () => {
    await client.delete(JOBS, NS, 'ok', { propagationPolicy: 'Background' })
    await waitFor('pods of job ok gone', async () => (await client.list(PODS, { namespace: NS, labelSelector: 'job-name=ok' })).items.length === 0, POLL)
  })
})

describe('Endpoints and EndpointSlices', { timeout: 120_000 }, () => {
  const subsetsOf = async (name: string) => (await client.get(ENDPOINTS, NS, name)).subsets ?? []
  const slicesOf = async (name: string) => (await client.list(SLICES, { namespace: NS, labelSelector: `kubernetes.io/service-name=${name}` })).items

  it('lists ready pods as addresses with the target port resolved by name, and in one EndpointSlice', async () => {
    const d = deployment('api', 3, 'nginx')
    d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 8080 }]
    await client.create(DEPLOYMENTS, NS, d)
    await rolledOut('api')
    const svc = await client.create(SERVICES, NS, { metadata: { name: 'api', labels: { tier: 'backend' } }, spec: { selector: { app: 'api' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } })
    const subsets = await waitFor('3 addresses', async () => {
      const s = await subsetsOf('api')
      return s[0]?.addresses?.length === 3 && s
    }, POLL)
    assert.equal(subsets.length, 1)
    assert.deepEqual(subsets[0].ports, [{ name: 'web', port: 8080, protocol: 'TCP' }])
    assert.equal(subsets[0].notReadyAddresses, undefined)
    const pods = await podsOf('api')
    assert.deepEqual(subsets[0].addresses.map((a: any) => a.ip).sort(), pods.map((p) => p.status.podIP).sort())
    for (const a of subsets[0].addresses) {
      assert.equal(a.targetRef.kind, 'Pod')
      assert.ok(pods.some((p) => p.metadata.uid === a.targetRef.uid && p.spec.nodeName === a.nodeName))
    }
    const ep = await client.get(ENDPOINTS, NS, 'api')
    assert.deepEqual(ep.metadata.labels, { tier: 'backend' })

    const [slice, ...others] = await waitFor('an EndpointSlice with 3 endpoints', async () => {
      const s = await slicesOf('api')
      return s[0]?.endpoints?.length === 3 && s
    }, POLL)
    assert.equal(others.length, 0)
    assert.equal(slice!.addressType, 'IPv4')
    assert.ok(slice!.metadata.name!.startsWith('api-'))
    assert.equal(slice!.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io')
    assert.equal(slice!.metadata.labels?.tier, 'backend')
    assert.deepEqual(slice!.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'api', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }])
    assert.deepEqual(slice!.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }])
    for (const e of slice!.endpoints) {
      assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false })
      assert.ok(e.nodeName)
      assert.equal(e.targetRef.kind, 'Pod')
    }
  })

  it('puts pods that are not ready in notReadyAddresses and marks them not ready in the slice', async () => {
    // A readiness probe that always fails (the fake runtime answers exec `fake-exit:1` with exit code 1).
    await client.create(PODS, NS, {
      metadata: { name: 'api-unready', labels: { app: 'api' } },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { exec: { command: ['fake-exit:1'] }, periodSeconds: 1 } }],
      },
    })
    const pod = await waitFor('the unready pod running with an IP', async () => {
      const p = await client.get(PODS, NS, 'api-unready')
      return p.status?.phase === 'Running' && p.status?.podIP && p
    }, POLL)
    const subsets = await waitFor('a not-ready address', async () => {
      const s = await subsetsOf('api')
      return s[0]?.notReadyAddresses?.length === 1 && s
    }, POLL)
    assert.equal(subsets[0].notReadyAddresses[0].ip, pod.status.podIP)
    assert.equal(subsets[0].addresses.length, 3)
    const [slice] = await waitFor('4 endpoints in the slice', async () => {
      const s = await slicesOf('api')
      return s[0]?.endpoints?.length === 4 && s
    }, POLL)
    const e = slice!.endpoints.find((x: any) => x.targetRef.name === 'api-unready')
    assert.deepEqual(e.conditions, { ready: false, serving: false, terminating: false })
  })

  it('follows pods going away: scaled-down pods leave Endpoints', async () => {
    await client.delete(PODS, NS, 'api-unready', { gracePeriodSeconds: 0 })
    await client.patch(DEPLOYMENTS, NS, 'api', 'application/merge-patch+json', { spec: { replicas: 1 } })
    await waitFor('one address left', async () => {
      const s = await subsetsOf('api')
      return s.length === 1 && s[0].addresses?.length === 1 && !s[0].notReadyAddresses && s
    }, POLL)
    await waitFor('one endpoint left in the slice', async () => {
      const s = await slicesOf('api')
      return s.length === 1 && s[0]!.endpoints.length === 1
    }, POLL)
  })

  it('a service selecting nothing has no subsets and a placeholder slice; deleting it removes both', async () => {
    await client.create(SERVICES, NS, { metadata: { name: 'empty' }, spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] } })
    const ep = await waitFor('empty Endpoints', async () => client.get(ENDPOINTS, NS, 'empty').catch(() => undefined), POLL)
    assert.equal(ep.subsets, undefined)
    const [slice] = await waitFor('a placeholder slice', async () => {
      const s = await slicesOf('empty')
      return s.length === 1 && s
    }, POLL)
    assert.deepEqual(slice!.endpoints, [])
    await client.delete(SERVICES, NS, 'empty')
    await waitFor('Endpoints gone', () => gone(ENDPOINTS, 'empty'), POLL)
    await waitFor('slices gone', async () => (await slicesOf('empty')).length === 0, POLL)
  })

  it('leaves services without a selector alone', async () => {
    await client.create(SERVICES, NS, { metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } })
    await client.create(ENDPOINTS, NS, { metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }] })
    await sleep(500)
    assert.deepEqual((await client.get(ENDPOINTS, NS, 'manual')).subsets, [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }])
    assert.equal((await slicesOf('manual')).length, 0)
  })
})
