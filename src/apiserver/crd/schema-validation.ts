/**
 * Validation of custom resources against their OpenAPI v3 schema, with the basic keywords kube-openapi's
 * validator checks (type, nullable, required, enum, minimum/maximum and their exclusive forms, multipleOf,
 * minLength/maxLength, pattern, minItems/maxItems, minProperties/maxProperties, allOf) and the list types
 * (`x-kubernetes-list-type: set|map` items must be unique). Each problem is a cause of the 422, worded as
 * apiextensions-apiserver's kubeOpenAPIResultToFieldErrors words them:
 *   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
 *   spec.size: Required value
 *   spec.color: Unsupported value: "purple": supported values: "red", "green"
 * Not checked: `format`, `anyOf`/`oneOf`/`not`, CEL rules (`x-kubernetes-validations`), and the rare `pattern`
 * JavaScript cannot compile (go-regexp.ts).
 */
import type { StatusCause } from '../../api/meta.ts'
import { CauseReason } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { goRegExp } from './go-regexp.ts'
import { additionalSchema, childPath, indexPath, isObject, itemSchema, jsonTypeOf, type JSONSchemaProps } from './json-schema.ts'

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata'])

/** The problems of a whole custom resource (apiVersion, kind and metadata are validated elsewhere). */
export function validateObject(obj: Record<string, unknown>, schema: JSONSchemaProps | undefined): StatusCause[] {
  const causes: StatusCause[] = []
  if (!schema) return causes
  const rest = Object.fromEntries(Object.entries(obj).filter(([k]) => !TOP_LEVEL.has(k)))
  const { properties, required, ...root } = schema
  validate(rest, { ...root, properties: Object.fromEntries(Object.entries(properties ?? {}).filter(([k]) => !TOP_LEVEL.has(k))), required: required?.filter((k) => !TOP_LEVEL.has(k)) }, '', causes)
  return causes
}

/** The problems of one value under `path` (a default in a CRD's schema, a subresource's part). */
export function validateValue(value: unknown, schema: JSONSchemaProps | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  if (schema) validate(value, schema, path, causes)
  return causes
}

/** A value as field.Error prints it: strings quoted, numbers and booleans as they are, anything else as JSON. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

const invalidValue = (field: string, value: unknown, detail: string): StatusCause => ({ field, reason: CauseReason.invalid, message: `Invalid value: ${formatValue(value)}: ${detail}` })
/** kube-openapi names the value's path in its messages; the root is `body`'s own name. */
const inBody = (path: string) => `${path || '<root>'} in body`

function typeMatches(value: unknown, s: JSONSchemaProps): boolean {
  const actual = jsonTypeOf(value)
  if (s['x-kubernetes-int-or-string']) return actual === 'integer' || actual === 'string'
  if (!s.type) return true
  if (s.type === 'number') return actual === 'number' || actual === 'integer'
  return s.type === actual
}

function validate(value: unknown, s: JSONSchemaProps, path: string, causes: StatusCause[]): void {
  if (value === null && s.nullable) return
  if (value === null || value === undefined ? Boolean(s.type || s['x-kubernetes-int-or-string']) : !typeMatches(value, s)) {
    const actual = jsonTypeOf(value)
    const expected = s['x-kubernetes-int-or-string'] ? 'integer,string' : s.type
    causes.push({ field: path, reason: 'FieldValueTypeInvalid', message: `Invalid value: "${actual}": ${inBody(path)} must be of type ${expected}: "${actual}"` })
    return
  }
  if (s.enum && !s.enum.some((e) => jsonEqual(e, value))) {
    const supported = s.enum.map((e) => (typeof e === 'string' ? JSON.stringify(e) : JSON.stringify(JSON.stringify(e)))).join(', ')
    causes.push({ field: path, reason: CauseReason.notSupported, message: `Unsupported value: ${formatValue(value)}: supported values: ${supported}` })
  }
  for (const sub of s.allOf ?? []) validate(value, sub, path, causes)
  if (typeof value === 'number') validateNumber(value, s, path, causes)
  else if (typeof value === 'string') validateString(value, s, path, causes)
  else if (Array.isArray(value)) validateArray(value, s, path, causes)
  else if (isObject(value)) validateMap(value, s, path, causes)
}

