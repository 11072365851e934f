/**
 * Strategic merge patch end to end: the real kubectl 1.31 against `cluster serve` on a throwaway etcd.
 * kubectl patch (default --type=strategic), rollout restart, client-side apply (3-way diffs with $setElementOrder
 * and `$patch: delete`), edit, label/annotate (merge patches), cordon, and the scale subresource.
 * Manifests are JSON: YAML 1.1, as kubectl reads it, would turn names like `Y` into booleans.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { kubectlClient, type KubectlClient } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

let server: ServerProcess
/** kubectl 1.31, with one cache directory for the file. */
let k: KubectlClient

/** Runs kubectl and fails the test, with its output, unless it succeeds. */
const ok = async (...args: string[]) => (await k.ok(args)).stdout
const getJson = (...args: string[]) => k.getJson(...args)

async function writeManifest(name: string, obj: unknown): Promise<string> {
  const path = join(server.dir, name)
  await writeFile(path, JSON.stringify(obj, null, 2))
  return path
}

function deployment(name: string, containers: unknown[]) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers } },
    },
  }
}

const env = (pairs: Record<string, string>) => Object.entries(pairs).map(([name, value]) => ({ name, value }))
/** [name, image, env as name=value] of each container, in order. */
const summary = (d: any) =>
  d.spec.template.spec.containers.map((c: any) => [c.name, c.image, (c.env ?? []).map((e: any) => `${e.name}=${e.value}`)])

before(async () => {
  // No kubelets: these tests are about the API; the Node for cordon is created by hand.
  server = await startServer({ args: ['--nodes', '0'] })
  k = kubectlClient('1.31', { kubeconfig: server.kubeconfig, cacheDir: join(server.dir, 'kube-cache'), serverOutput: server.output })
})

after(() => server?.stop())

