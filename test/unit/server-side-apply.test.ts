/**
 * Server-side apply and managedFields (src/apiserver/apply/): the FieldsV1 encoding, structured-merge-diff's
 * Updater on small schemas (cases ported from its merge/*_test.go), the field manager on the built-in kinds
 * (ownership on create/update, conflicts, force, pruning, associative and atomic lists, kubectl's migration from
 * client-side apply), and the HTTP surface on an in-process API server (create-on-apply, 409, 422, User-Agent).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import { SchemaRegistry, t, type TypeSchema } from '../../src/api/schema/schema.ts'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import { FieldManager, LAST_APPLIED_ANNOTATION, managerOrUserAgent, printManager } from '../../src/apiserver/apply/field-manager.ts'
import { FieldSet } from '../../src/apiserver/apply/field-set.ts'
import { buildManagerIdentifier, ConflictsError, Updater, type VersionedSet } from '../../src/apiserver/apply/managed-fields.ts'
import { fieldElement, keyElement, pathString, valueElement, type Json } from '../../src/apiserver/apply/path.ts'
import { TypedSchema } from '../../src/apiserver/apply/typed.ts'
import { SUPPORTED_PATCH_TYPES } from '../../src/apiserver/patch/apply-patch.ts'
import type { ResourceDefinition } from '../../src/apiserver/registry/resource-definition.ts'
import { builtinResources } from '../../src/apiserver/resources/index.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'

const f = fieldElement
const k = (fields: Record<string, Json>) => keyElement(Object.entries(fields))
const v = valueElement

// ---------------------------------------------------------------------------------------------------------------
// A small schema in the shape of structured-merge-diff's test parsers

const T = 'test.v1.'
const testTypes: TypeSchema[] = [
  {
    name: `${T}Object`,
    gvk: { group: 'test', version: 'v1', kind: 'Object' },
    fields: [
      { name: 'list', proto: 1, type: t.array(t.ref(`${T}Item`)), listType: 'map', listMapKeys: ['name'] },
      { name: 'set', proto: 2, type: t.array(t.string()), listType: 'set' },
      { name: 'atomicList', proto: 3, type: t.array(t.string()), listType: 'atomic' },
      { name: 'labels', proto: 4, type: t.map(t.string()) },
      { name: 'atomicMap', proto: 5, type: t.map(t.string()), mapType: 'atomic' },
      { name: 'struct', proto: 6, type: t.ref(`${T}Struct`) },
      { name: 'scalar', proto: 7, type: t.string() },
      { name: 'other', proto: 8, type: t.string() },
      { name: 'ports', proto: 9, type: t.array(t.ref(`${T}Port`)), patchStrategy: 'merge', patchMergeKey: 'port' },
    ],
  },
  {
    name: `${T}Item`,
    fields: [
      { name: 'name', proto: 1, type: t.string() },
      { name: 'value', proto: 2, type: t.int32 },
      { name: 'extra', proto: 3, type: t.string() },
    ],
  },
  {
    name: `${T}Struct`,
    fields: [
      { name: 'a', proto: 1, type: t.string() },
      { name: 'b', proto: 2, type: t.string() },
      { name: 'nested', proto: 3, type: t.ref(`${T}Item`), pointer: true },
    ],
  },
  {
    name: `${T}Port`,
    fields: [
      { name: 'port', proto: 1, type: t.int32 },
      { name: 'protocol', proto: 2, type: t.string() },
    ],
  },
]
const testSchema = new TypedSchema(new SchemaRegistry(testTypes))
const shape = testSchema.root(testSchema.registry!.get(`${T}Object`))

/** A tiny driver of the Updater, as structured-merge-diff's fixture runs its test cases. */
class State {
  object: Json = {}
  readonly managers = new Map<string, VersionedSet>()
  private readonly updater = new Updater(testSchema, shape)

  apply(manager: string, config: Json, force = false): void {
    const next = this.updater.apply(this.object, config, 'v1', this.managers, manager, force)
    if (next !== undefined) this.object = next
  }

  update(manager: string, object: Json): void {
    this.updater.updateOp(this.object, object, 'v1', this.managers, manager)
    this.object = object
  }

  /** The paths a manager owns, as strings. */
  owned(manager: string): string[] {
    return (this.managers.get(manager)?.set.paths() ?? []).map(pathString).sort()
  }

