// The structural-schema machinery of custom resources, as pure functions: pruning, defaulting, validation
// (with Kubernetes' messages), the JSONPath subset, CRD validation and the naming controller's decisions.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { calculateNames } from '../../src/apiserver/crd/crd-controller.ts'
import { defaultCustomResourceDefinition, validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from '../../src/apiserver/crd/crd-validation.ts'
import { customResourceTable } from '../../src/apiserver/crd/custom-resource-table.ts'
import { applyDefaults, pruneNonNullableNulls } from '../../src/apiserver/crd/defaulting.ts'
import type { JSONSchemaProps } from '../../src/apiserver/crd/json-schema.ts'
import { findValues, parseJsonPath, setValue } from '../../src/apiserver/crd/jsonpath.ts'
import { pruneObject } from '../../src/apiserver/crd/pruning.ts'
import { validateObject } from '../../src/apiserver/crd/schema-validation.ts'
import type { CustomResourceDefinition } from '../../src/apiserver/crd/types.ts'
import { compareVersions } from '../../src/apiserver/discovery.ts'

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['color'],
      properties: {
        color: { type: 'string', enum: ['red', 'green'] },
        replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
        name: { type: 'string', pattern: '^[a-z]+$', minLength: 2, maxLength: 5 },
        mode: { type: 'string', pattern: '^(?i)(abort|warn)?$' },
        ratio: { type: 'number', exclusiveMinimum: true, minimum: 0 },
        port: { 'x-kubernetes-int-or-string': true },
        labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 },
        items: {
          type: 'array',
          maxItems: 3,
          minItems: 1,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, size: { type: 'integer', default: 5 } } },
        },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        nothing: { type: 'object' },
        optional: { type: 'string', nullable: true },
        defaulted: { type: 'object', default: {}, properties: { inner: { type: 'string', default: 'x' } } },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
}

describe('structural pruning', () => {
  it('drops what the schema does not specify, keeps apiVersion, kind, ObjectMeta fields and preserved subtrees', () => {
    const obj: any = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', labels: { a: 'b' }, bogus: 1 },
      spec: {
        color: 'red',
        extra: true,
        items: [{ name: 'a', junk: 1 }],
        free: { anything: { goes: 1 }, known: { a: 'x', b: 'y' } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', nope: 1 }, spec: { x: 1 } },
        nothing: { a: 1 },
        labels: { x: 'y' },
      },
      top: 1,
    }
    const pruned = pruneObject(obj, schema)
    assert.deepEqual(pruned, ['metadata.bogus', 'spec.extra', 'spec.items[0].junk', 'spec.free.known.b', 'spec.template.metadata.nope', 'spec.nothing.a', 'top'])
    assert.deepEqual(obj.metadata, { name: 'w', labels: { a: 'b' } })
    assert.deepEqual(obj.spec.free, { anything: { goes: 1 }, known: { a: 'x' } })
    assert.deepEqual(obj.spec.template, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 1 } })
    assert.deepEqual(obj.spec.nothing, {})
    assert.deepEqual(obj.spec.labels, { x: 'y' })
  })

  it('keeps everything under x-kubernetes-preserve-unknown-fields at the root', () => {
    const obj: any = { metadata: {}, spec: { a: 1 }, other: [1] }
    assert.deepEqual(pruneObject(obj, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }), [])
    assert.deepEqual(obj, { metadata: {}, spec: { a: 1 }, other: [1] })
  })
})

describe('structural defaulting', () => {
  it('fills absent and non-nullable null fields top-down, in list items and defaulted objects too', () => {
    const obj: any = { spec: { color: 'red', replicas: null, items: [{ name: 'a' }, { name: 'b', size: 2 }] } }
    applyDefaults(obj, schema)
    assert.equal(obj.spec.replicas, 1)
    assert.deepEqual(obj.spec.items, [
      { name: 'a', size: 5 },
      { name: 'b', size: 2 },
    ])
    assert.deepEqual(obj.spec.defaulted, { inner: 'x' })
    assert.equal(obj.status, undefined)
  })

  it('drops nulls the schema neither allows nor defaults', () => {
    const obj: any = { spec: { color: 'red', name: null, optional: null } }
    pruneNonNullableNulls(obj, schema)
    assert.deepEqual(obj.spec, { color: 'red', optional: null })
  })
})

