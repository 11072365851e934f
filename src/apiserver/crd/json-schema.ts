/**
 * The OpenAPI v3 schemas of CustomResourceDefinitions (apiextensions.k8s.io/v1 JSONSchemaProps), as plain JSON,
 * and the few facts about them that pruning, defaulting, validation and the OpenAPI documents share.
 * A CRD's `openAPIV3Schema` is a structural schema (apiextensions-apiserver pkg/apiserver/schema): every node
 * says its type, objects list their `properties` or an `additionalProperties` schema, arrays their `items`.
 */

export interface JSONSchemaProps {
  type?: string
  format?: string
  description?: string
  title?: string
  default?: unknown
  example?: unknown
  nullable?: boolean
  enum?: unknown[]
  maximum?: number
  exclusiveMaximum?: boolean
  minimum?: number
  exclusiveMinimum?: boolean
  multipleOf?: number
  maxLength?: number
  minLength?: number
  pattern?: string
  maxItems?: number
  minItems?: number
  uniqueItems?: boolean
  maxProperties?: number
  minProperties?: number
  required?: string[]
  items?: JSONSchemaProps | JSONSchemaProps[]
  properties?: Record<string, JSONSchemaProps>
  additionalProperties?: JSONSchemaProps | boolean
  allOf?: JSONSchemaProps[]
  anyOf?: JSONSchemaProps[]
  oneOf?: JSONSchemaProps[]
  not?: JSONSchemaProps
  'x-kubernetes-preserve-unknown-fields'?: boolean
  'x-kubernetes-embedded-resource'?: boolean
  'x-kubernetes-int-or-string'?: boolean
  'x-kubernetes-list-type'?: string
  'x-kubernetes-list-map-keys'?: string[]
  'x-kubernetes-map-type'?: string
  'x-kubernetes-validations'?: unknown[]
  [extension: string]: unknown
}

export type JsonMap = Record<string, unknown>

export const isObject = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The schema of the values of an object: its `additionalProperties` schema; `true` means any value, kept as it is. */
export function additionalSchema(s: JSONSchemaProps | undefined): JSONSchemaProps | 'any' | undefined {
  const ap = s?.additionalProperties
  if (ap === true) return 'any'
  return isObject(ap) ? (ap as JSONSchemaProps) : undefined
}

/** The schema of the items of an array (a tuple `items` list is not structural: its first schema is used). */
export function itemSchema(s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  const items = s?.items
  if (Array.isArray(items)) return items[0]
  return isObject(items) ? (items as JSONSchemaProps) : undefined
}

export const preservesUnknownFields = (s: JSONSchemaProps | undefined): boolean => s?.['x-kubernetes-preserve-unknown-fields'] === true

/** The JSON type of a value as kube-openapi names it in its errors (`integer` for whole numbers). */
export function jsonTypeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) return 'array'
  switch (typeof v) {
    case 'string':
      return 'string'
    case 'boolean':
      return 'boolean'
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number'
    default:
      return 'object'
  }
}

/** The ObjectMeta fields a custom resource's `metadata` may carry; anything else is pruned (schemaobjectmeta). */
export const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
])

/** A field path as apimachinery's field.Path prints it: `spec.items[0].name`. */
export const childPath = (parent: string, key: string) => (parent ? `${parent}.${key}` : key)
export const indexPath = (parent: string, i: number) => `${parent}[${i}]`