describe('kubectl patch (strategic merge) and friends', { timeout: 300_000 }, () => {
  it('creates a deployment with two containers', async () => {
    const file = await writeManifest('web.json', deployment('web', [
      { name: 'a', image: 'nginx:1', env: env({ FOO: '1', BAR: '2' }) },
      { name: 'b', image: 'busybox:1', env: env({ B: 'b' }) },
    ]))
    assert.match(await ok('create', '-f', file, '--validate=false'), /deployment.apps\/web created/)
  })

  it('patch (default --type=strategic) merges containers by name: the other container survives', async () => {
    const out = await ok('patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x:2"}]}}}}')
    assert.match(out, /deployment.apps\/web patched/)
    assert.deepEqual(summary(await getJson('deployment', 'web')), [
      ['a', 'x:2', ['FOO=1', 'BAR=2']],
      ['b', 'busybox:1', ['B=b']],
    ])
  })

  it('patch with $patch: delete removes one env var by name', async () => {
    await ok('patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"FOO","$patch":"delete"}]}]}}}}')
    assert.deepEqual(summary(await getJson('deployment', 'web'))[0], ['a', 'x:2', ['BAR=2']])
  })

  it('patch with a list item lacking the merge key fails as Kubernetes does', async () => {
    const r = await k.run(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Error from server: map: map\[image:x\] does not contain declared merge key: name/)
  })

  it('rollout restart sets the restartedAt annotation on the pod template', async () => {
    assert.match(await ok('rollout', 'restart', 'deployment', 'web'), /deployment.apps\/web restarted/)
    const d = await getJson('deployment', 'web')
    assert.match(d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '', /^\d{4}-\d\d-\d\dT/)
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'web' })
    assert.equal(summary(d).length, 2)
  })

  it('edit (a strategic merge patch with $setElementOrder) changes an image', async () => {
    const r = await k.run(['edit', 'deployment', 'web'], { env: { KUBE_EDITOR: 'sed -i -e s/x:2/x:3/' } })
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(
      summary(await getJson('deployment', 'web')).map((c: any) => c[1]),
      ['x:3', 'busybox:1'],
    )
  })

  it('patch of the scale subresource (an autoscaling/v1 Scale)', async () => {
    await ok('patch', 'deployment', 'web', '--subresource=scale', '-p', '{"spec":{"replicas":3}}')
    assert.equal((await getJson('deployment', 'web')).spec.replicas, 3)
  })

  it('label and annotate (merge patches) still work, including removal', async () => {
    await ok('label', 'deployment', 'web', 'tier=front', 'gone=soon')
    await ok('annotate', 'deployment', 'web', 'note=hello')
    await ok('label', 'deployment', 'web', 'gone-')
    const d = await getJson('deployment', 'web')
    assert.deepEqual(d.metadata.labels, { tier: 'front' })
    assert.equal(d.metadata.annotations?.note, 'hello')
  })

  it('apply (client-side) creates, then adds and changes, then removes env vars and containers', async () => {
    // 1: created by POST, with the last-applied annotation.
    let file = await writeManifest('app.json', deployment('app', [
      { name: 'a', image: 'nginx:1', env: env({ FOO: '1', BAR: '2' }) },
      { name: 'b', image: 'busybox:1', env: env({ B: 'b' }) },
    ]))
    assert.match(await ok('apply', '-f', file, '--validate=false'), /deployment.apps\/app created/)
    let d = await getJson('deployment', 'app')
    assert.ok(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'])
    assert.deepEqual(summary(d), [
      ['a', 'nginx:1', ['FOO=1', 'BAR=2']],
      ['b', 'busybox:1', ['B=b']],
    ])

    // 2: change FOO, add NEW and container c (a strategic merge patch with $setElementOrder lists).
    file = await writeManifest('app.json', deployment('app', [
      { name: 'a', image: 'nginx:1', env: env({ FOO: '10', BAR: '2', NEW: '3' }) },
      { name: 'b', image: 'busybox:1', env: env({ B: 'b' }) },
      { name: 'c', image: 'redis:7' },
    ]))
    assert.match(await ok('apply', '-f', file, '--validate=false'), /deployment.apps\/app configured/)
    d = await getJson('deployment', 'app')
    assert.deepEqual(summary(d), [
      ['a', 'nginx:1', ['FOO=10', 'BAR=2', 'NEW=3']],
      ['b', 'busybox:1', ['B=b']],
      ['c', 'redis:7', []],
    ])

    // 3: remove FOO and container b (`$patch: delete` items), reorder NEW before BAR.
    file = await writeManifest('app.json', deployment('app', [
      { name: 'a', image: 'nginx:1', env: env({ NEW: '3', BAR: '2' }) },
      { name: 'c', image: 'redis:7' },
    ]))
    assert.match(await ok('apply', '-f', file, '--validate=false'), /deployment.apps\/app configured/)
    d = await getJson('deployment', 'app')
    assert.deepEqual(summary(d), [
      ['a', 'nginx:1', ['NEW=3', 'BAR=2']],
      ['c', 'redis:7', []],
    ])

    // Applying the same manifest again sends no change.
    assert.match(await ok('apply', '-f', file, '--validate=false'), /deployment.apps\/app unchanged/)
  })

  it('cordon and uncordon a node', async () => {
    const file = await writeManifest('node.json', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'patch-node' }, spec: { podCIDR: '10.244.9.0/24' } })
    await ok('create', '-f', file, '--validate=false')
    assert.match(await ok('cordon', 'patch-node'), /node\/patch-node cordoned/)
    let node = await getJson('node', 'patch-node')
    assert.equal(node.spec.unschedulable, true)
    assert.equal(node.spec.podCIDR, '10.244.9.0/24')
    assert.match(await ok('uncordon', 'patch-node'), /node\/patch-node uncordoned/)
    node = await getJson('node', 'patch-node')
    assert.equal(node.spec.unschedulable, undefined)
  })

  it("client-node's KubernetesObjectApi.patch (strategic merge by default) merges containers by name", async () => {
    const { KubeConfig, KubernetesObjectApi } = await import('@kubernetes/client-node')
    const kc = new KubeConfig()
    kc.loadFromFile(server.kubeconfig)
    const client = KubernetesObjectApi.makeApiClient(kc)
    const patched: any = await client.patch({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'redis:8' }] } } },
    } as any)
    assert.deepEqual(summary(patched), [
      ['a', 'nginx:1', ['NEW=3', 'BAR=2']],
      ['c', 'redis:8', []],
    ])
  })

  it('cleans up', async () => {
    await ok('delete', 'deployment', 'web', 'app', '--wait=false')
    await ok('delete', 'node', 'patch-node', '--wait=false')
  })
})