  conflicts(manager: string, config: Json): string[] {
    try {
      this.apply(manager, config)
    } catch (err) {
      assert.ok(err instanceof ConflictsError)
      return err.conflicts.map((c) => `${c.manager} ${pathString(c.path)}`)
    }
    return []
  }
}

describe('FieldsV1', () => {
  it('writes fields, keys, values and "." for a member with children, in Kubernetes order', () => {
    const set = FieldSet.of(
      [f('spec'), f('containers'), k({ name: 'nginx' })],
      [f('spec'), f('containers'), k({ name: 'nginx' }), f('image')],
      [f('spec'), f('containers'), k({ name: 'nginx' }), f('name')],
      [f('metadata'), f('labels'), f('app')],
      [f('metadata'), f('finalizers'), v('b')],
      [f('metadata'), f('finalizers'), v('a')],
      [f('spec'), f('ports'), k({ protocol: 'TCP', containerPort: 80 })],
      [f('spec'), f('replicas')],
    )
    const doc = set.toFieldsV1()
    assert.deepEqual(doc, {
      'f:metadata': { 'f:finalizers': { 'v:"a"': {}, 'v:"b"': {} }, 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
        'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': {} },
        'f:replicas': {},
      },
    })
    // Key order is part of the encoding (it is what Kubernetes writes and compares).
    assert.deepEqual(Object.keys(doc), ['f:metadata', 'f:spec'])
    assert.deepEqual(Object.keys(doc['f:spec']!), ['f:containers', 'f:ports', 'f:replicas'])
    assert.deepEqual(Object.keys(doc['f:spec']!['f:containers']!['k:{"name":"nginx"}']!), ['.', 'f:image', 'f:name'])
  })

  it('reads back what it writes, and paths print as Kubernetes prints them', () => {
    const doc = {
      'f:data': { '.': {}, 'f:key': {} },
      'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} } } },
      'f:metadata': { 'f:finalizers': { 'v:"x"': {} } },
    }
    const set = FieldSet.fromFieldsV1(doc)
    assert.ok(set.has([f('data')]))
    assert.ok(set.has([f('data'), f('key')]))
    assert.ok(!set.has([f('spec')]))
    assert.ok(set.has([f('spec'), f('containers'), k({ name: 'a' }), f('image')]))
    assert.deepEqual(FieldSet.fromFieldsV1(set.toFieldsV1()).toFieldsV1(), set.toFieldsV1())
    assert.deepEqual(set.paths().map(pathString), [
      '.data',
      '.data.key',
      '.metadata.finalizers[="x"]',
      '.spec.containers[name="a"]',
      '.spec.containers[name="a"].image',
    ])
    assert.equal(pathString([f('spec'), f('ports'), k({ containerPort: 80, protocol: 'TCP' }), f('name')]), '.spec.ports[containerPort=80,protocol="TCP"].name')
  })

  it('escapes key values as Go does and sorts keys by value type', () => {
    assert.deepEqual(Object.keys(FieldSet.of([f('m'), k({ name: 'a<b' })]).toFieldsV1()['f:m']!), ['k:{"name":"a\\u003cb"}'])
    const values = FieldSet.of([v('b')], [v(2)], [v('a')], [v(true)], [v(1)])
    assert.deepEqual(Object.keys(values.toFieldsV1()), ['v:1', 'v:2', 'v:"a"', 'v:"b"', 'v:true'])
  })

  it('set operations: union, intersection, difference (parents stay), recursive difference', () => {
    const a = FieldSet.of([f('a')], [f('a'), f('b')], [f('c')])
    const b = FieldSet.of([f('a')], [f('d')])
    assert.deepEqual(a.union(b).paths().map(pathString), ['.a', '.c', '.d', '.a.b'])
    assert.deepEqual(a.intersection(b).paths().map(pathString), ['.a'])
    assert.deepEqual(a.difference(b).paths().map(pathString), ['.c', '.a.b'])
    assert.deepEqual(a.recursiveDifference(b).paths().map(pathString), ['.c'])
  })
})

