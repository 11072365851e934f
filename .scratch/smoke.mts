import { ApiServer } from '/work/main/src/apiserver/api-server.ts'
import { EventBus } from '/work/main/src/bus/bus.ts'
import { silentLogger } from '/work/main/src/log/logger.ts'
import { MemoryStore } from '/work/main/src/store/memory-store.ts'
const store = new MemoryStore()
const server = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
await server.start()
const { port } = await server.listen(0)
const base = `http://127.0.0.1:${port}`
async function req(method: string, path: string, body: unknown, ct = 'application/json', ua = 'kubectl/v1.32.0') {
  const r = await fetch(base + path, { method, headers: { 'content-type': ct, 'user-agent': ua }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: r.status, body: await r.json() }
}
const cm = (data: any) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data })
let r = await req('POST', '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-client-side-apply', cm({ key: 'a', other: 'x' }))
console.log(r.status, JSON.stringify(r.body.metadata.managedFields))
r = await req('PATCH', '/api/v1/namespaces/default/configmaps/c?fieldManager=kubectl&force=false', cm({ key: 'b' }), 'application/apply-patch+yaml')
console.log(r.status, JSON.stringify(r.body))
r = await req('PATCH', '/api/v1/namespaces/default/configmaps/c?fieldManager=kubectl&force=true', cm({ key: 'b', mine: '1' }), 'application/apply-patch+yaml')
console.log(r.status, JSON.stringify(r.body.data), JSON.stringify(r.body.metadata.managedFields))
r = await req('PATCH', '/api/v1/namespaces/default/configmaps/c?fieldManager=kubectl', cm({ key: 'b' }), 'application/apply-patch+yaml')
console.log(r.status, JSON.stringify(r.body.data), JSON.stringify(r.body.metadata.managedFields))
r = await req('PATCH', '/api/v1/namespaces/default/configmaps/new?fieldManager=mgr', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\ndata:\n  a: "1"\n', 'application/apply-patch+yaml')
console.log(r.status, JSON.stringify(r.body.data), JSON.stringify(r.body.metadata.managedFields))
r = await req('PATCH', '/api/v1/namespaces/default/configmaps/new', cm({}), 'application/apply-patch+yaml')
console.log(r.status, JSON.stringify(r.body))
const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] }] } } } }
r = await req('POST', '/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create', dep)
console.log(r.status, JSON.stringify(r.body.metadata.managedFields, null, 1))
const d2 = structuredClone(dep) as any; delete d2.spec.replicas; d2.spec.template.spec.containers[0].image = 'nginx:2'
r = await req('PATCH', '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=kubectl', d2, 'application/apply-patch+yaml')
console.log(r.status, JSON.stringify(r.body.message ?? r.body.metadata.managedFields), JSON.stringify(r.body.details))
await server.stop()
