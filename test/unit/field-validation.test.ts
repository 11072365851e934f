import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SchemaRegistry, t, type TypeSchema } from '../../src/api/schema/schema.ts'
import { apiSchemas } from '../../src/api/schema/types/index.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import type { HandlerContext } from '../../src/apiserver/handlers/handler-context.ts'
import { fieldValidationOf, unknownFieldPaths, validateObjectBody, validatePatch, yamlDuplicateKeyError } from '../../src/apiserver/validation/field-validation.ts'
import { ANY, kindTarget, strictJsonErrors } from '../../src/apiserver/validation/strict-json.ts'

/** A small hand-declared API: a kind with a spec, a list of items, a map of objects, an inline member and raw data. */
const types: TypeSchema[] = [
  {
    name: 'test.v1.Widget',
    gvk: { group: 'example.com', version: 'v1', kind: 'Widget' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string() },
      { name: 'kind', proto: 0, type: t.string() },
      { name: 'metadata', proto: 1, type: t.ref('test.v1.Meta') },
      { name: 'spec', proto: 2, type: t.ref('test.v1.WidgetSpec') },
    ],
  },
  { name: 'test.v1.Meta', fields: [{ name: 'name', proto: 1, type: t.string() }, { name: 'labels', proto: 2, type: t.map(t.string()) }] },
  {
    name: 'test.v1.WidgetSpec',
    fields: [
      { name: 'replicas', proto: 1, type: t.int32 },
      { name: 'parts', proto: 2, type: t.array(t.ref('test.v1.Part')) },
      { name: 'byName', proto: 3, type: t.map(t.ref('test.v1.Part')) },
      { name: 'size', proto: 4, type: t.intOrString },
      { name: 'extra', proto: 5, type: t.raw },
      { name: 'common', proto: 6, type: t.ref('test.v1.Common'), inline: true },
      { name: 'matrix', proto: 7, type: t.array(t.array(t.ref('test.v1.Part'))) },
    ],
  },
  { name: 'test.v1.Part', fields: [{ name: 'name', proto: 1, type: t.string() }, { name: 'count', proto: 2, type: t.int32 }] },
  { name: 'test.v1.Common', fields: [{ name: 'color', proto: 1, type: t.string() }] },
]
const registry = new SchemaRegistry(types)
const widget = kindTarget(registry, 'test.v1.Widget')!

const scan = (value: unknown) => strictJsonErrors(typeof value === 'string' ? value : JSON.stringify(value), widget)

describe('strictJsonErrors: unknown fields at any depth', () => {
  it('accepts a document with declared fields only (inline members, TypeMeta, raw data)', () => {
    assert.deepEqual(
      scan({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: 'b' } }, spec: { replicas: 1, color: 'red', size: '50%', extra: { anything: { goes: [1] } }, parts: [{ name: 'p' }] } }),
      [],
    )
  })
  it('reports top-level, nested, list-item and map-value unknowns with Kubernetes paths', () => {
    assert.deepEqual(scan({ foo: 1, spec: { bar: 2, parts: [{ name: 'a' }, { name: 'b', baz: 3 }], byName: { x: { qux: 4 } }, matrix: [[{}, { deep: 1 }]] } }), [
      'unknown field "foo"',
      'unknown field "spec.bar"',
      'unknown field "spec.parts[1].baz"',
      'unknown field "spec.byName.x.qux"',
      'unknown field "spec.matrix[0][1].deep"',
    ])
  })
  it('reports duplicate fields of structs and maps, in document order with unknown fields', () => {
    const text = '{"spec": {"replicas": 1, "zzz": true, "replicas": 2}, "metadata": {"labels": {"a": "1", "a": "2"}, "name": "x"}, "metadata": {}}'
    assert.deepEqual(scan(text), ['unknown field "spec.zzz"', 'duplicate field "spec.replicas"', 'duplicate field "metadata.labels.a"', 'duplicate field "metadata"'])
  })
  it('deduplicates identical errors and does not look inside unknown or mistyped values', () => {
    assert.deepEqual(scan('{"foo": {"a": 1, "a": 2}, "foo": 1, "spec": {"parts": {"x": 1}, "replicas": {"y": 1}}}'), ['unknown field "foo"'])
  })
  it('decodes escaped keys and skips strings containing structure characters', () => {
    assert.deepEqual(scan('{"spec": {"color": "{\\"]}", "b\\u0061d": 1}}'), ['unknown field "spec.bad"'])
    assert.deepEqual(scan(String.raw`{"spec": {"color": "a\\", "x\"y": "\\\"}", "z": 1}}`), ['unknown field "spec.x\\"y"', 'unknown field "spec.z"'])
  })
  it('checks duplicate keys at every depth of an untyped document (a merge patch)', () => {
    assert.deepEqual(strictJsonErrors('{"a": {"b": [{"c": 1, "c": 2}]}, "a": null}', ANY), ['duplicate field "a.b[0].c"', 'duplicate field "a"'])
  })
})

