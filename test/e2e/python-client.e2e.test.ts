/**
 * The Python client (Debian's python3-kubernetes, run by /usr/bin/python3) against `cluster serve`:
 * test/e2e/python/core_api.py drives CoreV1Api and Watch and prints what it saw as JSON; this test asserts on it.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { repoRoot, startServer, type ServerProcess } from '../helpers/server-process.ts'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(repoRoot, 'test/e2e/python/core_api.py')

function runPython(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, [SCRIPT, ...args], { timeout: 90_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

describe('Python kubernetes client against cluster serve', () => {
  let server: ServerProcess
  before(async () => {
    server = await startServer()
  })
  after(async () => {
    await server?.stop()
  })

  it('core_api.py: CRUD, patches of each kind, watch, ApiException', async () => {
    const r = await runPython([server.kubeconfig, 'python'])
    assert.equal(r.code, 0, `core_api.py failed (${r.code})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nserver:\n${server.output()}`)
    const lines = r.stdout.trim().split('\n')
    const out = JSON.parse(lines[lines.length - 1]!)

    assert.deepEqual(out.initial_pods, [])
    assert.equal(out.created.name, 'py-pod')
    assert.equal(out.created.namespace, 'python')
    assert.match(out.created.uid, /^[0-9a-f-]{36}$/)
    assert.match(out.created.resourceVersion, /^\d+$/)
    assert.match(out.created.creationTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/)
    assert.equal(out.created.phase, 'Pending')
    assert.equal(out.created.restartPolicy, 'Always')
    assert.equal(out.created.dnsPolicy, 'ClusterFirst')
    assert.equal(out.read_uid, out.created.uid)
    assert.deepEqual(out.listed, ['py-other', 'py-pod'])
    assert.deepEqual(out.selected, ['py-pod'])
    assert.deepEqual(out.field_selected, ['py-other'])

    assert.deepEqual(out.merge_patched_labels, { app: 'py', patched: 'merge' })
    assert.deepEqual(out.strategic_patched_labels, { app: 'py', patched: 'strategic' })
    assert.deepEqual(out.json_patched_annotations, { note: 'json' })

    assert.deepEqual(out.cm_read, { a: '1' })
    assert.deepEqual(out.cm_patched, { a: '1', b: '2' })
    assert.deepEqual(out.cm_replaced, { replaced: 'yes' })
    assert.equal(out.conflict.reason, 'Conflict')
    assert.match(out.conflict.message, /Operation cannot be fulfilled on configmaps "py-cm": the object has been modified/)
    assert.deepEqual(out.cm_listed, ['py-cm'])
    assert.deepEqual(out.finalizers_merge, ['example.com/b'])
    // Merged, the patch's new items first (apimachinery's mergeSortedSlice puts items the live list lacks first).
    assert.deepEqual(out.finalizers_strategic, ['example.com/c', 'example.com/b'])
    assert.equal(out.cm_after_delete, 'NotFound')

    // Resumed from a resourceVersion (watch=True, as Python spells it): the three changes, in order.
    assert.deepEqual(out.watch_events.map((e: any[]) => [e[0], e[1]]), [['ADDED', '1'], ['MODIFIED', '2'], ['DELETED', '2']])
    const rvs = out.watch_events.map((e: any[]) => e[2])
    assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], `resourceVersions grow: ${rvs}`)
    assert.deepEqual(out.watch_initial, [['ADDED', 'py-other'], ['ADDED', 'py-pod']])
    assert.ok(out.watch_timeout_seconds >= 0.9 && out.watch_timeout_seconds < 10, `the server ends a watch at timeoutSeconds (took ${out.watch_timeout_seconds} s)`)

    assert.equal(out.deleted_name, 'py-pod')
    assert.deepEqual(out.not_found, { reason: 'NotFound', message: 'pods "py-pod" not found', details: { name: 'py-pod', kind: 'pods' } })
    assert.deepEqual(out.invalid, { reason: 'Invalid', kind: 'Pod', field: 'metadata.name' })
  })
})
