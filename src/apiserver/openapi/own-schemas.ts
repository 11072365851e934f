/**
 * Kinds described by an OpenAPI v3 schema of their own rather than by the declared API types: custom resources
 * (their CRD's `openAPIV3Schema`) and the CustomResourceDefinition kind. Their components are built as
 * apiextensions-apiserver's OpenAPI builder (pkg/controller/openapi/builder) builds them: the object's schema with
 * apiVersion, kind and `metadata` (a reference to ObjectMeta) at the top and `x-kubernetes-group-version-kind`;
 * a `<Kind>List` beside it. Swagger 2.0 gets the schema with what 2.0 cannot say removed (nullable,
 * allOf/anyOf/oneOf/not, the type of int-or-string values), as ToStructuralOpenAPIV2 does.
 */
import type { ResourceDefinition } from '../registry/resource-definition.ts'
import { META, type JsonObject, type SchemaCollector } from './schemas.ts'

export interface OwnSchema {
  /** The component names of the kind and of its list: `com.example.v1.Widget`, `com.example.v1.WidgetList`. */
  name: string
  listName: string
  /** The kind's own OpenAPI v3 schema (a structural schema); its apiVersion, kind and metadata are replaced. */
  schema: JsonObject
}

/** A resource definition that carries its own schema. */
export interface WithOwnSchema {
  openapi: OwnSchema
}

export const ownSchemaOf = (def: ResourceDefinition): OwnSchema | undefined => (def as ResourceDefinition & Partial<WithOwnSchema>).openapi

/** `example.com` + `v1` + `Widget` → `com.example.v1.Widget` (ToRESTFriendlyName of the reversed group). */
export const ownSchemaName = (group: string, version: string, kind: string) => `${group.split('.').reverse().join('.')}.${version}.${kind}`

const API_VERSION = {
  description:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  type: 'string',
}
const KIND = {
  description:
    'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  type: 'string',
}
const OBJECT_META_DESCRIPTION = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
const LIST_META_DESCRIPTION = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'

/** A `$ref` with a description: wrapped in allOf for OpenAPI 3.0 (which ignores siblings of $ref). */
function describedRef(c: SchemaCollector, name: string, description: string): JsonObject {
  c.add(name)
  const ref = c.refTo(name)
  return c.flavour === 'v3' ? { allOf: [ref], description } : { ...ref, description }
}

/** The component of a kind with its own schema. */
export function ownKindComponent(def: ResourceDefinition, own: OwnSchema, c: SchemaCollector): JsonObject {
  const schema = c.flavour === 'v3' ? own.schema : toSwagger2(own.schema)
  const { properties, ...rest } = schema as { properties?: Record<string, JsonObject> }
  const out: JsonObject = { ...rest, type: 'object' }
  const props: JsonObject = { apiVersion: API_VERSION, kind: KIND, metadata: describedRef(c, `${META}.ObjectMeta`, OBJECT_META_DESCRIPTION) }
  for (const [k, v] of Object.entries(properties ?? {})) if (!(k in props)) props[k] = v
  out.properties = props
  out['x-kubernetes-group-version-kind'] = [{ group: def.group, kind: def.kind, version: def.version }]
  return out
}

/** The component of a kind's list. */
export function ownListComponent(def: ResourceDefinition, own: OwnSchema, c: SchemaCollector): JsonObject {
  c.add(own.name)
  return {
    description: `${def.kind}List is a list of ${def.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: API_VERSION,
      items: { description: `List of ${def.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: c.refTo(own.name) },
      kind: KIND,
      metadata: describedRef(c, `${META}.ListMeta`, LIST_META_DESCRIPTION),
    },
    'x-kubernetes-group-version-kind': [{ group: def.group, kind: `${def.kind}List`, version: def.version }],
  }
}

const DROPPED_IN_V2 = new Set(['nullable', 'allOf', 'anyOf', 'oneOf', 'not'])

/** A structural schema as Swagger 2.0 can carry it. */
function toSwagger2(schema: JsonObject): JsonObject {
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(schema)) {
    if (DROPPED_IN_V2.has(k)) continue
    if (k === 'type' && schema['x-kubernetes-int-or-string']) continue
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toSwagger2(s as JsonObject)]))
    else if ((k === 'additionalProperties' || k === 'items') && v && typeof v === 'object' && !Array.isArray(v)) out[k] = toSwagger2(v as JsonObject)
    else out[k] = v
  }
  return out
}
