import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { SchemaRegistry, t } from '../../src/api/schema/schema.ts'
import { apiSchemas } from '../../src/api/schema/types/index.ts'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import { aggregatedDiscovery, aggregatedDiscoveryVersion, groupVersions } from '../../src/apiserver/discovery.ts'
import { buildV2Document, buildV3Documents } from '../../src/apiserver/openapi/documents.ts'
import { encodeSwaggerProto } from '../../src/apiserver/openapi/proto-v2.ts'
import { OpenApiService } from '../../src/apiserver/openapi/service.ts'
import type { ResourceDefinition } from '../../src/apiserver/registry/resource-definition.ts'
import { builtinResources } from '../../src/apiserver/resources/index.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'

const v3 = buildV3Documents(builtinResources, apiSchemas)
const v2 = buildV2Document(builtinResources, apiSchemas)
const core = v3.get('api/v1') as any
const apps = v3.get('apis/apps/v1') as any
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const

/** Every `$ref` in a document, with the path where it occurs. */
function refs(node: unknown, at = '', out: [string, string][] = []): [string, string][] {
  if (Array.isArray(node)) node.forEach((n, i) => refs(n, `${at}[${i}]`, out))
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref') out.push([at, v as string])
      else refs(v, `${at}/${k}`, out)
    }
  return out
}

/** kubectl's QueryParamVerifierV3 (cli-runtime query_param_verifier_v3.go): a PATCH of the GVK listing the query parameter. */
function supportsQueryParam(doc: any, gvk: { group: string; version: string; kind: string }, param: string): boolean {
  for (const item of Object.values<any>(doc.paths)) {
    const op = item.patch
    const ext = op?.['x-kubernetes-group-version-kind']
    if (!ext || ext.group !== gvk.group || ext.version !== gvk.version || ext.kind !== gvk.kind) continue
    return op.parameters.some((p: any) => p.name === param && p.in === 'query')
  }
  return false
}