describe('typed values on a schema', () => {
  it('ToFieldSet: leaves, list items by key (with "."), set values, atomic lists and maps as one field', () => {
    const set = testSchema.toFieldSet(
      { list: [{ name: 'a', value: 1 }], set: ['x'], atomicList: ['p', 'q'], labels: { l: '1' }, atomicMap: { m: '1' }, struct: { a: 'A' }, ports: [{ port: 80 }] },
      shape,
    )
    assert.deepEqual(set.toFieldsV1(), {
      'f:atomicList': {},
      'f:atomicMap': {},
      'f:labels': { 'f:l': {} },
      'f:list': { 'k:{"name":"a"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
      // A strategic `merge` list without a list type is associative by its patch merge key.
      'f:ports': { 'k:{"port":80}': { '.': {}, 'f:port': {} } },
      'f:set': { 'v:"x"': {} },
      'f:struct': { 'f:a': {} },
    })
  })

  it('Compare: added, modified and removed fields; a list item added as a whole', () => {
    const c = testSchema.compare({ scalar: 'a', list: [{ name: 'x', value: 1 }], labels: { a: '1' } }, { scalar: 'b', list: [{ name: 'x', value: 2 }, { name: 'y' }], other: 'o' }, shape)
    assert.deepEqual(c.modified.paths().map(pathString), ['.scalar', '.list[name="x"].value'])
    assert.deepEqual(c.added.paths().map(pathString), ['.other', '.list[name="y"]', '.list[name="y"].name'])
    assert.deepEqual(c.removed.paths().map(pathString), ['.labels', '.labels.a'])
  })

  it('Merge: associative lists merge by key in the applied order, atomic lists and maps are replaced', () => {
    const merged = testSchema.merge(
      { list: [{ name: 'a', value: 1, extra: 'e' }, { name: 'b', value: 2 }], atomicList: ['1', '2'], atomicMap: { x: '1' }, set: ['s1'] },
      { list: [{ name: 'c', value: 3 }, { name: 'a', value: 9 }], atomicList: ['3'], atomicMap: { y: '2' }, set: ['s2'] },
      shape,
    )
    assert.deepEqual(merged, {
      list: [{ name: 'c', value: 3 }, { name: 'a', value: 9, extra: 'e' }, { name: 'b', value: 2 }],
      atomicList: ['3'],
      atomicMap: { y: '2' },
      set: ['s1', 's2'],
    })
  })

  it('rejects an applied list item without its key, a repeated key, an undeclared field and a value of the wrong type', () => {
    assert.throws(() => testSchema.validate({ list: [{ value: 1 }] }, shape), /\.list: element 0: associative list with keys has an element that omits all key fields \["name"\]/)
    assert.throws(() => testSchema.validate({ list: [{ name: 'a' }, { name: 'a' }] }, shape), /\.list: duplicate entries for key \[name="a"\]/)
    assert.throws(() => testSchema.validate({ struct: { zzz: 1 } }, shape), /^Error: \.struct\.zzz: field not declared in schema$/)
    assert.throws(() => testSchema.validate({ list: 'x', struct: 'y' }, shape), /errors:\n  \.list: expected list, got "x"\n  \.struct: expected map, got "y"/)
  })
})

describe('Updater (structured-merge-diff merge tests)', () => {
  it('an applier that drops a list item removes it; items another applier owns stay (remove_one_keep_one)', () => {
    const s = new State()
    s.apply('apply-one', { list: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] })
    s.apply('apply-two', { list: [{ name: 'c' }, { name: 'd' }] })
    s.apply('apply-one', { list: [{ name: 'a' }] })
    assert.deepEqual(s.object, { list: [{ name: 'a' }, { name: 'c' }, { name: 'd' }] })
    assert.deepEqual(s.owned('apply-one'), ['.list[name="a"]', '.list[name="a"].name'])
    assert.deepEqual(s.owned('apply-two'), ['.list[name="c"]', '.list[name="c"].name', '.list[name="d"]', '.list[name="d"].name'])
  })

  it('two appliers of the same value share it; a different value conflicts, force takes it over', () => {
    const s = new State()
    s.apply('apply-one', { list: [{ name: 'a', value: 0 }] })
    s.apply('apply-two', { list: [{ name: 'a', value: 0 }] })
    assert.deepEqual(s.owned('apply-one'), s.owned('apply-two'))
    assert.deepEqual(s.conflicts('apply-two', { list: [{ name: 'a', value: 1 }] }), ['apply-one .list[name="a"].value'])
    assert.deepEqual(s.object, { list: [{ name: 'a', value: 0 }] })
    s.apply('apply-two', { list: [{ name: 'a', value: 1 }] }, true)
    assert.deepEqual(s.object, { list: [{ name: 'a', value: 1 }] })
    assert.deepEqual(s.owned('apply-one'), ['.list[name="a"]', '.list[name="a"].name'])
    assert.ok(s.owned('apply-two').includes('.list[name="a"].value'))
  })

  it('an update takes the fields it changes from an applier, which then conflicts on them', () => {
    const s = new State()
    s.apply('applier', { scalar: 'a', other: 'o' })
    s.update('controller', { scalar: 'b', other: 'o' })
    assert.deepEqual(s.owned('applier'), ['.other'])
    assert.deepEqual(s.owned('controller'), ['.scalar'])
    assert.deepEqual(s.conflicts('applier', { scalar: 'a', other: 'o' }), ['controller .scalar'])
    // Re-applying the current value is no conflict, and shares the field.
    s.apply('applier', { scalar: 'b', other: 'o' })
    assert.deepEqual(s.owned('applier'), ['.other', '.scalar'])
  })

  it('a field an applier stops applying is removed, unless another manager owns it', () => {
    const s = new State()
    s.apply('one', { scalar: 'x', other: 'y', labels: { a: '1', b: '2' } })
    s.apply('two', { other: 'y' })
    s.apply('one', { labels: { a: '1' } })
    assert.deepEqual(s.object, { other: 'y', labels: { a: '1' } })
    assert.deepEqual(s.owned('one'), ['.labels.a'])
    // Fields an updater owns are kept too.
    s.update('ctl', { other: 'y', labels: { a: '1' }, scalar: 'set-by-ctl' })
    s.apply('one', { labels: { a: '1' }, scalar: 'set-by-ctl' })
    s.apply('one', { labels: { a: '1' } })
    assert.equal((s.object as any).scalar, 'set-by-ctl')
  })

  it('fields an applier never applied (dangling: set by updates) are not pruned', () => {
    const s = new State()
    s.update('creator', { struct: { a: '1', b: '2' } })
    s.apply('applier', { struct: { a: '1' } })
    s.apply('applier', {})
    assert.deepEqual(s.object, { struct: { a: '1', b: '2' } })
  })

  it('atomic lists are owned and replaced as a whole, and conflict as a whole', () => {
    const s = new State()
    s.apply('one', { atomicList: ['a', 'b'] })
    assert.deepEqual(s.owned('one'), ['.atomicList'])
    assert.deepEqual(s.conflicts('two', { atomicList: ['a', 'b', 'c'] }), ['one .atomicList'])
    s.apply('two', { atomicList: ['c'] }, true)
    assert.deepEqual(s.object, { atomicList: ['c'] })
    assert.deepEqual(s.owned('one'), [])
  })

  it('sets: values are owned one by one and removed when dropped', () => {
    const s = new State()
    s.apply('one', { set: ['a', 'b'] })
    s.apply('two', { set: ['c'] })
    s.apply('one', { set: ['a'] })
    assert.deepEqual(s.object, { set: ['a', 'c'] })
    assert.deepEqual(s.owned('one'), ['.set[="a"]'])
  })

  it('a removed nested struct is pruned with its fields', () => {
    const s = new State()
    s.apply('one', { struct: { a: 'x', nested: { name: 'n', value: 1 } } })
    s.apply('one', { struct: { a: 'x' } })
    assert.deepEqual(s.object, { struct: { a: 'x' } })
  })
})

