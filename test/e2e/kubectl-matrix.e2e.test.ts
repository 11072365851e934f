/**
 * The compatibility matrix: every kubectl from 1.27 to 1.33 runs the same script against one `cluster serve`
 * (fake runtime, real etcd), each version in its own namespace with a fresh discovery cache, one after the other:
 * create from a file (strict validation), client-side apply three times (add, change and remove fields and list
 * items), server-side apply with a conflicting change (exit 1, then `--force-conflicts`), patch three ways, edit
 * through KUBE_EDITOR, scale, explain and delete. The object is checked with `get -o json` after each step.
 * Manifests are JSON: YAML 1.1, as kubectl reads it, would turn names like `Y` into booleans.
 */
import assert from 'node:assert/strict'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { freshCacheDir, kubectl, KUBECTL_VERSIONS, retry, type KubectlResult, type KubectlVersion } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const env = (pairs: Record<string, string>) => Object.entries(pairs).map(([name, value]) => ({ name, value }))

function deployment(containers: unknown[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      ...extra,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
    },
  }
}

/** What each step writes: created with 2 replicas, then applied without replicas (client-side apply never sets them). */
const MANIFESTS = {
  'create.json': deployment([{ name: 'app', image: 'example.com/app:1', env: env({ A: '1' }) }], { replicas: 2 }),
  'apply-1.json': deployment([{ name: 'app', image: 'example.com/app:1', env: env({ A: '1', B: '2' }) }]),
  'apply-2.json': deployment([
    { name: 'app', image: 'example.com/app:2', env: env({ A: '1', B: '2' }) },
    { name: 'sidecar', image: 'example.com/sidecar:1' },
  ]),
  'apply-3.json': deployment([{ name: 'app', image: 'example.com/app:2', env: env({ B: '3' }) }]),
  // The last configuration with 5 replicas: kubectl-create's field, not in the last-applied annotation.
  'server-side.json': deployment([{ name: 'app', image: 'example.com/app:2', env: env({ B: '3' }) }], { replicas: 5 }),
}

/** An editor for KUBE_EDITOR: replaces the image in the file kubectl hands it. */
const EDITOR = `#!/bin/sh
sed -i 's#example.com/app:2#example.com/app:3#' "$1"
`

/** [name, image, env as name=value] of each container, in order. */
const containersOf = (d: any) => d.spec.template.spec.containers.map((c: any) => [c.name, c.image, (c.env ?? []).map((e: any) => `${e.name}=${e.value}`)])

const managersOf = (d: any) => (d.metadata.managedFields ?? []).map((e: any) => `${e.manager}/${e.operation}${e.subresource ? '/' + e.subresource : ''}`)

/** Does the manager's entry own the path (FieldsV1 keys, e.g. ['f:spec', 'f:replicas'])? */
function owns(d: any, manager: string, operation: string, path: string[]): boolean {
  return (d.metadata.managedFields ?? []).some((e: any) => {
    if (e.manager !== manager || e.operation !== operation) return false
    let node = e.fieldsV1
    for (const p of path) node = node?.[p]
    return node !== undefined
  })
}

/** KUBECTL_MATRIX_VERSIONS=1.27,1.33 runs only those (while working on one); every version by default. */
const VERSIONS = KUBECTL_VERSIONS.filter((v) => !process.env.KUBECTL_MATRIX_VERSIONS || process.env.KUBECTL_MATRIX_VERSIONS.split(',').includes(v))

