/**
 * CustomResourceDefinitions end to end with the real kubectl against `cluster serve` on a throwaway etcd, as an
 * operator's developer uses them: apply a CRD, wait for Established, then work with its custom resources
 * (printer columns, explain, validation errors, merge patch, the status and scale subresources, server-side
 * apply), delete the CRD (its resources go with it); and a restarted server still serves a CRD.
 * kubectl 1.27 and 1.33 by default (E2E_KUBECTL_VERSIONS=… picks others).
 */
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { freshCacheDir, kubectlClient, waitFor, type KubectlClient, type KubectlVersion } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const CRD_YAML = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
    categories: [all]
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
        scale:
          specReplicasPath: .spec.replicas
          statusReplicasPath: .status.replicas
      additionalPrinterColumns:
        - name: Color
          type: string
          jsonPath: .spec.color
        - name: Replicas
          type: integer
          jsonPath: .spec.replicas
        - name: Phase
          type: string
          jsonPath: .status.phase
          priority: 1
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp
      schema:
        openAPIV3Schema:
          type: object
          description: A Widget is a thing with a color.
          properties:
            spec:
              type: object
              description: What the widget should be.
              required: [color]
              properties:
                color:
                  type: string
                  description: The color of the widget.
                  enum: [red, green, blue]
                replicas:
                  type: integer
                  description: How many widgets.
                  default: 1
                  minimum: 0
                  maximum: 10
                size:
                  type: string
                  default: small
                  pattern: '^(small|large)$'
            status:
              type: object
              properties:
                replicas:
                  type: integer
                phase:
                  type: string
`

const widget = (name: string, spec: Record<string, unknown>) => `apiVersion: example.com/v1
kind: Widget
metadata:
  name: ${name}