// ---------------------------------------------------------------------------------------------------------------
// The field manager on the built-in kinds

const defOf = (plural: string): ResourceDefinition => builtinResources.find((d) => d.plural === plural)!
const configmaps = defOf('configmaps')
const deployments = defOf('deployments')

const owners = (obj: KubeObject) =>
  Object.fromEntries(
    ((obj.metadata.managedFields ?? []) as any[]).map((e) => [
      `${e.manager}/${e.operation}${e.subresource ? '/' + e.subresource : ''}`,
      FieldSet.fromFieldsV1(e.fieldsV1).paths().map(pathString),
    ]),
  )

/** The identity fields the registry sets on a create. */
const stored = (obj: KubeObject): KubeObject => {
  const o = structuredClone(obj)
  o.metadata = { ...o.metadata, uid: 'u-1', resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z', namespace: 'default' }
  return o
}

describe('FieldManager on built-in kinds', () => {
  const fm = new FieldManager()
  const cm = (data: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data, ...extra })

  it('a create records an Update entry of its manager, without identity fields', () => {
    const obj = stored(cm({ key: 'v' }, { metadata: { name: 'c', labels: { app: 'x' } } }))
    fm.update(configmaps, undefined, obj, { manager: 'kubectl-create' })
    const [entry] = obj.metadata.managedFields as any[]
    assert.equal(entry.manager, 'kubectl-create')
    assert.equal(entry.operation, 'Update')
    assert.equal(entry.apiVersion, 'v1')
    assert.equal(entry.fieldsType, 'FieldsV1')
    assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.equal(entry.subresource, undefined)
    assert.deepEqual(entry.fieldsV1, { 'f:data': { '.': {}, 'f:key': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } })
    assert.deepEqual(Object.keys(entry), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1'])
  })

  it('an update by another manager takes over the fields it changes; an update that changes nothing adds no entry', () => {
    const live = stored(cm({ a: '1', b: '2' }))
    fm.update(configmaps, undefined, live, { manager: 'creator' })
    const next = structuredClone(live)
    next.data.a = 'changed'
    fm.update(configmaps, live, next, { manager: 'editor' })
    assert.deepEqual(owners(next), { 'creator/Update': ['.data', '.data.b'], 'editor/Update': ['.data.a'] })
    const same = structuredClone(next)
    fm.update(configmaps, next, same, { manager: 'noop' })
    assert.deepEqual(same.metadata.managedFields, next.metadata.managedFields)
  })

  it('an object updated without managedFields stays untracked; "[]" resets them', () => {
    const live = stored(cm({ a: '1' }))
    const next = structuredClone(live)
    next.data.a = '2'
    fm.update(configmaps, live, next, { manager: 'm' })
    assert.equal(next.metadata.managedFields, undefined)
    const tracked = stored(cm({ a: '1' }))
    fm.update(configmaps, undefined, tracked, { manager: 'creator' })
    const reset = structuredClone(tracked)
    reset.metadata.managedFields = []
    fm.update(configmaps, tracked, reset, { manager: 'm' })
    assert.equal(reset.metadata.managedFields, undefined)
  })

  it('an apply conflicts with the updater of a field it changes (409, Kubernetes message and causes); force takes it', () => {
    const live = stored(cm({ key: 'a' }))
    fm.update(configmaps, undefined, live, { manager: 'kubectl-client-side-apply' })
    const err = (() => {
      try {
        fm.apply(configmaps, live, cm({ key: 'b' }), { manager: 'kubectl', force: false })
      } catch (e) {
        return e as ApiError
      }
      assert.fail('expected a conflict')
    })()
    assert.ok(err instanceof ApiError)
    assert.equal(err.code, 409)
    assert.equal(err.reason, 'Conflict')
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key')
    assert.deepEqual(err.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.data.key' }])
    const forced = fm.apply(configmaps, live, cm({ key: 'b' }), { manager: 'kubectl', force: true })
    assert.equal(forced.data.key, 'b')
    assert.deepEqual(owners(forced), { 'kubectl/Apply': ['.data.key'], 'kubectl-client-side-apply/Update': ['.data'] })
    const apply = (forced.metadata.managedFields as any[]).find((e) => e.operation === 'Apply')
    assert.equal(apply.apiVersion, 'v1')
  })

  it('conflicts with several managers are listed per manager', () => {
    const live = stored(cm({ a: '1', b: '2' }))
    fm.update(configmaps, undefined, live, { manager: 'one' })
    const next = structuredClone(live)
    next.data.b = '3'
    fm.update(configmaps, live, next, { manager: 'two' })
    assert.throws(
      () => fm.apply(configmaps, next, cm({ a: 'x', b: 'y' }), { manager: 'applier', force: false }),
      (e: ApiError) =>
        e.code === 409 &&
        e.message === 'Apply failed with 2 conflicts: conflicts with "one" using v1:\n- .data.a\nconflicts with "two" using v1:\n- .data.b' &&
        e.details!.causes!.length === 2,
    )
  })

  it('an apply to nothing creates: the manager owns exactly its configuration', () => {
    const created = fm.apply(configmaps, undefined, cm({ k: 'v' }, { metadata: { name: 'c', labels: { a: 'b' } } }), { manager: 'mgr', force: false })
    assert.equal(created.data.k, 'v')
    assert.deepEqual(owners(created), { 'mgr/Apply': ['.data.k', '.metadata.labels.a'] })
  })

  it('rejects a configuration of another kind or version, or with managedFields (400)', () => {
    const live = stored(cm({}))
    assert.throws(() => fm.apply(configmaps, live, { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'c' } }, { manager: 'm', force: false }), (e: ApiError) => e.code === 400 && e.message === 'invalid object type: /v2, Kind=ConfigMap')
    assert.throws(() => fm.apply(configmaps, live, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', managedFields: [] } }, { manager: 'm', force: false }), (e: ApiError) => e.code === 400 && e.message === 'metadata.managedFields must be nil')
    assert.throws(
      () => fm.apply(deployments, undefined, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { bogus: 1 } }, { manager: 'm', force: false }),
      (e: ApiError) => e.code === 500 && e.message === 'failed to create typed patch object (ns/d; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema',
    )
  })

  const deploy = (containers: unknown[], extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } }, ...extra },
  })

  it('containers and env are associative lists by name: each applier keeps its own items', () => {
    let obj = fm.apply(deployments, undefined, deploy([{ name: 'app', image: 'a:1', env: [{ name: 'A', value: '1' }] }]), { manager: 'one', force: false })
    obj = stored(obj)
    obj = fm.apply(deployments, obj, deploy([{ name: 'sidecar', image: 's:1' }, { name: 'app', env: [{ name: 'B', value: '2' }] }]), { manager: 'two', force: false })
    const containers = obj.spec.template.spec.containers
    assert.deepEqual(containers.map((c: any) => c.name), ['sidecar', 'app'])
    assert.deepEqual(containers[1].env, [{ name: 'B', value: '2' }, { name: 'A', value: '1' }].reverse())
    const two = owners(obj)['two/Apply']!
    assert.ok(two.includes('.spec.template.spec.containers[name="sidecar"].image'))
    assert.ok(two.includes('.spec.template.spec.containers[name="app"].env[name="B"].value'))
    assert.ok(!two.includes('.spec.template.spec.containers[name="app"].image'))
    // `one` drops its env var A: it goes; B, owned by `two`, stays.
    obj = fm.apply(deployments, obj, deploy([{ name: 'app', image: 'a:1' }]), { manager: 'one', force: false })
    assert.deepEqual(obj.spec.template.spec.containers[1].env, [{ name: 'B', value: '2' }])
  })

  it('ports are keyed by containerPort and protocol, TCP when left out', () => {
    const obj = fm.apply(deployments, undefined, deploy([{ name: 'app', image: 'a', ports: [{ containerPort: 80 }] }]), { manager: 'm', force: false })
    assert.ok(owners(obj)['m/Apply']!.includes('.spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"].containerPort'))
  })

  it('command (an atomic list) is replaced whole and conflicts whole', () => {
    let obj = stored(fm.apply(deployments, undefined, deploy([{ name: 'app', image: 'a', command: ['sh', '-c', 'x'] }]), { manager: 'one', force: false }))
    assert.ok(owners(obj)['one/Apply']!.includes('.spec.template.spec.containers[name="app"].command'))
    assert.throws(
      () => fm.apply(deployments, obj, deploy([{ name: 'app', command: ['sh'] }]), { manager: 'two', force: false }),
      (e: ApiError) => e.code === 409 && e.details!.causes![0]!.field === '.spec.template.spec.containers[name="app"].command',
    )
    obj = fm.apply(deployments, obj, deploy([{ name: 'app', command: ['sh'] }]), { manager: 'two', force: true })
    assert.deepEqual(obj.spec.template.spec.containers[0].command, ['sh'])
  })

  it('kubectl takes over, without conflicts, the fields client-side apply set to the values they still have', () => {
    const lastApplied = deploy([{ name: 'app', image: 'a:1' }])
    const live = stored(deploy([{ name: 'app', image: 'a:1' }], { replicas: 2 }))
    live.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(lastApplied) + '\n' }
    fm.update(deployments, undefined, live, { manager: 'kubectl-client-side-apply' })
    // The image was applied client-side and is unchanged: no conflict. Replicas were not: conflict.
    const ok = fm.apply(deployments, live, deploy([{ name: 'app', image: 'a:2' }]), { manager: 'kubectl', force: false })
    assert.equal(ok.spec.template.spec.containers[0].image, 'a:2')
    // The server keeps kubectl's annotation up to date with the configuration.
    assert.deepEqual(JSON.parse(ok.metadata.annotations![LAST_APPLIED_ANNOTATION]!).spec.template.spec.containers, [{ image: 'a:2', name: 'app' }])
    assert.throws(
      () => fm.apply(deployments, live, deploy([{ name: 'app', image: 'a:1' }], { replicas: 5 }), { manager: 'kubectl', force: false }),
      (e: ApiError) => e.code === 409 && e.message === 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    )
    // Another manager gets no such leniency.
    assert.throws(() => fm.apply(deployments, live, deploy([{ name: 'app', image: 'a:2' }]), { manager: 'other', force: false }), (e: ApiError) => e.code === 409)
  })

  it('the first apply to an object without managedFields gives its fields to before-first-apply', () => {
    const live = stored(cm({ a: '1', b: '2' }))
    const out = fm.apply(configmaps, live, cm({ a: '1' }), { manager: 'm', force: false })
    assert.deepEqual(owners(out), { 'm/Apply': ['.data.a'], 'before-first-apply/Update': ['.data', '.data.a', '.data.b'] })
  })

  it('status is not owned through the main resource; through status only status is', () => {
    const live = stored({ ...deploy([{ name: 'app', image: 'a' }]), status: { replicas: 1 } })
    fm.update(deployments, undefined, live, { manager: 'creator' })
    assert.ok(!Object.values(owners(live)).flat().some((p) => p.startsWith('.status')))
    const next = structuredClone(live)
    next.status = { replicas: 3 }
    fm.update(deployments, live, next, { manager: 'controller', subresource: 'status' })
    assert.deepEqual(owners(next)['controller/Update/status'], ['.status.replicas'])
  })

  it('keeps at most 10 Update managers, folding the oldest into ancient-changes', () => {
    let obj = stored(cm({ k0: '0' }))
    fm.update(configmaps, undefined, obj, { manager: 'm0' })
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(obj)
      next.data[`k${i}`] = String(i)
      fm.update(configmaps, obj, next, { manager: `m${i}` })
      obj = next
    }
    const names = (obj.metadata.managedFields as any[]).map((e) => e.manager)
    assert.equal(names.length, 10)
    assert.ok(names.includes('ancient-changes'))
  })
})

