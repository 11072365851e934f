// A test suite that embeds a throwaway cluster with Jest (native ESM: run with --experimental-vm-modules).
import { startCluster } from 'kubebox'

let cluster

beforeAll(async () => {
  cluster = await startCluster({ store: 'memory', runtime: 'fake' })
})

afterAll(() => cluster.stop())

test('the API answers with the cluster version', async () => {
  const res = await fetch(`${cluster.server}/version`)
  expect(res.status).toBe(200)
  expect((await res.json()).major).toBe('1')
})

test('a missing pod is a NotFound Status', async () => {
  const res = await fetch(`${cluster.server}/api/v1/namespaces/default/pods/nope`)
  expect(res.status).toBe(404)
  expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found' })
})