describe('unknownFieldPaths', () => {
  it('lists unknown fields of a decoded object and prunes the ones asked for', () => {
    const obj: any = { kind: 'Widget', foo: 1, spec: { replicas: 1, bar: 2, parts: [{ name: 'a', x: 1 }], byName: { k: { y: 1 } } } }
    assert.deepEqual(unknownFieldPaths(obj, widget), ['foo', 'spec.bar', 'spec.parts[0].x', 'spec.byName.k.y'])
    unknownFieldPaths(obj, widget, (p) => p !== 'foo')
    assert.deepEqual(obj, { kind: 'Widget', foo: 1, spec: { replicas: 1, parts: [{ name: 'a' }], byName: { k: {} } } })
  })
})

describe('yamlDuplicateKeyError', () => {
  it('reports duplicate keys as go-yaml strict unmarshalling does', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec: {}\n'
    assert.equal(yamlDuplicateKeyError(text), 'yaml: unmarshal errors:\n  line 5: key "name" already set in map')
    assert.equal(yamlDuplicateKeyError('a: 1\nb: 2\n'), undefined)
  })
})

/** A HandlerContext with just what field validation reads; warnings are collected. */
function handler(kind: { group: string; version: string; kind: string }, query: Record<string, string | undefined>, method = 'POST') {
  const warnings: string[] = []
  const h = {
    koa: { method, append: (name: string, value: string) => (name === 'Warning' ? warnings.push(value) : undefined) },
    query,
    req: { subresource: '' },
    registry: { def: { ...kind, subresources: {} } },
  } as unknown as HandlerContext
  return { h, warnings }
}

const WIDGET = { group: 'example.com', version: 'v1', kind: 'Widget' }
const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))

describe('fieldValidationOf', () => {
  it('defaults to Warn, as Kubernetes does, and rejects unsupported values with a 422 on the options kind', () => {
    assert.equal(fieldValidationOf({}, 'CreateOptions'), 'Warn')
    assert.equal(fieldValidationOf({ fieldValidation: 'Strict' }, 'CreateOptions'), 'Strict')
    assert.throws(
      () => fieldValidationOf({ fieldValidation: 'strict' }, 'PatchOptions'),
      (err: ApiError) => err.code === 422 && err.message === 'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    )
  })
})

describe('validateObjectBody (POST/PUT)', () => {
  const raw = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { foo: 1, parts: [{ name: 'a', bar: 2 }] } }

  it('Strict: 400 with every unknown field, joined as Kubernetes joins them', () => {
    const { h } = handler(WIDGET, { fieldValidation: 'Strict' })
    assert.throws(
      () => validateObjectBody(h, structuredClone(raw), body(raw), 'application/json', registry),
      (err: ApiError) =>
        err.code === 400 && err.reason === 'BadRequest' && err.message === 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.foo", unknown field "spec.parts[0].bar"',
    )
  })
  it('Strict: duplicate JSON fields too', () => {
    const { h } = handler(WIDGET, { fieldValidation: 'Strict' })
    const text = '{"kind": "Widget", "spec": {"replicas": 1, "replicas": 2}}'
    assert.throws(() => validateObjectBody(h, JSON.parse(text), body(text), 'application/json', registry), /strict decoding error: duplicate field "spec.replicas"$/)
  })
  it('Strict: YAML duplicates (go-yaml message) come before unknown fields', () => {
    const { h } = handler(WIDGET, { fieldValidation: 'Strict' })
    const text = 'kind: Widget\nspec:\n  replicas: 1\n  replicas: 2\n  foo: 1\n'
    assert.throws(
      () => validateObjectBody(h, { kind: 'Widget', metadata: {}, spec: { replicas: 2, foo: 1 } }, body(text), 'application/yaml', registry),
      (err: ApiError) => err.message === 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: yaml: unmarshal errors:\n  line 4: key "replicas" already set in map, unknown field "spec.foo"',
    )
  })
  it('Warn (and no parameter): succeeds with a 299 warning per field, and drops the unknown fields', () => {
    for (const query of [{ fieldValidation: 'Warn' }, {}]) {
      const { h, warnings } = handler(WIDGET, query)
      const obj = structuredClone(raw)
      validateObjectBody(h, obj, body(raw), 'application/json', registry)
      assert.deepEqual(warnings, ['299 - "unknown field \\"spec.foo\\""', '299 - "unknown field \\"spec.parts[0].bar\\""'])
      assert.deepEqual(obj.spec, { parts: [{ name: 'a' }] })
    }
  })
  it('Ignore: drops unknown fields silently', () => {
    const { h, warnings } = handler(WIDGET, { fieldValidation: 'Ignore' })
    const obj = structuredClone(raw)
    validateObjectBody(h, obj, body(raw), 'application/json', registry)
    assert.deepEqual(warnings, [])
    assert.deepEqual(obj.spec, { parts: [{ name: 'a' }] })
  })
  it('does nothing for a kind without a declared schema', () => {
    const { h } = handler({ group: 'example.com', version: 'v1', kind: 'Gadget' }, { fieldValidation: 'Strict' })
    validateObjectBody(h, { metadata: {}, anything: 1 }, body({ anything: 1 }), 'application/json', registry)
  })
  it('checks built-in kinds against the real schemas (Pod)', () => {
    const { h } = handler({ group: '', version: 'v1', kind: 'Pod' }, { fieldValidation: 'Strict' })
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], livenessProbe: { httpGet: { port: 'http', path: '/' } } }], volumes: [{ name: 'v', emptyDir: {} }], foo: 1 } }
    assert.throws(() => validateObjectBody(h, structuredClone(pod), body(pod), 'application/json'), (err: ApiError) => err.message === 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"')
    delete (pod.spec as any).foo
    validateObjectBody(h, structuredClone(pod), body(pod), 'application/json')
  })
})

