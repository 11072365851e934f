// A test suite that embeds a throwaway cluster with node:test and talks to it with @kubernetes/client-node.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import * as k8s from '@kubernetes/client-node'
import { startCluster, type Cluster } from 'kubebox'

let cluster: Cluster
let core: k8s.CoreV1Api

before(async () => {
  cluster = await startCluster({ store: 'memory', runtime: 'fake' })
  const kc = new k8s.KubeConfig()
  kc.loadFromString(cluster.kubeconfig)
  core = kc.makeApiClient(k8s.CoreV1Api)
})

after(() => cluster.stop())

test('a ConfigMap round-trips', async () => {
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { mode: 'fast' } } })
  const read = await core.readNamespacedConfigMap({ namespace: 'default', name: 'settings' })
  assert.equal(read.data?.mode, 'fast')
})

test('the node is Ready and a pod on it runs', async () => {
  const nodes = await core.listNode()
  assert.equal(nodes.items.length, 1)
  const node = nodes.items[0].metadata!.name!
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { nodeName: node, containers: [{ name: 'web', image: 'nginx' }] } } })
  for (let i = 0; i < 100; i++) {
    const pod = await core.readNamespacedPod({ namespace: 'default', name: 'web' })
    if (pod.status?.phase === 'Running') return
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.fail('the pod did not reach Running')
})
