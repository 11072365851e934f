/**
 * StatefulSets, DaemonSets and CronJobs with the real kubectl 1.31 against `cluster serve` (a real etcd, the fake
 * runtime, two nodes): apply, rollout status, scale, set image, delete; `create job --from=cronjob`.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { kubectlClient, waitFor, type KubectlClient } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const POLL = { timeoutMs: 60_000, intervalMs: 250 }
let server: ServerProcess
let k: KubectlClient
const ok = async (args: string[], stdin?: string) => (await k.ok(args, stdin === undefined ? undefined : { stdin })).stdout
const names = async (...args: string[]) => (await k.getJson(...args)).items.filter((o: any) => !o.metadata.deletionTimestamp).map((o: any) => o.metadata.name).sort()

before(async () => {
  server = await startServer({ args: ['--runtime', 'fake', '--nodes', '2'] })
  k = kubectlClient('1.31', { kubeconfig: server.kubeconfig, cacheDir: join(server.dir, 'kube-cache'), timeoutMs: 120_000 })
})

after(async () => {
  await server?.stop()
})

const STATEFULSET = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.25"}]}
  volumeClaimTemplates:
  - metadata: {name: www}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`

const DAEMONSET = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "busybox:1.36"}]}
`

describe('kubectl 1.31: statefulsets, daemonsets, cronjobs', { timeout: 300_000 }, () => {
  it('statefulset: apply, rollout status, pods web-0..2 and their claims', async () => {
    await ok(['apply', '-f', '-'], STATEFULSET)
    assert.match(await ok(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete|rolling update complete/)
    assert.deepEqual(await names('pods', '-l', 'app=web'), ['web-0', 'web-1', 'web-2'])
    assert.deepEqual(await names('pvc'), ['www-web-0', 'www-web-1', 'www-web-2'])
    assert.match(await ok(['get', 'statefulset', 'web']), /\nweb\s+3\/3\s+/)
  })

  it('statefulset: set image rolls out; scale down removes the highest ordinals', async () => {
    await ok(['set', 'image', 'statefulset/web', 'nginx=nginx:1.26'])
    // Defaulting sets rollingUpdate.partition: 0, so kubectl reports a partitioned roll out, as on a real cluster.
    assert.match(await ok(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 3 new pods have been updated|rolling update complete/)
    const pods = (await k.getJson('pods', '-l', 'app=web')).items.filter((p: any) => !p.metadata.deletionTimestamp)
    assert.deepEqual(pods.map((p: any) => p.spec.containers[0].image), ['nginx:1.26', 'nginx:1.26', 'nginx:1.26'])
    assert.match(await ok(['rollout', 'history', 'statefulset/web']), /\n2\s/)
    await ok(['scale', 'statefulset/web', '--replicas=1'])
    await waitFor('only web-0', async () => JSON.stringify(await names('pods', '-l', 'app=web')) === '["web-0"]', POLL)
  })

  it('daemonset: one pod per node, rollout status completes', async () => {
    await ok(['apply', '-f', '-'], DAEMONSET)
    assert.match(await ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']), /successfully rolled out/)
    const pods = (await k.getJson('pods', '-l', 'app=agent')).items
    assert.equal(pods.length, 2)
    assert.equal(new Set(pods.map((p: any) => p.spec.nodeName)).size, 2)
    await ok(['set', 'image', 'daemonset/agent', 'agent=busybox:1.37'])
    assert.match(await ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']), /successfully rolled out/)
    assert.match(await ok(['get', 'daemonset', 'agent']), /\nagent\s+2\s+2\s+2\s+2\s+2\s+/)
  })

  it('cronjob: create, create job --from=cronjob, delete removes its jobs', async () => {
    await ok(['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '--', 'fake-exit:0'])
    await ok(['create', 'job', 'manual', '--from=cronjob/nightly'])
    await waitFor('manual job complete', async () => (await k.getJson('job', 'manual')).status?.succeeded === 1, POLL)
    assert.match(await ok(['get', 'cronjob', 'nightly']), /\nnightly\s+0 3 \* \* \*\s+/)
    await ok(['delete', 'statefulset/web', 'daemonset/agent', 'cronjob/nightly'])
    await waitFor('pods gone', async () => (await names('pods', '-l', 'app in (web,agent)')).length === 0, POLL)
  })
})
