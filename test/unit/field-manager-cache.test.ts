/**
 * The field manager's shortcuts (src/apiserver/apply/): decoded FieldsV1 shared between objects that carry the same
 * document, equal parts of an object skipped when comparing, keys of path elements computed once. Each must leave
 * managedFields exactly as computing everything afresh does.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import { FieldManager } from '../../src/apiserver/apply/field-manager.ts'
import { FieldSet } from '../../src/apiserver/apply/field-set.ts'
import { fieldElement, keyElement, pathString, serializePathElement, valueElement } from '../../src/apiserver/apply/path.ts'
import type { ResourceDefinition } from '../../src/apiserver/registry/resource-definition.ts'
import { builtinResources } from '../../src/apiserver/resources/index.ts'

const def = (plural: string) => builtinResources.find((d) => d.plural === plural && d.group === '') as ResourceDefinition
const pods = def('pods')
const configmaps = def('configmaps')
const fm = new FieldManager()

const owners = (obj: KubeObject) =>
  Object.fromEntries(
    ((obj.metadata.managedFields ?? []) as any[]).map((e) => [`${e.manager}${e.subresource ? '/' + e.subresource : ''}`, FieldSet.fromFieldsV1(e.fieldsV1).paths().map(pathString)]),
  )

const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `u-${name}`, creationTimestamp: '2024-01-01T00:00:00Z', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }] },
  status: { phase: 'Pending' },
})

describe('field manager shortcuts', () => {
  it('objects carrying the same managedFields document are updated independently', () => {
    const a = pod('a')
    fm.update(pods, undefined, a, { manager: 'creator' })
    const b = structuredClone(a)
    b.metadata.name = 'b'
    // Both now carry the same FieldsV1 text: the second decode is served from the first.
    const a2 = structuredClone(a)
    a2.spec.containers[0].image = 'nginx:2'
    fm.update(pods, a, a2, { manager: 'editor' })
    const b2 = structuredClone(b)
    b2.metadata.labels = { ...b2.metadata.labels, tier: 'front' }
    fm.update(pods, b, b2, { manager: 'labeller' })
    assert.deepEqual(owners(a2).editor, ['.spec.containers[name="web"].image'])
    assert.ok(owners(a2).creator!.includes('.metadata.labels.app'))
    assert.ok(!owners(a2).creator!.includes('.spec.containers[name="web"].image'))
    assert.deepEqual(owners(b2).labeller, ['.metadata.labels.tier'])
    assert.ok(owners(b2).creator!.includes('.spec.containers[name="web"].image'), 'b keeps what the editor of a took from a')
    // And a third object from the same document still decodes to the creator's full set.
    const c = structuredClone(b)
    const c2 = structuredClone(c)
    fm.update(pods, c, c2, { manager: 'noop' })
    assert.deepEqual(c2.metadata.managedFields, c.metadata.managedFields)
  })

  it('an update that leaves a subtree equal (same values, other key order) changes nothing there', () => {
    const live = pod('p')
    fm.update(pods, undefined, live, { manager: 'creator' })
    const next = structuredClone(live)
    // spec with its keys in another order, status changed through the status subresource
    next.spec = { containers: [{ env: [{ value: '1', name: 'A' }], ports: [{ containerPort: 80 }], image: 'nginx', name: 'web' }] }
    next.status = { phase: 'Running', podIP: '10.0.0.1' }
    fm.update(pods, live, next, { manager: 'kubelet', subresource: 'status' })
    assert.deepEqual(owners(next)['kubelet/status'], ['.status.phase', '.status.podIP'])
    assert.deepEqual(owners(next).creator, owners(live).creator)
  })

  it('an update by the same manager that adds nothing keeps its entry, and one that adds a field extends it', () => {
    const live: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', uid: 'u' }, data: { a: '1' } }
    fm.update(configmaps, undefined, live, { manager: 'm' })
    const same = structuredClone(live)
    same.data.a = '2'
    fm.update(configmaps, live, same, { manager: 'm' })
    assert.deepEqual(owners(same), { m: ['.data', '.data.a'] })
    const more = structuredClone(same)
    more.data.b = '3'
    fm.update(configmaps, same, more, { manager: 'm' })
    assert.deepEqual(owners(more), { m: ['.data', '.data.a', '.data.b'] })
  })

  it('the writing manager\'s entry is written out anew (in Kubernetes\' order) even when its fields stay the same', () => {
    const live: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        namespace: 'default',
        uid: 'u',
        // As a client may have sent it: keys out of order.
        managedFields: [{ manager: 'm', operation: 'Update', apiVersion: 'v1', time: '2020-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:b': {}, '.': {}, 'f:a': {} } } }],
      },
      data: { a: '1', b: '2' },
    }
    const next = structuredClone(live)
    next.data.a = 'changed'
    fm.update(configmaps, live, next, { manager: 'm' })
    const [entry] = next.metadata.managedFields as any[]
    assert.notEqual(entry.time, '2020-01-01T00:00:00Z')
    assert.equal(JSON.stringify(entry.fieldsV1), '{"f:data":{".":{},"f:a":{},"f:b":{}}}')
    // The same set written out again (another object, same document) gives the same document.
    const other = structuredClone(live)
    other.metadata.name = 'd'
    const otherNext = structuredClone(other)
    otherNext.data.b = 'changed'
    fm.update(configmaps, other, otherNext, { manager: 'm' })
    assert.equal(JSON.stringify((otherNext.metadata.managedFields as any[])[0].fieldsV1), '{"f:data":{".":{},"f:a":{},"f:b":{}}}')
  })

  it('path elements keep their FieldsV1 key, which JSON of the element does not show', () => {
    const k = keyElement([
      ['protocol', 'TCP'],
      ['containerPort', 80],
    ])
    assert.equal(serializePathElement(k), 'k:{"containerPort":80,"protocol":"TCP"}')
    assert.equal(JSON.stringify(k), '{"kind":"key","fields":[["containerPort",80],["protocol","TCP"]]}')
    assert.equal(serializePathElement(fieldElement('a<b')), 'f:a<b')
    assert.equal(serializePathElement(valueElement('<x>')), 'v:"\\u003cx\\u003e"')
    // Elements written as literals (no cached key) serialize the same.
    assert.equal(serializePathElement({ kind: 'key', fields: [['name', 'x']] }), 'k:{"name":"x"}')
  })
})
