import type { FieldSchema, SchemaRegistry, TypeSchema } from '../../api/schema/schema.ts'

/** The media type of Kubernetes' protobuf encoding, and the 4 bytes every such body starts with. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf'
export const PROTOBUF_MAGIC = new Uint8Array([0x6b, 0x38, 0x73, 0x00]) // "k8s\0"

/** A type's fields indexed for the codec, built once per TypeSchema. */
export interface CompiledType {
  schema: TypeSchema
  /** Fields on the wire, by protobuf number. Fields numbered 0 or below are JSON-only (e.g. TypeMeta). */
  byNumber: Map<number, FieldSchema>
  /** Fields on the wire, in declaration order. */
  wire: FieldSchema[]
  /** Every JSON key this object may carry, inline types' keys included. */
  jsonKeys: Set<string>
}

const compiled = new WeakMap<TypeSchema, CompiledType>()

export function compile(schemas: SchemaRegistry, schema: TypeSchema): CompiledType {
  let c = compiled.get(schema)
  if (c) return c
  const wire = schema.fields.filter((f) => f.proto > 0)
  c = { schema, byNumber: new Map(wire.map((f) => [f.proto, f])), wire, jsonKeys: new Set() }
  compiled.set(schema, c) // before recursing: a type may (indirectly) inline nothing but refer to itself
  for (const f of schema.fields) {
    if (!f.inline) c.jsonKeys.add(f.name)
    else if (f.type.kind === 'ref') for (const k of compile(schemas, schemas.get(f.type.name)).jsonKeys) c.jsonKeys.add(k)
  }
  return c
}

/**
 * Go's omitempty: a field present on the wire with its zero value ('' / 0 / false / no bytes) is left out of
 * the JSON, unless it is declared as always written. Proto2 lets Go write `12 00` for every plain string field.
 * A Go pointer field is on the wire only when it is set (non-nil), so its zero value there is explicit and kept:
 * `kubectl create deployment --replicas=0` sends DeploymentSpec {1: 0}, which means 0 replicas, not "unset".
 */
export const keepsZeroValue = (f: FieldSchema): boolean => f.emitEmpty === true || f.pointer === true

/** `apps/v1` → {group: 'apps', version: 'v1'}; `v1` → core. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/')
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) }
}

/** metav1 option kinds that client-go registers in every group version (a typed Delete sends `apps/v1 DeleteOptions`). */
const META_KINDS = new Set(['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'GetOptions', 'ListOptions', 'Status'])

/**
 * The schema of a top-level kind, or of a list kind (`PodList` of a declared `Pod`: {1: ListMeta, 2: items}).
 */
export function resolveKind(schemas: SchemaRegistry, apiVersion: string, kind: string): { type: TypeSchema } | { listOf: TypeSchema } | undefined {
  const { group, version } = splitApiVersion(apiVersion)
  const direct =
    schemas.forKind(group, version, kind) ??
    (META_KINDS.has(kind) ? (schemas.forKind('', 'v1', kind) ?? schemas.forKind('meta.k8s.io', 'v1', kind)) : undefined)
  if (direct) return { type: direct }
  if (kind.endsWith('List')) {
    const item = schemas.forKind(group, version, kind.slice(0, -'List'.length))
    if (item) return { listOf: item }
  }
  return undefined
}

export const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'

/** ListMeta as generated.proto numbers it, used when the registry does not declare it. */
export const listMetaFallback: TypeSchema = {
  name: LIST_META,
  fields: [
    { name: 'selfLink', proto: 1, type: { kind: 'string' } },
    { name: 'resourceVersion', proto: 2, type: { kind: 'string' } },
    { name: 'continue', proto: 3, type: { kind: 'string' } },
    { name: 'remainingItemCount', proto: 4, type: { kind: 'integer', format: 'int64' } },
  ],
}

export const listMetaSchema = (schemas: SchemaRegistry): TypeSchema => (schemas.has(LIST_META) ? schemas.get(LIST_META) : listMetaFallback)

export function hasMagic(body: Uint8Array): boolean {
  return body.length >= 4 && PROTOBUF_MAGIC.every((b, i) => body[i] === b)
}
