/**
 * Who wrote what, in metadata.managedFields, as on a real cluster: the controllers' writes are
 * kube-controller-manager's, the scheduler's Events kube-scheduler's, the kubelet's node and pod status the
 * kubelet's, the namespaces made at boot kube-apiserver's. (Users and tools read these names: `kubectl get
 * --show-managed-fields`, server-side apply conflicts, GitOps tools that ignore the controllers' fields.)
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import { LoopbackClient } from '../../src/client/loopback-client.ts'
import { serveInProcess, type InProcessServer } from '../helpers/in-process-serve.ts'
import { waitFor } from '../helpers/kubectl.ts'

const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' }
const PODS = { group: '', version: 'v1', resource: 'pods' }
const NODES = { group: '', version: 'v1', resource: 'nodes' }
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' }
const EVENTS = { group: '', version: 'v1', resource: 'events' }
const POLL = { timeoutMs: 30_000, intervalMs: 50 }

const managers = (obj: KubeObject) =>
  (obj.metadata.managedFields ?? []).map((e: any) => [e.manager, e.operation, e.subresource].filter(Boolean).join('/')).sort()

let server: InProcessServer

before(async () => {
  server = await serveInProcess()
})

after(async () => {
  await server?.stop()
})

describe('field managers of the cluster’s own components', () => {
  it('name kube-controller-manager, kube-scheduler, kubelet and kube-apiserver as upstream does', async () => {
    const user = new LoopbackClient(server.running.apiServer, 'tester')
    await user.create(DEPLOYMENTS, 'default', {
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      },
    })
    const pod = await waitFor('a running pod of web', async () => {
      const { items } = await user.list(PODS, { namespace: 'default', labelSelector: 'app=web' })
      return items.find((p) => p.status?.phase === 'Running')
    }, POLL)
    assert.deepEqual(managers(pod), ['kube-controller-manager/Update', 'kubelet/Update/status'])

    const deployment = await waitFor('web available', async () => {
      const d = await user.get(DEPLOYMENTS, 'default', 'web')
      return d.status?.availableReplicas === 1 && d
    }, POLL)
    // The controller's Update: the revision annotation; its status write: the status.
    assert.deepEqual(managers(deployment), ['kube-controller-manager/Update', 'kube-controller-manager/Update/status', 'tester/Update'])

    const scheduled = await waitFor('the Scheduled event', async () => {
      const { items } = await user.list(EVENTS, { namespace: 'default' })
      return items.find((e) => e.reason === 'Scheduled' && e.involvedObject?.name === pod.metadata.name)
    }, POLL)
    assert.deepEqual(managers(scheduled), ['kube-scheduler/Update'])

    const [node] = (await user.list(NODES)).items
    assert.ok(managers(node!).every((m) => m.startsWith('kubelet/')), managers(node!).join(', '))
    assert.deepEqual(managers(await user.get(NAMESPACES, '', 'default')), ['kube-apiserver/Update'])
  })
})
