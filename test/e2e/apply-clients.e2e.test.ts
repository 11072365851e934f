/**
 * Patch and server-side apply from the client libraries against `cluster serve`:
 * - @kubernetes/client-node 2.x: KubernetesObjectApi.patch (strategic merge patch by default) and server-side
 *   apply (PatchStrategy.ServerSideApply with a fieldManager; a conflict, force, create-on-apply);
 * - the Python client (Debian's python3-kubernetes): test/e2e/python/apply_patch.py patches a ConfigMap with a dict
 *   (strategic) and a list (JSON patch) body, and applies server-side with a field manager.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ApiException, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1Container, type V1Deployment } from '@kubernetes/client-node'
import { repoRoot, startServer, type ServerProcess } from '../helpers/server-process.ts'

const NS = 'apply-node'

const deployment = (containers: V1Container[], replicas?: number): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
  },
})

/** manager/operation → whether its entry owns the FieldsV1 path. */
function owns(obj: KubernetesObject, manager: string, operation: string, path: string[]): boolean {
  return (obj.metadata?.managedFields ?? []).some((e) => {
    if (e.manager !== manager || e.operation !== operation) return false
    let node: any = e.fieldsV1
    for (const p of path) node = node?.[p]
    return node !== undefined
  })
}

function runPython(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/python3', [join(repoRoot, 'test/e2e/python/apply_patch.py'), ...args], { timeout: 90_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

describe('patch and server-side apply from client libraries', () => {
  let server: ServerProcess
  let objects: KubernetesObjectApi

  before(async () => {
    server = await startServer()
    const kc = new KubeConfig()
    kc.loadFromFile(server.kubeconfig)
    objects = KubernetesObjectApi.makeApiClient(kc)
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } })
  })
  after(async () => {
    await server?.stop()
  })

  it('client-node: server-side apply creates (create-on-apply), KubernetesObjectApi.patch merges strategically', async () => {
    const created = await objects.patch(deployment([{ name: 'app', image: 'example.com/app:1' }], 2), undefined, undefined, 'node-ssa', undefined, PatchStrategy.ServerSideApply)
    assert.equal(created.spec?.replicas, 2)
    assert.ok(owns(created, 'node-ssa', 'Apply', ['f:spec', 'f:replicas']))
    assert.ok(owns(created, 'node-ssa', 'Apply', ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image']))

    // The default patch strategy of KubernetesObjectApi: strategic merge (containers merge by name).
    const patched = await objects.patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS }, spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'X', value: '1' }] }] } } } } as V1Deployment,
      undefined,
      undefined,
      'node-patch',
    )
    const app = patched.spec!.template.spec!.containers[0]!
    assert.equal(app.image, 'example.com/app:1')
    assert.deepEqual(JSON.parse(JSON.stringify(app.env)), [{ name: 'X', value: '1' }])
    assert.ok(owns(patched, 'node-patch', 'Update', ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"app"}', 'f:env']))
  })

  it('client-node: a conflicting apply is a 409 with the conflicting fields; force takes them; dropped fields go', async () => {
    // `node-patch` owns the env var and `node-ssa` the image: another applier changing both conflicts with both.
    let failure: ApiException<unknown> | undefined
    try {
      await objects.patch(deployment([{ name: 'app', image: 'example.com/app:2', env: [{ name: 'X', value: '2' }] }]), undefined, undefined, 'other-ssa', false, PatchStrategy.ServerSideApply)
    } catch (err) {
      failure = err as ApiException<unknown>
    }
    assert.ok(failure instanceof ApiException, `expected an ApiException, got ${failure}`)
    assert.equal(failure.code, 409)
    const status = typeof failure.body === 'string' ? JSON.parse(failure.body) : failure.body
    assert.equal(status.reason, 'Conflict')
    assert.equal(
      status.message,
      'Apply failed with 2 conflicts: conflicts with "node-patch" using apps/v1:\n- .spec.template.spec.containers[name="app"].env[name="X"].value\nconflicts with "node-ssa":\n- .spec.template.spec.containers[name="app"].image',
    )
    assert.deepEqual(
      status.details.causes.map((c: any) => [c.reason, c.field]).sort(),
      [
        ['FieldManagerConflict', '.spec.template.spec.containers[name="app"].env[name="X"].value'],
        ['FieldManagerConflict', '.spec.template.spec.containers[name="app"].image'],
      ],
    )

    const forced = await objects.patch(deployment([{ name: 'app', image: 'example.com/app:2', env: [{ name: 'X', value: '2' }] }]), undefined, undefined, 'other-ssa', true, PatchStrategy.ServerSideApply)
    assert.equal(forced.spec!.template.spec!.containers[0]!.image, 'example.com/app:2')
    assert.ok(owns(forced, 'other-ssa', 'Apply', ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image']))
    assert.ok(!owns(forced, 'node-ssa', 'Apply', ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image']))

    // node-ssa applies again without replicas: it alone owned them, so they go (and the server defaults them to 1).
    const reapplied = await objects.patch(deployment([{ name: 'app' }]), undefined, undefined, 'node-ssa', false, PatchStrategy.ServerSideApply)
    assert.equal(reapplied.spec!.replicas, 1)
    assert.equal(reapplied.spec!.template.spec!.containers[0]!.image, 'example.com/app:2')
  })

  it('Python client: dict (strategic) and list (JSON patch) bodies, server-side apply with a field manager', async () => {
    const r = await runPython([server.kubeconfig, 'apply-python'])
    assert.equal(r.code, 0, `apply_patch.py failed (${r.code})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nserver:\n${server.output()}`)
    const lines = r.stdout.trim().split('\n')
    const out = JSON.parse(lines[lines.length - 1]!)

    // The manager of a request without fieldManager is the User-Agent's product.
    assert.deepEqual(out.created_managers, { 'OpenAPI-Generator/Update': ['f:a'] })
    assert.deepEqual(out.strategic, { a: '1', b: '2' })
    assert.deepEqual(out.json_patch, { a: '1', b: '2', c: '3' })
    assert.deepEqual(out.patched_managers, { 'OpenAPI-Generator/Update': ['f:a'], 'py-strategic/Update': ['f:b'], 'py-json/Update': ['f:c'] })

    assert.equal(out.conflict.code, 409)
    assert.equal(out.conflict.reason, 'Conflict')
    assert.equal(out.conflict.message, 'Apply failed with 1 conflict: conflict with "OpenAPI-Generator" using v1: .data.a')
    assert.deepEqual(out.conflict.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "OpenAPI-Generator" using v1', field: '.data.a' }])

    assert.equal(out.forced.status, 200)
    assert.deepEqual(out.forced.data, { a: 'applied', b: '2', c: '3' })
    assert.deepEqual(out.forced.managers['py-ssa/Apply'], ['f:a'])
    assert.deepEqual(out.forced.managers['OpenAPI-Generator/Update'], [])

    assert.deepEqual(out.reapplied.data, { b: '2', c: '3', d: '4' })
    assert.deepEqual(out.reapplied.managers['py-ssa/Apply'], ['f:d'])

    assert.equal(out.created_by_apply.status, 201)
    assert.deepEqual(out.created_by_apply.data, { x: 'y' })
    assert.deepEqual(out.created_by_apply.managers, { 'py-ssa/Apply': ['f:x'] })
    assert.match(out.created_by_apply.uid, /^[0-9a-f-]{36}$/)

    assert.deepEqual(out.no_manager, { status: 422, reason: 'Invalid' })
  })
})
