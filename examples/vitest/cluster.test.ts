// A test suite that embeds a throwaway cluster with Vitest.
import * as k8s from '@kubernetes/client-node'
import { startCluster, type Cluster } from 'kubebox'
import { afterAll, beforeAll, expect, test } from 'vitest'

let cluster: Cluster
let core: k8s.CoreV1Api

beforeAll(async () => {
  cluster = await startCluster({ store: 'memory', runtime: 'fake' })
  const kc = new k8s.KubeConfig()
  kc.loadFromString(cluster.kubeconfig)
  core = kc.makeApiClient(k8s.CoreV1Api)
})

afterAll(() => cluster.stop())

test('namespaces start with the system ones', async () => {
  const names = (await core.listNamespace()).items.map((n) => n.metadata?.name)
  expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']))
})

test('a duplicate create is a 409 AlreadyExists', async () => {
  const body = { metadata: { name: 'once' } }
  await core.createNamespacedServiceAccount({ namespace: 'default', body })
  await expect(core.createNamespacedServiceAccount({ namespace: 'default', body })).rejects.toMatchObject({ code: 409 })
})