describe('validatePatch', () => {
  const current = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 1 } }
  const merge = (patch: any) => (obj: any) => ({ ...obj, spec: { ...obj.spec, ...patch.spec } })

  it('Strict: 422 on `patch` with the patched object and the unknown fields it gained', () => {
    const { h } = handler(WIDGET, { fieldValidation: 'Strict' }, 'PATCH')
    const patch = { spec: { foo: 1 } }
    const patcher = validatePatch(h, merge(patch), body(patch), 'application/merge-patch+json', registry)
    assert.throws(
      () => patcher(structuredClone(current)),
      (err: ApiError) =>
        err.code === 422 &&
        err.message.startsWith(' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"example.com/v1\\"') &&
        err.message.endsWith(': strict decoding error: unknown field "spec.foo"') &&
        err.details?.causes?.[0]?.field === 'patch',
    )
  })
  it('Strict: duplicate keys of the patch document come first', () => {
    const { h } = handler(WIDGET, { fieldValidation: 'Strict' }, 'PATCH')
    const text = '{"spec": {"foo": 1, "foo": 2}}'
    const patcher = validatePatch(h, merge(JSON.parse(text)), body(text), 'application/merge-patch+json', registry)
    assert.throws(() => patcher(structuredClone(current)), /strict decoding error: duplicate field "spec.foo", unknown field "spec.foo"$/)
  })
  it('Warn: warnings, unknown fields dropped from the result', () => {
    const { h, warnings } = handler(WIDGET, {}, 'PATCH')
    const patch = { spec: { foo: 1, replicas: 3 } }
    const result = validatePatch(h, merge(patch), body(patch), 'application/merge-patch+json', registry)(structuredClone(current))
    assert.deepEqual(result.spec, { replicas: 3 })
    assert.deepEqual(warnings, ['299 - "unknown field \\"spec.foo\\""'])
  })
  it('does not hold fields the stored object already had against the patch', () => {
    const { h } = handler(WIDGET, { fieldValidation: 'Strict' }, 'PATCH')
    const stored = { ...structuredClone(current), legacy: true }
    const patch = { spec: { replicas: 2 } }
    const result = validatePatch(h, merge(patch), body(patch), 'application/merge-patch+json', registry)(stored)
    assert.equal(result.legacy, true)
  })
  it('JSON patch: unknown keys of an operation are reported with the "json patch" prefix', () => {
    const { h } = handler(WIDGET, { fieldValidation: 'Strict' }, 'PATCH')
    const text = '[{"op": "replace", "path": "/spec/replicas", "value": 2, "extra": 1}]'
    const patcher = validatePatch(h, (o) => o, body(text), 'application/json-patch+json', registry)
    assert.throws(() => patcher(structuredClone(current)), /strict decoding error: json patch unknown field "\[0\]\.extra"$/)
  })
  it('Ignore: nothing reported, unknown fields dropped', () => {
    const { h, warnings } = handler(WIDGET, { fieldValidation: 'Ignore' }, 'PATCH')
    const patch = { spec: { foo: 1 } }
    const result = validatePatch(h, merge(patch), body(patch), 'application/merge-patch+json', registry)(structuredClone(current))
    assert.deepEqual(result.spec, { replicas: 1 })
    assert.deepEqual(warnings, [])
  })
})