describe('OpenAPI v3 documents', () => {
  it('has one well-formed document per group-version', () => {
    const expected = groupVersions(builtinResources).map(({ group, version }) => (group ? `apis/${group}/${version}` : `api/${version}`))
    assert.deepEqual([...v3.keys()].sort(), expected.sort())
    assert.ok(v3.has('api/v1') && v3.has('apis/apps/v1'))
    for (const [gv, doc] of v3 as Map<string, any>) {
      assert.equal(doc.openapi, '3.0.0', gv)
      assert.equal(doc.info.title, 'Kubernetes')
      assert.ok(Object.keys(doc.paths).length > 0, gv)
      assert.ok(Object.keys(doc.components.schemas).length > 0, gv)
      JSON.parse(JSON.stringify(doc))
    }
  })

  it('is self-contained: every $ref resolves to a component of the same document', () => {
    for (const [gv, doc] of v3 as Map<string, any>)
      for (const [at, ref] of refs(doc)) {
        assert.match(ref, /^#\/components\/schemas\//, `${gv}${at}`)
        assert.ok(doc.components.schemas[ref.slice('#/components/schemas/'.length)], `${gv}${at}: ${ref} does not resolve`)
      }
  })

  it('never puts siblings next to a $ref (OpenAPI 3.0 ignores them): such refs are wrapped in allOf', () => {
    const check = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((n, i) => check(n, `${at}[${i}]`))
      else if (node && typeof node === 'object') {
        if ('$ref' in node) assert.deepEqual(Object.keys(node), ['$ref'], at)
        for (const [k, v] of Object.entries(node)) check(v, `${at}/${k}`)
      }
    }
    for (const [gv, doc] of v3) check(doc, gv)
  })

  it('includes every type reachable from the kinds, meta types and scalars included', () => {
    const schemas = core.components.schemas
    for (const name of [
      'io.k8s.api.core.v1.Pod',
      'io.k8s.api.core.v1.PodList',
      'io.k8s.api.core.v1.Container',
      'io.k8s.api.core.v1.Binding',
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
      'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
      'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
      'io.k8s.apimachinery.pkg.api.resource.Quantity',
    ])
      assert.ok(schemas[name], name)
    assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale'], 'the scale subresource brings autoscaling/v1 Scale')
    assert.ok(!apps.components.schemas['io.k8s.api.core.v1.Node'], 'only what is reachable')
  })

  it('writes scalars as Kubernetes does: Time date-time, IntOrString int-or-string, Quantity string|number', () => {
    const s = core.components.schemas
    assert.deepEqual([s['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].type, s['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format], ['string', 'date-time'])
    const ios = s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']
    assert.equal(ios.format, 'int-or-string')
    assert.equal(ios['x-kubernetes-int-or-string'], true)
    assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }])
    assert.deepEqual(s['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }])
    assert.deepEqual(s['io.k8s.api.apps.v1.RollingUpdateDeployment'] ?? apps.components.schemas['io.k8s.api.apps.v1.RollingUpdateDeployment'].properties.maxSurge.allOf, [
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' },
    ])
  })

  it('marks top-level kinds with an x-kubernetes-group-version-kind array', () => {
    assert.deepEqual(core.components.schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }])
    assert.deepEqual(apps.components.schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }])
    assert.deepEqual(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }])
    assert.equal(core.components.schemas['io.k8s.api.core.v1.PodSpec']['x-kubernetes-group-version-kind'], undefined)
  })

  it('carries merge keys, patch strategies, list types and map keys', () => {
    const containers = core.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name')
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge')
    assert.equal(containers['x-kubernetes-list-type'], 'map')
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name'])
    assert.deepEqual(containers.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' })
    assert.equal(core.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys')
    assert.equal(apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys')
    assert.equal(core.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.finalizers['x-kubernetes-list-type'], 'set')
  })

  it('flattens inline members into their parent (Volume sources, Probe handlers)', () => {
    const s = core.components.schemas
    assert.ok(s['io.k8s.api.core.v1.Volume'].properties.emptyDir)
    assert.equal(s['io.k8s.api.core.v1.Volume'].properties.volumeSource, undefined)
    assert.ok(s['io.k8s.api.core.v1.Probe'].properties.httpGet)
    assert.ok(s['io.k8s.api.core.v1.Probe'].properties.periodSeconds)
  })

  it('describes get/list/create/replace/patch/delete/deletecollection of every resource path, with actions and a GVK object', () => {
    const pods = core.paths['/api/v1/namespaces/{namespace}/pods']
    const pod = core.paths['/api/v1/namespaces/{namespace}/pods/{name}']
    assert.deepEqual(
      [pods.get, pods.post, pods.delete, pod.get, pod.put, pod.patch, pod.delete].map((op: any) => op['x-kubernetes-action']),
      ['list', 'post', 'deletecollection', 'get', 'put', 'patch', 'delete'],
    )
    for (const op of [pods.get, pod.patch]) assert.deepEqual(op['x-kubernetes-group-version-kind'], { group: '', kind: 'Pod', version: 'v1' })
    assert.equal(core.paths['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces')
    assert.equal(pod.patch.operationId, 'patchCoreV1NamespacedPod')
    assert.deepEqual(core.paths['/api/v1/nodes/{name}'].get['x-kubernetes-group-version-kind'], { group: '', kind: 'Node', version: 'v1' })
    assert.deepEqual(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' })
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post['x-kubernetes-action'], 'post')
    assert.deepEqual(pod.get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/io.k8s.api.core.v1.Pod' })
    assert.deepEqual(pods.get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/io.k8s.api.core.v1.PodList' })
  })

  it('lists fieldValidation on every POST, PUT and PATCH, so that kubectl trusts server-side validation of every kind', () => {
    for (const [gv, doc] of v3 as Map<string, any>)
      for (const [path, item] of Object.entries<any>(doc.paths))
        for (const method of ['post', 'put', 'patch'])
          if (item[method]) assert.ok(item[method].parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'), `${gv} ${method} ${path}`)
    for (const def of builtinResources) {
      const doc = v3.get(def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`)
      assert.ok(supportsQueryParam(doc, def, 'fieldValidation'), `${def.kind}`)
    }
  })

  it('has the paths kubectl explain looks for, with the GVK of a schema that exists', () => {
    for (const def of builtinResources) {
      const doc: any = v3.get(def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`)
      const prefix = def.group ? `/apis/${def.group}` : '/api'
      const path = def.namespaced ? `${prefix}/${def.version}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.version}/${def.plural}`
      const gvk = doc.paths[path].get['x-kubernetes-group-version-kind']
      const schema = Object.values<any>(doc.components.schemas).find((s) => s['x-kubernetes-group-version-kind']?.some((g: any) => JSON.stringify(g) === JSON.stringify(gvk)))
      assert.ok(schema?.properties?.metadata, `${def.kind}: no schema for ${JSON.stringify(gvk)}`)
    }
  })

  it('generates without a registry entry for a kind: an opaque object, no dangling refs', () => {
    const def: ResourceDefinition = { group: 'example.com', version: 'v1', kind: 'Gadget', plural: 'gadgets', singular: 'gadget', namespaced: true, verbs: ['get', 'patch'], strategy: {} }
    const doc: any = buildV3Documents([def], new SchemaRegistry([{ name: 'x.Other', fields: [{ name: 'a', proto: 1, type: t.ref('x.Missing') }] }])).get('apis/example.com/v1')
    assert.deepEqual(doc.paths['/apis/example.com/v1/namespaces/{namespace}/gadgets/{name}'].get.responses['200'].content['application/json'].schema, { type: 'object' })
    assert.deepEqual(refs(doc).filter(([, r]) => !doc.components.schemas[r.split('/').pop()!]), [])
  })
})

describe('OpenAPI v2 (Swagger 2.0)', () => {
  const doc = v2 as any
  it('is one document over every group-version, refs into definitions', () => {
    assert.equal(doc.swagger, '2.0')
    assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'])
    assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'])
    for (const [at, ref] of refs(doc)) assert.ok(doc.definitions[ref.slice('#/definitions/'.length)], `${at}: ${ref}`)
  })
  it('follows Swagger 2.0 conventions: body parameters, typed query parameters, refs with descriptions', () => {
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch
    assert.deepEqual(patch.parameters[0], { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } })
    assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query' && p.type === 'string'))
    assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'))
    assert.deepEqual(doc.definitions['io.k8s.api.core.v1.Pod'].properties.spec, { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec', description: doc.definitions['io.k8s.api.core.v1.Pod'].properties.spec.description })
    assert.equal(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string')
    assert.equal(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string')
  })
})

/** A minimal protobuf reader: the fields of a message as [number, value] (LEN values as Buffers). */
function fields(buf: Buffer): [number, Buffer | number][] {
  const out: [number, Buffer | number][] = []
  let i = 0
  const varint = () => {
    let n = 0
    let mul = 1
    for (;;) {
      const b = buf[i++]!
      n += (b & 0x7f) * mul
      mul *= 128
      if (b < 0x80) return n
    }
  }
  while (i < buf.length) {
    const tag = varint()
    const wire = tag & 7
    if (wire === 0) out.push([tag >>> 3, varint()])
    else if (wire === 2) {
      const len = varint()
      out.push([tag >>> 3, buf.subarray(i, i + len)])
      i += len
    } else throw new Error(`unexpected wire type ${wire}`)
  }
  return out
}
const field = (buf: Buffer, n: number) => fields(buf).filter(([f]) => f === n).map(([, v]) => v as Buffer)

describe('OpenAPI v2 protobuf (gnostic openapi.v2.Document)', () => {
  const pb = encodeSwaggerProto(v2)
  it('encodes swagger, info, paths and definitions', () => {
    assert.equal(field(pb, 1)[0]!.toString(), '2.0')
    const definitions = field(pb, 9)[0]!
    const named = field(definitions, 1).map((n) => [field(n, 1)[0]!.toString(), field(n, 2)[0]!] as const)
    assert.deepEqual(
      named.map(([n]) => n),
      Object.keys((v2 as any).definitions),
    )
    const pod = named.find(([n]) => n === 'io.k8s.api.core.v1.Pod')![1]
    assert.equal(field(pod, 4)[0]!.toString(), (v2 as any).definitions['io.k8s.api.core.v1.Pod'].description)
    const ext = field(pod, 31).map((e) => [field(e, 1)[0]!.toString(), field(field(e, 2)[0]!, 2)[0]!.toString()])
    assert.deepEqual(ext, [['x-kubernetes-group-version-kind', '[{"group":"","kind":"Pod","version":"v1"}]']])
    const properties = field(field(pod, 25)[0]!, 1).map((n) => field(n, 1)[0]!.toString())
    assert.deepEqual(properties, ['apiVersion', 'kind', 'metadata', 'spec', 'status'])
    // spec: a $ref (field 1) and a description, no type.
    const spec = field(field(field(pod, 25)[0]!, 1)[3]!, 2)[0]!
    assert.equal(field(spec, 1)[0]!.toString(), '#/definitions/io.k8s.api.core.v1.PodSpec')
    assert.deepEqual(field(spec, 22), [])
  })
  it('encodes the PATCH operation of a kind with its fieldValidation query parameter (the v2 QueryParamVerifier)', () => {
    const paths = field(field(pb, 8)[0]!, 2).map((n) => [field(n, 1)[0]!.toString(), field(n, 2)[0]!] as const)
    const item = paths.find(([p]) => p === '/api/v1/namespaces/{namespace}/pods/{name}')![1]
    const patch = field(item, 8)[0]!
    const names = field(patch, 8).map((p) => {
      const param = field(p, 1)[0]!
      const nonBody = field(param, 2)[0]
      return nonBody ? field(field(nonBody, 3)[0]!, 4)[0]!.toString() : 'body'
    })
    assert.ok(names.includes('fieldValidation'), names.join())
  })
})

describe('OpenApiService over HTTP', () => {
  let api: ApiServer
  let base: string
  before(async () => {
    api = new ApiServer({ store: new MemoryStore(), bus: new EventBus(), log: silentLogger() })
    await api.start()
    const addr = await api.listen(0)
    base = `http://127.0.0.1:${addr.port}`
  })
  after(() => api.stop())

  it('builds nothing until asked; then hashes are content hashes, stable across instances', async (t) => {
    assert.equal(api.openapi.generations.length, 0)
    const res = await fetch(`${base}/openapi/v3`)
    assert.equal(res.status, 200)
    const index = (await res.json()) as any
    assert.equal(api.openapi.generations.length, 1)
    const url = index.paths['api/v1'].serverRelativeURL as string
    assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/)
    const body = Buffer.from(await (await fetch(base + url)).arrayBuffer())
    assert.equal(url.split('hash=')[1], createHash('sha512').update(body).digest('hex').toUpperCase())
    const other = new OpenApiService(builtinResources, apiSchemas).v3Documents()
    assert.equal(other.index.body.toString(), JSON.stringify(index))
    for (const g of api.openapi.generations) t.diagnostic(`generated ${g.what}: ${g.bytes} bytes in ${g.ms} ms, RSS +${(g.rssDelta / 1e6).toFixed(1)} MB`)
  })

  it('serves hashed URLs as immutable, answers If-None-Match with 304, redirects a stale hash', async () => {
    const index = (await (await fetch(`${base}/openapi/v3`)).json()) as any
    const url = index.paths['apis/apps/v1'].serverRelativeURL as string
    const res = await fetch(base + url, { headers: { accept: 'application/json' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'public, immutable')
    assert.ok(res.headers.get('expires'))
    const etag = res.headers.get('etag')!
    assert.equal(etag, `"${url.split('hash=')[1]}"`)
    assert.equal((await fetch(base + url, { headers: { 'if-none-match': etag } })).status, 304)
    const stale = await fetch(`${base}/openapi/v3/apis/apps/v1?hash=ABC`, { redirect: 'manual' })
    assert.equal(stale.status, 301)
    assert.equal(stale.headers.get('location'), url)
    const unhashed = await fetch(`${base}/openapi/v3/apis/apps/v1`)
    assert.equal(unhashed.headers.get('cache-control'), null)
    assert.equal((await fetch(`${base}/openapi/v3/apis/nope/v1`)).status, 404)
    assert.equal((await fetch(base + url, { headers: { accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' } })).status, 406)
  })

  it('serves /openapi/v2 as JSON to JSON clients and as protobuf to client-go', async () => {
    const json = await fetch(`${base}/openapi/v2`, { headers: { accept: 'application/json' } })
    assert.match(json.headers.get('content-type')!, /^application\/json/)
    assert.equal(((await json.json()) as any).swagger, '2.0')
    const pb = await fetch(`${base}/openapi/v2`, { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } })
    assert.equal(pb.status, 200)
    assert.equal(pb.headers.get('content-type'), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf')
    assert.equal(field(Buffer.from(await pb.arrayBuffer()), 1)[0]!.toString(), '2.0')
    assert.equal((await fetch(`${base}/openapi/v2`, { headers: { accept: 'application/xml' } })).status, 406)
  })

  it('answers aggregated discovery only in a version the Accept header lists', async () => {
    const v2 = await fetch(`${base}/apis`, { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' } })
    assert.match(v2.headers.get('content-type')!, /^application\/json;g=apidiscovery\.k8s\.io;v=v2;as=APIGroupDiscoveryList/)
    const core = await fetch(`${base}/api`, { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' } })
    const doc = (await core.json()) as any
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2beta1')
    assert.equal(doc.items.length, 1)
    const legacy = await fetch(`${base}/apis`, { headers: { accept: 'application/json' } })
    assert.equal(((await legacy.json()) as any).kind, 'APIGroupList')
  })
})

describe('aggregated discovery', () => {
  it('picks the aggregated version the client lists first, before any plain JSON entry', () => {
    assert.equal(aggregatedDiscoveryVersion('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2')
    assert.equal(aggregatedDiscoveryVersion('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1')
    assert.equal(aggregatedDiscoveryVersion('application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io'), 'v2')
    assert.equal(aggregatedDiscoveryVersion('application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json'), undefined)
    assert.equal(aggregatedDiscoveryVersion('application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'), undefined)
    assert.equal(aggregatedDiscoveryVersion(undefined), undefined)
  })

  it('lists resources with scope, verbs, short names, categories and subresources with their response kinds', () => {
    const core = aggregatedDiscovery(builtinResources, 'api', 'v2') as any
    assert.deepEqual(core.items.map((i: any) => i.metadata), [{}])
    const pods = core.items[0].versions[0].resources.find((r: any) => r.resource === 'pods')
    assert.deepEqual(
      { ...pods, subresources: undefined },
      { resource: 'pods', responseKind: { group: '', version: 'v1', kind: 'Pod' }, scope: 'Namespaced', singularResource: 'pod', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'], categories: ['all'], subresources: undefined },
    )
    // Every declared subresource is listed; status and binding as Kubernetes lists them.
    const podSubresources = pods.subresources.map((s: any) => s.subresource)
    assert.deepEqual(podSubresources, Object.keys(builtinResources.find((d) => d.plural === 'pods' && !d.group)!.subresources!))
    assert.deepEqual(pods.subresources.find((s: any) => s.subresource === 'status'), { subresource: 'status', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] })
    assert.deepEqual(pods.subresources.find((s: any) => s.subresource === 'binding'), { subresource: 'binding', responseKind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] })
    const groups = aggregatedDiscovery(builtinResources, 'apis', 'v2beta1') as any
    assert.equal(groups.apiVersion, 'apidiscovery.k8s.io/v2beta1')
    const named = [...new Set(builtinResources.filter((d) => d.group).map((d) => d.group))]
    assert.deepEqual(groups.items.map((i: any) => i.metadata.name), named)
    const deployments = groups.items.find((i: any) => i.metadata.name === 'apps').versions[0].resources.find((r: any) => r.resource === 'deployments')
    assert.deepEqual(deployments.subresources.find((s: any) => s.subresource === 'scale').responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' })
    assert.equal(groups.items[0].versions[0].freshness, 'Current')
    const nodes = core.items[0].versions[0].resources.find((r: any) => r.resource === 'nodes')
    assert.equal(nodes.scope, 'Cluster')
  })
})