describe('kubectl 1.27–1.33 compatibility matrix', { timeout: 600_000 }, () => {
  let server: ServerProcess
  let dir: string

  before(async () => {
    server = await startServer({ args: ['--runtime', 'fake'] })
    dir = join(server.dir, 'matrix')
    await mkdir(dir, { recursive: true })
    for (const [name, obj] of Object.entries(MANIFESTS)) await writeFile(join(dir, name), JSON.stringify(obj, null, 2))
    await writeFile(join(dir, 'editor.sh'), EDITOR)
    await chmod(join(dir, 'editor.sh'), 0o755)
  })
  after(async () => {
    await server?.stop()
  })

  for (const version of VERSIONS) {
    it(`kubectl ${version}: create, apply ×3, server-side apply (conflict, force), patch ×3, edit, scale, explain, delete`, async () => {
      const ns = `matrix-${version.replace('.', '-')}`
      const cacheDir = freshCacheDir()
      const run = (args: string[], extraEnv: Record<string, string> = {}): Promise<KubectlResult> =>
        kubectl(version as KubectlVersion, args, { kubeconfig: server.kubeconfig, cacheDir, env: extraEnv, timeoutMs: 60_000 })
      const ok = async (args: string[], extraEnv: Record<string, string> = {}): Promise<string> => {
        const r = await run(args, extraEnv)
        assert.equal(r.code, 0, `kubectl ${version} ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}\nserver:\n${server.output().slice(-3000)}`)
        return r.stdout
      }
      const file = (name: string) => join(dir, name)
      const get = async (...flags: string[]) => JSON.parse(await ok(['get', 'deployment', 'web', '-n', ns, '-o', 'json', ...flags]))

      await ok(['create', 'namespace', ns])

      // create -f (default --validate=strict: the server checks the fields)
      await ok(['create', '-f', file('create.json'), '-n', ns])
      let d = await get()
      assert.equal(d.spec.replicas, 2)
      assert.deepEqual(containersOf(d), [['app', 'example.com/app:1', ['A=1']]])
      assert.equal(d.metadata.managedFields, undefined, 'get -o json hides managedFields')
      d = await get('--show-managed-fields')
      assert.ok(owns(d, 'kubectl-create', 'Update', ['f:spec', 'f:replicas']), `kubectl-create owns spec.replicas: ${JSON.stringify(d.metadata.managedFields)}`)

      // apply -f three times: add an env var; change the image and add a container; remove both and change a value
      await ok(['apply', '-f', file('apply-1.json'), '-n', ns])
      d = await get()
      assert.deepEqual(containersOf(d), [['app', 'example.com/app:1', ['A=1', 'B=2']]])
      assert.ok(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'])
      assert.equal(d.spec.replicas, 2, 'client-side apply leaves fields it never applied')

      await ok(['apply', '-f', file('apply-2.json'), '-n', ns])
      d = await get()
      assert.deepEqual(containersOf(d), [
        ['app', 'example.com/app:2', ['A=1', 'B=2']],
        ['sidecar', 'example.com/sidecar:1', []],
      ])

      await ok(['apply', '-f', file('apply-3.json'), '-n', ns])
      d = await get('--show-managed-fields')
      assert.deepEqual(containersOf(d), [['app', 'example.com/app:2', ['B=3']]])
      assert.ok(managersOf(d).includes('kubectl-client-side-apply/Update'), managersOf(d).join(', '))

      // apply --server-side: the replicas are kubectl-create's, so changing them conflicts...
      const conflict = await run(['apply', '--server-side', '-f', file('server-side.json'), '-n', ns])
      assert.equal(conflict.code, 1, `server-side apply should conflict:\n${conflict.stdout}\n${conflict.stderr}`)
      assert.match(conflict.stderr, /conflict with "kubectl-create"/)
      assert.match(conflict.stderr, /\.spec\.replicas/)
      assert.match(conflict.stderr, /--force-conflicts/)
      assert.equal((await get()).spec.replicas, 2)
      // ...and --force-conflicts takes them over.
      await ok(['apply', '--server-side', '--force-conflicts', '-f', file('server-side.json'), '-n', ns])
      d = await get('--show-managed-fields')
      assert.equal(d.spec.replicas, 5)
      assert.deepEqual(containersOf(d), [['app', 'example.com/app:2', ['B=3']]])
      assert.ok(owns(d, 'kubectl', 'Apply', ['f:spec', 'f:replicas']), `kubectl applies spec.replicas: ${JSON.stringify(d.metadata.managedFields)}`)
      assert.ok(!owns(d, 'kubectl-create', 'Update', ['f:spec', 'f:replicas']), 'kubectl-create lost spec.replicas')

      // patch: strategic (the default), merge and JSON
      await ok(['patch', 'deployment', 'web', '-n', ns, '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', env: env({ C: '4' }) }] } } } })])
      d = await get()
      assert.deepEqual(containersOf(d)[0][2].sort(), ['B=3', 'C=4'])
      await ok(['patch', 'deployment', 'web', '-n', ns, '--type=merge', '-p', JSON.stringify({ metadata: { labels: { patched: 'merge' } } })])
      d = await get()
      assert.deepEqual(d.metadata.labels, { app: 'web', patched: 'merge' })
      await ok(['patch', 'deployment', 'web', '-n', ns, '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/metadata/annotations/patched', value: 'json' }])])
      d = await get('--show-managed-fields')
      assert.equal(d.metadata.annotations.patched, 'json')
      assert.ok(managersOf(d).includes('kubectl-patch/Update'), managersOf(d).join(', '))

      // edit through KUBE_EDITOR
      await ok(['edit', 'deployment', 'web', '-n', ns], { KUBE_EDITOR: file('editor.sh'), EDITOR: file('editor.sh') })
      d = await get('--show-managed-fields')
      assert.equal(d.spec.template.spec.containers[0].image, 'example.com/app:3')
      assert.ok(managersOf(d).includes('kubectl-edit/Update'), managersOf(d).join(', '))

      // scale (the scale subresource)
      await ok(['scale', 'deployment', 'web', '-n', ns, '--replicas=3'])
      d = await get('--show-managed-fields')
      assert.equal(d.spec.replicas, 3)
      assert.ok(!owns(d, 'kubectl', 'Apply', ['f:spec', 'f:replicas']), 'the scale took spec.replicas from the applier')
      assert.ok(
        (d.metadata.managedFields as any[]).some((e) => e.subresource === 'scale' && e.fieldsV1?.['f:spec']?.['f:replicas']),
        `an entry of the scale subresource owns spec.replicas: ${JSON.stringify(d.metadata.managedFields)}`,
      )

      // explain (OpenAPI v3)
      const explained = await ok(['explain', 'deployment.spec.replicas'])
      assert.match(explained, /replicas/)
      assert.match(explained, /integer/)

      // delete
      await ok(['delete', 'deployment', 'web', '-n', ns])
      await retry(async () => {
        const r = await run(['get', 'deployment', 'web', '-n', ns, '-o', 'json'])
        assert.equal(r.code, 1)
        assert.match(r.stderr, /NotFound|not found/)
      })
    })
  }
})