function validateNumber(n: number, s: JSONSchemaProps, path: string, causes: StatusCause[]): void {
  if (s.maximum !== undefined && (s.exclusiveMaximum ? n >= s.maximum : n > s.maximum))
    causes.push(invalidValue(path, n, `${inBody(path)} should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`))
  if (s.minimum !== undefined && (s.exclusiveMinimum ? n <= s.minimum : n < s.minimum))
    causes.push(invalidValue(path, n, `${inBody(path)} should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`))
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(n / s.multipleOf))
    causes.push(invalidValue(path, n, `${inBody(path)} should be a multiple of ${s.multipleOf}`))
}

function validateString(v: string, s: JSONSchemaProps, path: string, causes: StatusCause[]): void {
  const length = s.maxLength !== undefined || s.minLength !== undefined ? [...v].length : 0
  if (s.maxLength !== undefined && length > s.maxLength) causes.push({ field: path, reason: CauseReason.tooLong, message: `Too long: may not be longer than ${s.maxLength}` })
  if (s.minLength !== undefined && length < s.minLength) causes.push(invalidValue(path, v, `${inBody(path)} should be at least ${s.minLength} chars long`))
  if (s.pattern !== undefined) {
    const re = goRegExp(s.pattern)
    if (re && !re.test(v)) causes.push(invalidValue(path, v, `${inBody(path)} should match '${s.pattern}'`))
  }
}

function validateArray(items: unknown[], s: JSONSchemaProps, path: string, causes: StatusCause[]): void {
  if (s.maxItems !== undefined && items.length > s.maxItems)
    causes.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${items.length}: must have at most ${s.maxItems} items` })
  if (s.minItems !== undefined && items.length < s.minItems) causes.push(invalidValue(path, items.length, `${inBody(path)} should have at least ${s.minItems} items`))
  const itemsSchema = itemSchema(s)
  if (itemsSchema) items.forEach((v, i) => validate(v, itemsSchema, indexPath(path, i), causes))
  validateListType(items, s, path, causes)
}

/** `x-kubernetes-list-type: set` (unique scalars) and `map` (unique key tuples), as listtype.ValidateListSetsAndMaps. */
function validateListType(items: unknown[], s: JSONSchemaProps, path: string, causes: StatusCause[]): void {
  const type = s['x-kubernetes-list-type']
  if (type !== 'set' && type !== 'map') return
  const keys = s['x-kubernetes-list-map-keys'] ?? []
  const seen = new Set<string>()
  items.forEach((item, i) => {
    const identity = type === 'set' ? JSON.stringify(item) : JSON.stringify(keys.map((k) => (isObject(item) ? (item[k] ?? null) : null)))
    if (!seen.has(identity)) return void seen.add(identity)
    const shown =
      type === 'set'
        ? formatValue(item)
        : `map[string]interface {}{${keys
            .filter((k) => isObject(item) && item[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${formatValue((item as Record<string, unknown>)[k])}`)
            .join(', ')}}`
    causes.push({ field: indexPath(path, i), reason: 'FieldValueDuplicate', message: `Duplicate value: ${shown}` })
  })
}

function validateMap(obj: Record<string, unknown>, s: JSONSchemaProps, path: string, causes: StatusCause[]): void {
  const count = Object.keys(obj).length
  if (s.maxProperties !== undefined && count > s.maxProperties)
    causes.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${count}: must have at most ${s.maxProperties} items` })
  if (s.minProperties !== undefined && count < s.minProperties) causes.push(invalidValue(path, count, `${inBody(path)} should have at least ${s.minProperties} properties`))
  for (const key of s.required ?? []) if (!(key in obj) || obj[key] === undefined) causes.push({ field: childPath(path, key), reason: CauseReason.required, message: 'Required value' })
  const values = additionalSchema(s)
  for (const [key, v] of Object.entries(obj)) {
    const prop = s.properties?.[key] ?? (values !== 'any' ? values : undefined)
    if (prop) validate(v, prop, childPath(path, key), causes)
  }
}