spec: ${JSON.stringify(spec)}
`

const header = (stdout: string) => stdout.split('\n')[0]!.trim().split(/\s{2,}/)
const row = (stdout: string, name: string) => stdout.split('\n').find((l) => l.split(/\s+/)[0] === name)

const versions = (process.env.E2E_KUBECTL_VERSIONS?.split(',') ?? ['1.27', '1.33']) as KubectlVersion[]

for (const version of versions) {
  describe(`CRDs with kubectl ${version}`, () => {
    let server: ServerProcess
    let k: KubectlClient
    let cacheDir: string
    let files = 0
    const file = async (text: string) => {
      const path = join(server.dir, `manifest-${++files}.yaml`)
      await writeFile(path, text)
      return path
    }

    before(async () => {
      server = await startServer()
      cacheDir = freshCacheDir()
      k = kubectlClient(version, { kubeconfig: server.kubeconfig, cacheDir, serverOutput: () => server.output() })
    })
    after(async () => {
      await server?.stop()
      if (cacheDir) await rm(cacheDir, { recursive: true, force: true })
    })

    it('applies a CRD, which the server establishes; the kind shows in api-resources and get crd', async () => {
      const applied = await k.ok(['apply', '-f', await file(CRD_YAML)])
      assert.equal(applied.stdout, 'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n')
      const waited = await k.ok(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=30s'])
      assert.match(waited.stdout, /customresourcedefinition.apiextensions.k8s.io\/widgets.example.com condition met/)
      const crd = await k.getJson('crd', 'widgets.example.com')
      assert.deepEqual(crd.status.acceptedNames, { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'], categories: ['all'] })
      assert.deepEqual(
        crd.status.conditions.map((c: any) => [c.type, c.status, c.reason]),
        [
          ['NamesAccepted', 'True', 'NoConflicts'],
          ['Established', 'True', 'InitialNamesAccepted'],
        ],
      )
      assert.deepEqual(crd.status.storedVersions, ['v1'])
      assert.equal(crd.spec.conversion.strategy, 'None')

      const resources = await k.ok(['api-resources', '--api-group=example.com'])
      assert.match(resources.stdout, /^widgets\s+wd\s+example.com\/v1\s+true\s+Widget$/m)
      const crds = await k.ok(['get', 'crd'])
      assert.deepEqual(header(crds.stdout), ['NAME', 'CREATED AT'])
      assert.match(crds.stdout, /^widgets\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m)
      const explained = await k.ok(['explain', 'crd.spec.names'])
      assert.match(explained.stdout, /plural\s+<string> -required-/)
      // Applied again, changed: the server takes kubectl's merge patch and serves the new column.
      await k.ok(['apply', '-f', await file(CRD_YAML.replace('name: Color', 'name: Colour'))])
      const columns = async () => {
        const table = await fetch(`${server.url}/apis/example.com/v1/widgets`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })
        return ((await table.json()) as any).columnDefinitions.map((c: any) => c.name).join()
      }
      await waitFor('the new column', async () => (await columns()) === 'Name,Colour,Replicas,Phase,Age')
      await k.ok(['apply', '-f', await file(CRD_YAML)])
      await waitFor('the old column', async () => (await columns()) === 'Name,Color,Replicas,Phase,Age')
      assert.equal((await k.getJson('crd', 'widgets.example.com')).metadata.generation, 3)
    })

    it('creates a custom resource (defaults applied) and gets it by plural, short name, kind, with the printer columns', async () => {
      assert.equal((await k.ok(['apply', '-f', await file(widget('w1', { color: 'red' }))])).stdout, 'widget.example.com/w1 created\n')
      const w = await k.getJson('widget', 'w1')
      assert.deepEqual(w.spec, { color: 'red', replicas: 1, size: 'small' })
      assert.equal(w.metadata.generation, 1)
      for (const name of ['widgets', 'wd', 'Widget', 'widgets.example.com']) {
        const got = await k.ok(['get', name])
        assert.deepEqual(header(got.stdout), ['NAME', 'COLOR', 'REPLICAS', 'AGE'], name)
        assert.match(row(got.stdout, 'w1') ?? '', /^w1\s+red\s+1\s+\d+s$/, name)
      }
      const wide = await k.ok(['get', 'widgets', '-o', 'wide'])
      assert.deepEqual(header(wide.stdout), ['NAME', 'COLOR', 'REPLICAS', 'PHASE', 'AGE'])
      // A column whose path finds nothing has a null cell, which kubectl leaves blank.
      assert.match(row(wide.stdout, 'w1') ?? '', /^w1\s+red\s+1\s+\d+s$/)
      // categories: [all] puts widgets in `get all`.
      assert.match((await k.ok(['get', 'all'])).stdout, /^widget\.example\.com\/w1\s+red\s+1\s+\d+s$/m)
    })

    it('explains the kind from the schema', async () => {
      const spec = await k.ok(['explain', 'widget.spec'])
      assert.match(spec.stdout, /KIND:\s+Widget/)
      assert.match(spec.stdout, /What the widget should be\./)
      assert.match(spec.stdout, /color\s+<string>\s+-required-/)
      assert.match(spec.stdout, /The color of the widget\./)
      assert.match(spec.stdout, /replicas\s+<integer>/)
      const top = await k.ok(['explain', 'widgets'])
      assert.match(top.stdout, /A Widget is a thing with a color\./)
      assert.match(top.stdout, /metadata\s+<ObjectMeta>/)
    })

    it('refuses invalid custom resources with the schema problems (422), and unknown fields (400)', async () => {
      const bad = await k.run(['apply', '-f', await file(widget('bad', { replicas: 20, size: 'huge' }))])
      assert.equal(bad.code, 1, bad.stderr)
      assert.match(bad.stderr, /The Widget "bad" is invalid: /)
      assert.match(bad.stderr, /\* spec\.color: Required value/)
      assert.match(bad.stderr, /\* spec\.replicas: Invalid value: 20: spec\.replicas in body should be less than or equal to 10/)
      assert.match(bad.stderr, /\* spec\.size: Invalid value: "huge": spec\.size in body should match '\^\(small\|large\)\$'/)
      const typed = await k.run(['apply', '-f', await file(widget('bad', { color: 'purple', replicas: 'two' }))])
      assert.equal(typed.code, 1)
      assert.match(typed.stderr, /spec\.color: Unsupported value: "purple": supported values: "red", "green", "blue"/)
      assert.match(typed.stderr, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/)
      const unknown = await k.run(['apply', '-f', await file(widget('bad', { color: 'red', shape: 'round' }))])
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /Error from server \(BadRequest\): error when creating ".*": Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec\.shape"/)
      // Without validation the unknown field is pruned.
      await k.ok(['apply', '-f', await file(widget('pruned', { color: 'red', shape: 'round' })), '--validate=false'])
      assert.deepEqual((await k.getJson('widget', 'pruned')).spec, { color: 'red', replicas: 1, size: 'small' })
      await k.ok(['delete', 'widget', 'pruned'])
    })

    it('patches (merge, json; not strategic), bumping the generation on spec changes', async () => {
      assert.match((await k.ok(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"color":"green"}}'])).stdout, /widget.example.com\/w1 patched/)
      await k.ok(['patch', 'widget', 'w1', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2}]'])
      const w = await k.getJson('widget', 'w1')
      assert.equal(w.spec.color, 'green')
      assert.equal(w.spec.replicas, 2)
      assert.equal(w.metadata.generation, 3)
      await k.ok(['label', 'widget', 'w1', 'tier=front'])
      assert.equal((await k.getJson('widget', 'w1')).metadata.generation, 3, 'metadata changes leave the generation')
      const smp = await k.run(['patch', 'widget', 'w1', '-p', '{"spec":{"color":"blue"}}'])
      assert.equal(smp.code, 1)
      assert.match(smp.stderr, /application\/strategic-merge-patch\+json is not supported by example.com\/v1, Kind=Widget: the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/)
      // Client-side apply of a changed manifest sends a merge patch.
      assert.match((await k.ok(['apply', '-f', await file(widget('w1', { color: 'blue', replicas: 2 }))])).stdout, /widget.example.com\/w1 configured/)
      assert.equal((await k.getJson('widget', 'w1')).spec.color, 'blue')
    })

    it('writes status through the status subresource only, and replicas through scale', async () => {
      const before = await k.getJson('widget', 'w1')
      await k.ok(['patch', 'widget', 'w1', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":2,"phase":"Ready"},"spec":{"color":"red"}}'])
      const after = await k.getJson('widget', 'w1')
      assert.deepEqual(after.status, { replicas: 2, phase: 'Ready' })
      assert.equal(after.spec.color, 'blue', 'a status write leaves spec')
      assert.equal(after.metadata.generation, before.metadata.generation)
      // ...and a write of the object leaves status.
      await k.ok(['patch', 'widget', 'w1', '--type=merge', '-p', '{"status":{"phase":"Gone"}}'])
      assert.equal((await k.getJson('widget', 'w1')).status.phase, 'Ready')
      assert.match((await k.ok(['get', 'widgets', '-o', 'wide'])).stdout, /^w1\s+blue\s+2\s+Ready\s+\d+s$/m)

      assert.match((await k.ok(['scale', 'widget', 'w1', '--replicas=4'])).stdout, /widget.example.com\/w1 scaled/)
      assert.equal((await k.getJson('widget', 'w1')).spec.replicas, 4)
    })

    it('applies server-side: managed fields, conflicts, create-on-apply', async () => {
      const created = await k.ok(['apply', '--server-side', '-f', await file(widget('w2', { color: 'green', replicas: 3 }))])
      assert.equal(created.stdout, 'widget.example.com/w2 serverside-applied\n')
      const w2 = JSON.parse((await k.ok(['get', 'widget', 'w2', '-o', 'json', '--show-managed-fields'])).stdout)
      assert.deepEqual(w2.spec, { color: 'green', replicas: 3, size: 'small' })
      const entry = w2.metadata.managedFields.find((m: any) => m.manager === 'kubectl')
      assert.equal(entry.operation, 'Apply')
      assert.ok(entry.fieldsV1['f:spec']['f:color'])
      await k.ok(['patch', 'widget', 'w2', '--type=merge', '-p', '{"spec":{"replicas":5}}', '--field-manager=other'])
      const conflict = await k.run(['apply', '--server-side', '-f', await file(widget('w2', { color: 'green', replicas: 3 }))])
      assert.equal(conflict.code, 1)
      assert.match(conflict.stderr, /conflict with "other"/)
      await k.ok(['apply', '--server-side', '--force-conflicts', '-f', await file(widget('w2', { color: 'green', replicas: 3 }))])
      assert.equal((await k.getJson('widget', 'w2')).spec.replicas, 3)
    })

    it('deleting the CRD deletes its custom resources, and the resource type is gone', async () => {
      const deleted = await k.ok(['delete', 'crd', 'widgets.example.com', '--timeout=60s'], { timeoutMs: 90_000 })
      assert.match(deleted.stdout, /customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted/)
      // (A fresh discovery cache: kubectl's would still list the kind for hours.)
      const gone = await k.run(['get', 'widgets'], { cacheDir: freshCacheDir() })
      assert.equal(gone.code, 1)
      assert.match(gone.stderr, /the server doesn't have a resource type "widgets"/)
      assert.equal((await fetch(`${server.url}/apis/example.com/v1/namespaces/default/widgets`)).status, 404)
      // Defined again, the kind starts empty: the old objects were deleted from storage.
      await k.ok(['apply', '-f', await file(CRD_YAML)])
      await k.ok(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=30s'])
      await waitFor('widgets served again', async () => (await fetch(`${server.url}/apis/example.com/v1/widgets`)).status === 200)
      const list = await (await fetch(`${server.url}/apis/example.com/v1/widgets`)).json()
      assert.deepEqual((list as any).items, [])
    })
  })
}

describe('a restarted server', () => {
  let dir: string
  let server: ServerProcess | undefined
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubebox-crd-restart-'))
  })
  after(async () => {
    await server?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('serves the CRDs and custom resources it had', async () => {
    server = await startServer({ store: 'embedded', dir })
    const first = kubectlClient(versions[versions.length - 1]!, { kubeconfig: server.kubeconfig, serverOutput: () => server!.output() })
    await writeFile(join(dir, 'crd.yaml'), CRD_YAML)
    await writeFile(join(dir, 'w.yaml'), widget('kept', { color: 'green' }))
    await first.ok(['apply', '-f', join(dir, 'crd.yaml')])
    await first.ok(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=30s'])
    await first.ok(['apply', '-f', join(dir, 'w.yaml')])
    await server.stop()

    server = await startServer({ store: 'embedded', dir })
    const second = kubectlClient(versions[versions.length - 1]!, { kubeconfig: server.kubeconfig, serverOutput: () => server!.output() })
    // At once: the first request after start finds the kind.
    const got = await second.ok(['get', 'wd', 'kept'])
    assert.match(row(got.stdout, 'kept') ?? '', /^kept\s+green\s+1\s+\d+s$/)
  })
})