describe('schema validation', () => {
  const messages = (spec: unknown) => validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec }, schema).map((c) => `${c.field}: ${c.message}`)

  it('accepts a valid object', () => {
    assert.deepEqual(messages({ color: 'red', replicas: 3, name: 'abc', port: 'http', tags: ['a', 'b'], items: [{ name: 'a' }], optional: null }), [])
    assert.deepEqual(messages({ color: 'green', port: 8080 }), [])
  })

  it('words each problem as kube-openapi and apiextensions do', () => {
    assert.deepEqual(messages({}), ['spec.color: Required value'])
    assert.deepEqual(messages({ color: 'blue' }), ['spec.color: Unsupported value: "blue": supported values: "red", "green"'])
    assert.deepEqual(messages({ color: 'red', replicas: 'x' }), ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'])
    assert.deepEqual(messages({ color: 'red', replicas: 1.5 }), ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"'])
    assert.deepEqual(messages({ color: 'red', replicas: 11 }), ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10'])
    assert.deepEqual(messages({ color: 'red', replicas: -1 }), ['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0'])
    assert.deepEqual(messages({ color: 'red', ratio: 0 }), ['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0'])
    assert.deepEqual(messages({ color: 'red', name: 'Ab' }), ["spec.name: Invalid value: \"Ab\": spec.name in body should match '^[a-z]+$'"])
    // A Go (RE2) pattern with an inline flag, as prometheus-operator's CRDs write them.
    assert.deepEqual(messages({ color: 'red', mode: 'WARN' }), [])
    assert.deepEqual(messages({ color: 'red', mode: 'nope' }), ["spec.mode: Invalid value: \"nope\": spec.mode in body should match '^(?i)(abort|warn)?$'"])
    assert.deepEqual(messages({ color: 'red', name: 'a' }), ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long'])
    assert.deepEqual(messages({ color: 'red', name: 'abcdef' }), ['spec.name: Too long: may not be longer than 5'])
    assert.deepEqual(messages({ color: 'red', items: [] }), ['spec.items: Invalid value: 0: spec.items in body should have at least 1 items'])
    assert.deepEqual(messages({ color: 'red', items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }] }), ['spec.items: Too many: 4: must have at most 3 items'])
    assert.deepEqual(messages({ color: 'red', items: [{ name: 'a' }, { name: 'a' }] }), ['spec.items[1]: Duplicate value: map[string]interface {}{"name":"a"}'])
    assert.deepEqual(messages({ color: 'red', tags: ['x', 'x'] }), ['spec.tags[1]: Duplicate value: "x"'])
    assert.deepEqual(messages({ color: 'red', port: true }), ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"'])
    assert.deepEqual(messages({ color: 'red', labels: { a: '1', b: '2', c: 3 } }), ['spec.labels: Too many: 3: must have at most 2 items', 'spec.labels.c: Invalid value: "integer": spec.labels.c in body must be of type string: "integer"'])
    assert.deepEqual(messages('nope'), ['spec: Invalid value: "string": spec in body must be of type object: "string"'])
  })
})

describe('JSONPath subset', () => {
  const obj = {
    metadata: { name: 'w', labels: { 'app.kubernetes.io/name': 'x' } },
    status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }], n: 0 },
    spec: { list: [1, 2, 3] },
  }
  it('finds fields, indexes, wildcards and filtered items', () => {
    assert.deepEqual(findValues(obj, '.metadata.name'), ['w'])
    assert.deepEqual(findValues(obj, '{.metadata.name}'), ['w'])
    assert.deepEqual(findValues(obj, ".metadata.labels['app.kubernetes.io/name']"), ['x'])
    assert.deepEqual(findValues(obj, '.metadata.labels.app\\.kubernetes\\.io/name'), ['x'])
    assert.deepEqual(findValues(obj, '.spec.list[1]'), [2])
    assert.deepEqual(findValues(obj, '.spec.list[-1]'), [3])
    assert.deepEqual(findValues(obj, '.spec.list[*]'), [1, 2, 3])
    assert.deepEqual(findValues(obj, '.status.conditions[?(@.type=="Ready")].status'), ['True'])
    assert.deepEqual(findValues(obj, ".status.conditions[?(@.type != 'Ready')].type"), ['Synced'])
    assert.deepEqual(findValues(obj, '.status.n'), [0])
    assert.deepEqual(findValues(obj, '.status.missing.deeper'), [])
  })
  it('rejects what it does not cover, and writes plain paths', () => {
    assert.throws(() => parseJsonPath('.a[1:2]'))
    assert.throws(() => parseJsonPath('.a b'))
    const target: any = {}
    setValue(target, '.spec.replicas', 3)
    assert.deepEqual(target, { spec: { replicas: 3 } })
  })
})

describe('printer columns', () => {
  it('prints the CRD columns after Name, an Age column when there are none', () => {
    const now = new Date('2024-01-01T00:10:00Z')
    const obj = { metadata: { name: 'w', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { replicas: 2, ready: true, ratio: 1, tags: ['a'] } }
    const table = customResourceTable([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'boolean', jsonPath: '.spec.ready', priority: 1 },
      { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nope' },
      { name: 'Wrong', type: 'integer', jsonPath: '.metadata.name' },
      { name: 'Created', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ])
    assert.deepEqual(
      table.columns.map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Replicas', 'integer', 0],
        ['Ready', 'boolean', 1],
        ['Tags', 'string', 0],
        ['Missing', 'string', 0],
        ['Wrong', 'integer', 0],
        ['Created', 'date', 0],
      ],
    )
    assert.deepEqual(table.row(obj, now), ['w', 2, true, '["a"]', null, null, '10m'])
    const plain = customResourceTable(undefined)
    assert.deepEqual(plain.columns.map((c) => c.name), ['Name', 'Age'])
    assert.deepEqual(plain.row(obj, now), ['w', '10m'])
  })
})

const crd = (over: Partial<CustomResourceDefinition['spec']> = {}, name = 'widgets.example.com'): CustomResourceDefinition => {
  const c: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      ...over,
    },
  }
  defaultCustomResourceDefinition(c)
  return c
}
const problems = (c: CustomResourceDefinition) => validateCustomResourceDefinition(c).map((x) => `${x.field}: ${x.message}`)