describe('managers and identifiers', () => {
  it('the manager of a request: fieldManager, else the User-Agent before its first "/"', () => {
    assert.equal(managerOrUserAgent('mine', 'kubectl/v1.32.0'), 'mine')
    assert.equal(managerOrUserAgent(undefined, 'kubectl-client-side-apply/v1.30.0 (linux/amd64) kubernetes/abc'), 'kubectl-client-side-apply')
    assert.equal(managerOrUserAgent('', 'OpenAPI-Generator/22.6.0/python'), 'OpenAPI-Generator')
    assert.equal(managerOrUserAgent(undefined, 'bad\u0007agent'), 'badagent')
    assert.equal(managerOrUserAgent(undefined, 'x'.repeat(200)).length, 128)
  })

  it('prints managers as Kubernetes does in conflicts', () => {
    assert.equal(printManager(buildManagerIdentifier({ manager: 'kubectl', operation: 'Apply' })), '"kubectl"')
    assert.equal(printManager(buildManagerIdentifier({ manager: 'kubelet', operation: 'Update', apiVersion: 'v1', subresource: 'status' })), '"kubelet" with subresource "status" using v1')
    assert.equal(buildManagerIdentifier({ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1' }), '{"manager":"kubectl","operation":"Apply"}')
  })

  it('PATCH advertises application/apply-patch+yaml', () => {
    assert.deepEqual(SUPPORTED_PATCH_TYPES, ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// HTTP

describe('server-side apply over HTTP (in-process API server)', () => {
  const store = new MemoryStore()
  const server = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
  let base = ''
  const CM = '/api/v1/namespaces/default/configmaps'

  before(async () => {
    await server.start()
    const { port } = await server.listen(0)
    base = `http://127.0.0.1:${port}`
  })
  after(async () => {
    await server.stop()
    await store.close()
  })

  async function call(method: string, path: string, body: unknown, contentType = 'application/json', userAgent = 'test-client/1.0'): Promise<{ status: number; body: any }> {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': contentType, 'user-agent': userAgent },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    return { status: res.status, body: await res.json() }
  }
  const APPLY = 'application/apply-patch+yaml'

  it('POST, PUT and PATCH record managedFields under fieldManager or the User-Agent product', async () => {
    let r = await call('POST', CM, { metadata: { name: 'http-1' }, data: { a: '1' } }, 'application/json', 'kubectl-create/v1.32.0 (linux/amd64)')
    assert.equal(r.status, 201)
    assert.deepEqual(owners(r.body), { 'kubectl-create/Update': ['.data', '.data.a'] })
    r = await call('PATCH', `${CM}/http-1?fieldManager=patcher`, { data: { b: '2' } }, 'application/merge-patch+json')
    assert.equal(r.status, 200)
    assert.deepEqual(owners(r.body)['patcher/Update'], ['.data.b'])
    const obj = r.body
    obj.data.a = 'changed'
    r = await call('PUT', `${CM}/http-1`, obj, 'application/json', 'OpenAPI-Generator/22.6.0/python')
    assert.equal(r.status, 200)
    assert.deepEqual(owners(r.body), { 'kubectl-create/Update': ['.data'], 'patcher/Update': ['.data.b'], 'OpenAPI-Generator/Update': ['.data.a'] })
  })

  it('apply creates (201) from YAML, updates (200), conflicts (409) and is forced', async () => {
    let r = await call('PATCH', `${CM}/http-2?fieldManager=tool`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: http-2\ndata:\n  key: one\n', APPLY)
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.equal(r.body.metadata.namespace, 'default')
    assert.match(r.body.metadata.uid, /^[0-9a-f-]{36}$/)
    assert.deepEqual(owners(r.body), { 'tool/Apply': ['.data.key'] })
    r = await call('PATCH', `${CM}/http-2?fieldManager=tool`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'http-2' }, data: { key: 'two' } }, APPLY)
    assert.equal(r.status, 200)
    assert.equal(r.body.data.key, 'two')
    r = await call('PATCH', `${CM}/http-2?fieldManager=other&force=false`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'http-2' }, data: { key: 'three' } }, APPLY)
    assert.equal(r.status, 409)
    assert.equal(r.body.reason, 'Conflict')
    assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "tool": .data.key')
    assert.deepEqual(r.body.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "tool"', field: '.data.key' }] })
    r = await call('PATCH', `${CM}/http-2?fieldManager=other&force=true`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'http-2' }, data: { key: 'three' } }, APPLY)
    assert.equal(r.status, 200)
    assert.deepEqual(owners(r.body), { 'other/Apply': ['.data.key'] })
  })

  it('apply needs a fieldManager; force is only for apply (422 on PatchOptions); a dry run stores nothing', async () => {
    let r = await call('PATCH', `${CM}/http-3`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'http-3' } }, APPLY)
    assert.equal(r.status, 422)
    assert.equal(r.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
    r = await call('PATCH', `${CM}/http-1?force=true`, { data: {} }, 'application/merge-patch+json')
    assert.equal(r.status, 422)
    assert.match(r.body.message, /force: Forbidden: may not be specified for non-apply patch/)
    r = await call('PATCH', `${CM}/http-3?fieldManager=m&dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'http-3' }, data: { a: 'b' } }, APPLY)
    assert.equal(r.status, 201)
    assert.equal((await call('GET', `${CM}/http-3`, undefined)).status, 404)
  })

  it('create-on-apply checks the name against the URL', async () => {
    const r = await call('PATCH', `${CM}/http-4?fieldManager=m`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } }, APPLY)
    assert.equal(r.status, 400)
    assert.equal(r.body.message, 'the name of the object (other) does not match the name on the URL (http-4)')
  })

  it('OpenAPI v3 advertises application/apply-patch+yaml on PATCH', async () => {
    const res = await fetch(`${base}/openapi/v3/apis/apps/v1`)
    const doc = (await res.json()) as any
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch
    assert.ok('application/apply-patch+yaml' in patch.requestBody.content, Object.keys(patch.requestBody.content).join(', '))
    assert.ok(patch.parameters.some((p: any) => p.name === 'force'))
  })

  it('an unsupported patch type lists apply among the accepted ones', async () => {
    const r = await call('PATCH', `${CM}/http-1`, {}, 'text/plain')
    assert.equal(r.status, 415)
    assert.match(r.body.message, /application\/strategic-merge-patch\+json, application\/apply-patch\+yaml$/)
  })
})

