/**
 * OpenAPI, server-side field validation and aggregated discovery, end to end: the real kubectl 1.27 and 1.33
 * (the oldest and newest we support) against `cluster serve` on a throwaway etcd.
 * - `create -f` with kubectl's default `--validate=strict`: 1.27 downloads /openapi/v2 as protobuf first, both
 *   read /openapi/v3 and, finding `fieldValidation` on the PATCH operation of the kind, send fieldValidation=Strict;
 * - unknown fields: exit 1 with Kubernetes' strict decoding error; `--validate=warn` prints the warning;
 * - `explain` (OpenAPI v3 by default since 1.27), `api-resources`, `get` on aggregated discovery (1.27 asks
 *   apidiscovery.k8s.io/v2beta1, 1.30+ v2 first).
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { builtinResources } from '../../src/apiserver/resources/index.ts'
import { kubectlClient, type KubectlVersion } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const VERSIONS: KubectlVersion[] = ['1.27', '1.33']

let server: ServerProcess

/** kubectl `version` with a cache directory of its own (per version, or the one named: no stale discovery). */
const client = (version: KubectlVersion, cacheDir = `cache-${version}`) =>
  kubectlClient(version, { kubeconfig: server.kubeconfig, cacheDir: join(server.dir, cacheDir), serverOutput: server.output })
const kubectl = (version: KubectlVersion, args: string[]) => client(version).run(args)
const ok = (version: KubectlVersion, ...args: string[]) => client(version).ok(args)
const okIn = (cacheDir: string, version: KubectlVersion, ...args: string[]) => client(version, cacheDir).ok(args)