describe('CustomResourceDefinition validation', () => {
  it('defaults singular, listKind and the conversion strategy', () => {
    const c = crd()
    assert.deepEqual(c.spec.names, { plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList' })
    assert.deepEqual(c.spec.conversion, { strategy: 'None' })
    assert.deepEqual(problems(c), [])
  })

  it('checks the name, group, scope, names, versions and schemas as Kubernetes words them', () => {
    assert.deepEqual(problems(crd({}, 'gadgets.example.com')), ['metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group'])
    assert.deepEqual(problems(crd({ group: 'example' }, 'widgets.example')), ['spec.group: Invalid value: "example": should be a domain with at least one dot'])
    assert.deepEqual(problems(crd({ scope: 'Global' as any })), ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'])
    assert.deepEqual(problems(crd({ names: { plural: 'widgets', kind: 'Widget', shortNames: ['W'] } })), [
      "spec.names.shortNames[0]: Invalid value: \"W\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ])
    assert.deepEqual(
      problems(
        crd({
          versions: [
            { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
            { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
          ],
        }),
      ),
      ['spec.versions: Invalid value: ["v1","v2"]: must have exactly one version marked as storage version'],
    )
    assert.deepEqual(problems(crd({ versions: [{ name: 'v1', served: true, storage: true }] })), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required'])
    assert.deepEqual(
      problems(
        crd({
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'array' }, n: { type: 'integer', default: 'x' } } } } } },
              additionalPrinterColumns: [{ name: 'X', type: 'text', jsonPath: 'spec.x' }],
              subresources: { scale: { specReplicasPath: '.status.replicas', statusReplicasPath: '.status.replicas' } },
            },
          ],
        }),
      ),
      [
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[a].items: Required value: must be specified',
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[n].default: Invalid value: "string": spec.n in body must be of type integer: "string"',
        'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
        'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
        'spec.versions[0].additionalPrinterColumns[0].jsonPath: Invalid value: "spec.x": must be a simple json path starting with .',
      ],
    )
  })

  it('keeps group and plural, and once established scope and kind', () => {
    const old = crd()
    old.status = { acceptedNames: old.spec.names, conditions: [{ type: 'Established', status: 'True' }], storedVersions: ['v1'] }
    const next = crd({ scope: 'Cluster', names: { plural: 'widgets', kind: 'Gadget' } })
    next.status = old.status
    assert.deepEqual(
      validateCustomResourceDefinitionUpdate(next, old).map((x) => `${x.field}: ${x.message}`),
      ['spec.scope: Invalid value: "Cluster": field is immutable', 'spec.names.kind: Invalid value: "Gadget": field is immutable'],
    )
  })
})

describe('the naming controller', () => {
  const accepted = (c: CustomResourceDefinition) => ({ ...c, status: { acceptedNames: c.spec.names } })
  it('accepts names no other CRD of the group took, refuses the others', () => {
    const first = accepted(crd({ names: { plural: 'widgets', kind: 'Widget', shortNames: ['w'] } }))
    assert.deepEqual(calculateNames(crd({ names: { plural: 'gadgets', kind: 'Gadget' } }, 'gadgets.example.com'), [first]).namesAccepted, {
      type: 'NamesAccepted',
      status: 'True',
      reason: 'NoConflicts',
      message: 'no conflicts found',
    })
    const kindClash = calculateNames(crd({ names: { plural: 'gadgets', kind: 'Widget', shortNames: ['w'] } }, 'gadgets.example.com'), [first])
    assert.equal(kindClash.namesAccepted.status, 'False')
    assert.equal(kindClash.names.plural, 'gadgets')
    assert.equal(kindClash.names.kind, '')
    assert.deepEqual(
      [kindClash.namesAccepted.reason, kindClash.namesAccepted.message],
      ['ListKindConflict', '"WidgetList" is already in use'],
    )
    // Another group may use the same names.
    assert.equal(calculateNames(crd({ group: 'other.io' }, 'widgets.other.io'), [first]).namesAccepted.status, 'True')
  })
})

describe('version priority', () => {
  it('orders GA, beta, alpha, then the rest', () => {
    assert.deepEqual(['v1alpha1', 'v1', 'foo', 'v2beta1', 'v1beta2', 'v2', 'v10'].sort(compareVersions), ['v10', 'v2', 'v1', 'v2beta1', 'v1beta2', 'v1alpha1', 'foo'])
  })
})
