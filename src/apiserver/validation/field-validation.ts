/**
 * Server-side field validation (the `fieldValidation` query parameter of POST, PUT and PATCH), as Kubernetes'
 * strict decoding does it for built-in kinds:
 * - Strict: unknown fields (at any depth: nested objects, items of lists, values of maps) and duplicate fields
 *   are a 400 BadRequest `<Kind> in version "v1" cannot be handled as a <Kind>: strict decoding error: unknown
 *   field "spec.foo", duplicate field "metadata.name"` (a 422 naming the patched object for a PATCH);
 * - Warn (Kubernetes' default when the parameter is absent): the request succeeds, each problem becomes a
 *   `Warning: 299 - "unknown field \"spec.foo\""` response header, unknown fields are dropped;
 * - Ignore: unknown fields are dropped silently (typed decoding keeps no field it has no place for).
 * Unknown means: not declared in the schema registry. A kind without a declared schema is not checked.
 */
import { LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml'
import type { KubeObject } from '../../api/meta.ts'
import type { SchemaRegistry } from '../../api/schema/schema.ts'
import { apiSchemas } from '../../api/schema/types/index.ts'
import { ApiError, CauseReason, badRequest, invalid } from '../../errors/api-error.ts'
import type { HandlerContext } from '../handlers/handler-context.ts'
import { param, type Query } from '../query.ts'
import { ANY, SKIP, kindTarget, strictJsonErrors, valueTarget, type Target } from './strict-json.ts'

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore'

const SUPPORTED = ['', 'Ignore', 'Strict', 'Warn']

/**
 * The directive of a write request. An absent (or empty) parameter is Warn, as in Kubernetes (rest.go
 * fieldValidation); anything else unsupported is a 422 on the request's options kind.
 */
export function fieldValidationOf(query: Query, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidation {
  const value = param(query, 'fieldValidation') ?? ''
  if (!SUPPORTED.includes(value))
    throw invalid(optionsKind, 'meta.k8s.io', '', [
      { field: 'fieldValidation', reason: CauseReason.notSupported, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${SUPPORTED.map((v) => JSON.stringify(v)).join(', ')}` },
    ])
  return (value || 'Warn') as FieldValidation
}

// ---------------------------------------------------------------------------------------------------------
// Unknown fields of a decoded object

/**
 * The paths (`spec.containers[0].foo`) of the fields of `value` the target does not declare, in key order.
 * With `prune`, each such field for which `prune(path)` is true is deleted from the object.
 */
export function unknownFieldPaths(value: unknown, target: Target, prune?: (path: string) => boolean): string[] {
  const out: string[] = []
  walk(value, target, '', out, prune)
  return out
}

function walk(value: unknown, target: Target, path: string, out: string[], prune?: (path: string) => boolean): void {
  if (value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    if (target.kind === 'array') for (let i = 0; i < value.length; i++) walk(value[i], target.items, `${path}[${i}]`, out, prune)
    return
  }
  const obj = value as Record<string, unknown>
  if (target.kind === 'map') {
    for (const key of Object.keys(obj)) walk(obj[key], target.values, path ? `${path}.${key}` : key, out, prune)
    return
  }
  if (target.kind !== 'fields') return
  for (const key of Object.keys(obj)) {
    const child = path ? `${path}.${key}` : key
    const field = target.fields.get(key)
    if (field) walk(obj[key], valueTarget(target.registry, field.type), child, out, prune)
    else if (!target.implicit?.has(key)) {
      out.push(child)
      if (prune?.(child)) delete obj[key]
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Duplicate keys in YAML

/**
 * Duplicate mapping keys of a YAML document, reported as go-yaml v2's strict unmarshalling does
 * (sigs.k8s.io/yaml YAMLToJSONStrict): `yaml: unmarshal errors:\n  line 4: key "name" already set in map`.
 * Undefined when there are none (or the text is not YAML: decoding reports that).
 */
export function yamlDuplicateKeyError(text: string): string | undefined {
  const lineCounter = new LineCounter()
  let doc
  try {
    doc = parseDocument(text, { uniqueKeys: false, lineCounter })
  } catch {
    return undefined
  }
  const problems: string[] = []
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return
      const seen = new Set<string>()
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined
        if (key === undefined || key === null || typeof key === 'object') continue
        const id = `${typeof key}:${String(key)}`
        if (seen.has(id)) {
          const node = (pair.value as { range?: [number, number, number] } | null)?.range ?? (pair.key as { range?: [number, number, number] }).range
          const line = node ? lineCounter.linePos(node[0]).line : 0
          problems.push(`line ${line}: key ${typeof key === 'string' ? JSON.stringify(key) : String(key)} already set in map`)
        }
        seen.add(id)
      }
    },
  })
  return problems.length ? `yaml: unmarshal errors:\n  ${problems.join('\n  ')}` : undefined
}

// ---------------------------------------------------------------------------------------------------------
// Write requests

interface Gvk {
  group: string
  version: string
  kind: string
}

/** The kind a request body is decoded as: a subresource's own kind (Scale, Binding) or the resource's. */
function bodyKind(h: HandlerContext): Gvk {
  const sub = h.req.subresource ? h.registry.def.subresources?.[h.req.subresource] : undefined
  return sub?.kind ?? h.registry.def
}

function targetOf(registry: SchemaRegistry, gvk: Gvk): Target | undefined {
  const type = registry.forKind(gvk.group, gvk.version, gvk.kind)
  return type ? kindTarget(registry, type.name) : undefined
}

/** Adds a `Warning: 299 - "<text>"` header, as apiserver's warning recorder writes it (quotes and backslashes escaped). */
export function addWarning(h: { koa: HandlerContext['koa'] }, text: string): void {
  const sanitized = text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ')
  h.koa.append('Warning', `299 - "${sanitized.replace(/[\\"]/g, (c) => `\\${c}`)}"`)
}

/**
 * Checks the decoded body of a POST or PUT against the schema of the kind it is decoded as. Strict: 400 on any
 * unknown or duplicate field. Warn: a warning per problem. Warn and Ignore: unknown fields are removed from `body`.
 */
export function validateObjectBody(h: HandlerContext, body: KubeObject, raw: Buffer, contentType: string, registry: SchemaRegistry = apiSchemas): void {
  const directive = fieldValidationOf(h.query, h.koa.method === 'POST' ? 'CreateOptions' : 'UpdateOptions')
  const gvk = bodyKind(h)
  const target = targetOf(registry, gvk)
  if (!target) return
  if (directive === 'Ignore') {
    unknownFieldPaths(body, target, () => true)
    return
  }
  const problems: string[] = []
  if (contentType === 'application/yaml') {
    const dup = yamlDuplicateKeyError(raw.toString('utf8'))
    if (dup) problems.push(dup)
    problems.push(...unknownFieldPaths(body, target).map((p) => `unknown field ${JSON.stringify(p)}`))
  } else if (contentType === '' || contentType === 'application/json') {
    problems.push(...strictJsonErrors(raw.toString('utf8'), target))
  } else {
    // Another encoding (protobuf) has no unknown or duplicate JSON fields to report.
    problems.push(...unknownFieldPaths(body, target).map((p) => `unknown field ${JSON.stringify(p)}`))
  }
  if (!problems.length) return
  if (directive === 'Strict') throw badRequest(`${gvk.kind} in version ${JSON.stringify(gvk.version)} cannot be handled as a ${gvk.kind}: strict decoding error: ${problems.join(', ')}`)
  for (const p of problems) addWarning(h, p)
  unknownFieldPaths(body, target, () => true)
}

const MERGE_PATCHES = new Set(['application/merge-patch+json', 'application/strategic-merge-patch+json'])
const APPLY_PATCH = 'application/apply-patch+yaml'

/** How a JSON Patch document is decoded: []jsonPatchOp{op, path, from string; value interface{}}. */
const JSON_PATCH_TARGET: Target = {
  kind: 'array',
  items: { kind: 'fields', fields: new Map(), registry: apiSchemas, targets: { op: SKIP, path: SKIP, from: SKIP, value: ANY } },
}

/** The strict-decoding problems of the patch document itself (kjson.UnmarshalStrict of the patch bytes). */
function patchDocumentProblems(raw: Buffer, contentType: string): string[] {
  if (MERGE_PATCHES.has(contentType)) return strictJsonErrors(raw.toString('utf8'), ANY)
  if (contentType === 'application/json-patch+json') return strictJsonErrors(raw.toString('utf8'), JSON_PATCH_TARGET).map((e) => `json patch ${e}`)
  if (contentType === APPLY_PATCH) {
    const dup = yamlDuplicateKeyError(raw.toString('utf8'))
    return dup ? [dup] : []
  }
  return []
}

/** Go's `%+v` of a decoded JSON value: how Kubernetes shows a strategic merge patch in its error. */
function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>'
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`
  if (typeof v === 'object')
    return `map[${Object.keys(v as object)
      .sort()
      .map((k) => `${k}:${goFormat((v as Record<string, unknown>)[k])}`)
      .join(' ')}]`
  return String(v)
}

type Patcher = (current: KubeObject) => KubeObject

/**
 * Wraps a patch so that its result is checked as Kubernetes checks a patched object: the problems of the patch
 * document (duplicate keys) and then the unknown fields of the patched object. Fields the stored object already
 * carried are not held against the patch. Strict: 422 Invalid on `patch` (the patched object, or the strategic
 * merge patch, as its value); Warn: warnings; Warn and Ignore: the new unknown fields are dropped from the result.
 * A server-side apply patch with duplicate YAML keys is a 400 in Strict, as Kubernetes' applyPatcher answers.
 */
export function validatePatch(h: HandlerContext, patcher: Patcher, raw: Buffer, contentType: string, registry: SchemaRegistry = apiSchemas): Patcher {
  const directive = fieldValidationOf(h.query, 'PatchOptions')
  const target = targetOf(registry, bodyKind(h))
  const isApply = contentType === APPLY_PATCH
  const documentProblems = directive === 'Ignore' ? [] : patchDocumentProblems(raw, contentType)
  if (isApply && documentProblems.length) {
    if (directive === 'Strict') throw badRequest(`error strict decoding YAML: ${documentProblems.join(', ')}`)
    for (const p of documentProblems) addWarning(h, p)
  }
  let warned = false // a patch is applied again after a conflict: warn once
  return (current) => {
    const before = target ? new Set(unknownFieldPaths(current, target)) : undefined
    const result = patcher(current)
    if (!target || !before) return result
    const isNew = (path: string) => !before.has(path)
    if (directive !== 'Ignore') {
      const problems = [...(isApply ? [] : documentProblems), ...unknownFieldPaths(result, target).filter(isNew).map((p) => `unknown field ${JSON.stringify(p)}`)]
      if (problems.length && directive === 'Strict') {
        const shown = contentType === 'application/strategic-merge-patch+json' ? goFormat(JSON.parse(raw.toString('utf8'))) : JSON.stringify(result)
        const message = `Invalid value: ${JSON.stringify(shown)}: strict decoding error: ${problems.join(', ')}`
        throw new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { name: '', group: '', kind: '', causes: [{ reason: CauseReason.invalid, message, field: 'patch' }] })
      }
      if (problems.length && !warned) for (const p of problems) addWarning(h, p)
      warned = true
    }
    unknownFieldPaths(result, target, isNew)
    return result
  }
}