/** A pod manifest in YAML, as users write them; `extra` lines go under spec. */
async function podManifest(name: string, extra = ''): Promise<string> {
  const path = join(server.dir, `${name}.yaml`)
  await writeFile(path, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: app\n    image: busybox\n${extra}`)
  return path
}

before(async () => {
  server = await startServer()
})

after(() => server?.stop())

for (const version of VERSIONS) {
  const n = version.replace('.', '')
  describe(`kubectl ${version}`, () => {
    it('create -f with the default (strict) validation succeeds, sending fieldValidation=Strict', async () => {
      const r = await ok(version, 'create', '-f', await podManifest(`valid-${n}`), '-v=6')
      assert.match(r.stdout, new RegExp(`pod/valid-${n} created`))
      // -v=6 logs requests as `POST <url> 201` (1.27) or `"Response" verb="POST" url="<url>"` (1.33).
      assert.match(r.stderr, /POST\W+\S+\/api\/v1\/namespaces\/default\/pods\?\S*fieldValidation=Strict/)
      assert.doesNotMatch(r.stderr, /openapi\/v2[^\n]*\b(404|406|500)\b/)
    })

    it('an unknown field fails with the strict decoding error and exit 1', async () => {
      const r = await kubectl(version, ['create', '-f', await podManifest(`unknown-${n}`, '  foo: 1\n')])
      assert.equal(r.code, 1, `${r.stderr}\n${r.stdout}`)
      assert.match(r.stderr, /Error from server \(BadRequest\): error when creating "[^"]+": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.foo"/)
      const get = await kubectl(version, ['get', 'pod', `unknown-${n}`])
      assert.equal(get.code, 1, 'the pod must not have been created')
    })

    it('several unknown fields, at any depth, are listed together', async () => {
      const r = await kubectl(version, ['create', '-f', await podManifest(`deep-${n}`, '  foo: 1\n  securityContext:\n    bar: true\n')])
      assert.equal(r.code, 1)
      assert.match(r.stderr, /strict decoding error: unknown field "spec\.foo", unknown field "spec\.securityContext\.bar"/)
    })

    it('--validate=warn prints the warning, succeeds, and drops the field', async () => {
      const r = await ok(version, 'create', '--validate=warn', '-f', await podManifest(`warn-${n}`, '  foo: 1\n'))
      assert.match(r.stderr, /Warning: unknown field "spec\.foo"/)
      assert.match(r.stdout, new RegExp(`pod/warn-${n} created`))
      const pod = JSON.parse((await ok(version, 'get', 'pod', `warn-${n}`, '-o', 'json')).stdout)
      assert.equal(pod.spec.foo, undefined)
    })

    it('a kind: List is validated client-side, with the /openapi/v2 protobuf schema', async () => {
      // kubectl never trusts server-side validation for v1/List: it checks each item against the v2 document.
      const list = (extra: string) => `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: list-${n}\n  data:\n    a: "1"\n${extra}`
      const bad = join(server.dir, `bad-list-${n}.yaml`)
      await writeFile(bad, list('  foo: 1\n'))
      const r = await kubectl(version, ['create', '-f', bad])
      assert.equal(r.code, 1)
      assert.match(r.stderr, /ValidationError\(ConfigMap\): unknown field "foo" in io\.k8s\.api\.core\.v1\.ConfigMap/)
      const good = join(server.dir, `good-list-${n}.yaml`)
      await writeFile(good, list(''))
      assert.match((await ok(version, 'create', '-f', good)).stdout, new RegExp(`configmap/list-${n} created`))
    })

    it('explain pod.spec.containers prints field descriptions', async () => {
      const r = await ok(version, 'explain', 'pod.spec.containers')
      assert.match(r.stdout, /KIND:\s+Pod/)
      assert.match(r.stdout, /FIELD: containers <\[\]Container>/)
      assert.match(r.stdout, /List of containers belonging to the pod/)
      assert.match(r.stdout, /image\s+<string>/)
      assert.match(r.stdout, /ports\s+<\[\]ContainerPort>/)
    })

    it('explain deployment.spec.strategy --recursive', async () => {
      const r = await ok(version, 'explain', 'deployment.spec.strategy', '--recursive')
      assert.match(r.stdout, /GROUP:\s+apps/)
      assert.match(r.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/)
      assert.match(r.stdout, /maxSurge\s+<IntOrString>/)
      assert.match(r.stdout, /maxUnavailable\s+<IntOrString>/)
    })

    it('api-resources lists every resource', async () => {
      const r = await ok(version, 'api-resources', '--no-headers', '-o', 'wide')
      // kubectl lists a group's preferred version only (autoscaling/v2, not the v1 view of the same objects).
      const preferred = new Map<string, string>()
      for (const def of builtinResources) if (!preferred.has(def.group)) preferred.set(def.group, def.version)
      for (const def of builtinResources.filter((d) => preferred.get(d.group) === d.version)) {
        const apiVersion = def.group ? `${def.group}/${def.version}` : def.version
        assert.match(r.stdout, new RegExp(`^${def.plural}\\s+.*${apiVersion.replace(/\./g, '\\.')}\\s+${def.namespaced}\\s+${def.kind}\\b`, 'm'), `${def.plural} (${apiVersion}) missing:\n${r.stdout}`)
      }
    })

    it('get pods works from aggregated discovery alone', async () => {
      const r = await okIn(`fresh-${version}`, version, 'get', 'pods', '-v=6')
      assert.match(r.stdout, new RegExp(`valid-${n}`))
      // An aggregated answer to /api and /apis leaves the client nothing else to discover.
      assert.match(r.stderr, /\/apis\?timeout=/)
      assert.doesNotMatch(r.stderr, /\/api\/v1\?timeout/)
      assert.doesNotMatch(r.stderr, /\/apis\/apps\/v1\?timeout/)
    })
  })
}

describe('discovery content negotiation', () => {
  it('answers the aggregated version the client lists, and legacy JSON otherwise', async () => {
    const get = (path: string, accept: string) => fetch(server.url + path, { headers: { accept } })
    const v2beta1 = await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json')
    assert.match(v2beta1.headers.get('content-type')!, /^application\/json;g=apidiscovery\.k8s\.io;v=v2beta1;as=APIGroupDiscoveryList/)
    assert.equal(((await v2beta1.json()) as any).apiVersion, 'apidiscovery.k8s.io/v2beta1')
    const legacy = await get('/api', 'application/json')
    assert.equal(((await legacy.json()) as any).kind, 'APIVersions')
  })
})
