import type { FieldSchema, SchemaRegistry, TypeSchema, ValueSchema } from '../../api/schema/schema.ts'
import { jsonFields } from './json-fields.ts'

/** OpenAPI 3.0 (`#/components/schemas/…`, refs with siblings wrapped in allOf) or Swagger 2.0 (`#/definitions/…`). */
export type Flavour = 'v3' | 'v2'

export type JsonObject = Record<string, unknown>

/** Types that are scalars in JSON but named components in Kubernetes' documents (explain prints their names). */
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1'
export const NAMES = {
  time: `${META}.Time`,
  microTime: `${META}.MicroTime`,
  fieldsV1: `${META}.FieldsV1`,
  patch: `${META}.Patch`,
  status: `${META}.Status`,
  deleteOptions: `${META}.DeleteOptions`,
  intOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  rawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
} as const

function specialComponent(name: string, flavour: Flavour): JsonObject | undefined {
  switch (name) {
    case NAMES.time:
      return { description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON. Wrappers are provided for many of the factory methods that the time package offers.', type: 'string', format: 'date-time' }
    case NAMES.microTime:
      return { description: 'MicroTime is version of Time with microsecond level precision.', type: 'string', format: 'date-time' }
    case NAMES.intOrString:
      return flavour === 'v3'
        ? {
            description: 'IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.',
            format: 'int-or-string',
            oneOf: [{ type: 'integer' }, { type: 'string' }],
            'x-kubernetes-int-or-string': true,
          }
        : { description: 'IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. This allows you to have, for example, a JSON field that can accept a name or number.', type: 'string', format: 'int-or-string' }
    case NAMES.quantity: {
      const description =
        'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors. The serialization format is: <quantity> ::= <signedNumber><suffix>, e.g. 100m, 1Gi, 2.5'
      return flavour === 'v3' ? { description, oneOf: [{ type: 'string' }, { type: 'number' }] } : { description, type: 'string' }
    }
    case NAMES.rawExtension:
      return { description: 'RawExtension is used to hold extensions in external versions: an arbitrary object, kept as JSON.', type: 'object' }
    case NAMES.fieldsV1:
      return { description: "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format. Each key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item.", type: 'object' }
    case NAMES.patch:
      return { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' }
  }
  return undefined
}

/**
 * Turns declared types into OpenAPI schemas, collecting every type reachable from the ones asked for
 * (`add`) into `components`: the closure a self-contained document needs for `$ref`s to resolve.
 */
export class SchemaCollector {
  readonly components = new Map<string, JsonObject>()
  private readonly pending: string[] = []
  /** Components built by a function of their own rather than from a declared type (own-schemas.ts). */
  private readonly own = new Map<string, (c: SchemaCollector) => JsonObject>()

  constructor(
    readonly registry: SchemaRegistry,
    readonly flavour: Flavour,
  ) {}

  /** `#/components/schemas/<name>` or `#/definitions/<name>`. */
  refTo(name: string): JsonObject {
    return { $ref: this.flavour === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}` }
  }

  /** Is `name` something we can emit (declared, own, or a built-in scalar component)? */
  known(name: string): boolean {
    return this.own.has(name) || this.registry.has(name) || specialComponent(name, this.flavour) !== undefined
  }

  /** Declares a component built by `build` when something references it (a custom resource's schema). */
  defineOwn(name: string, build: (c: SchemaCollector) => JsonObject): void {
    this.own.set(name, build)
  }

  /** Adds a type and everything it references; returns false when the type is not declared. */
  add(name: string): boolean {
    if (this.components.has(name)) return true
    if (!this.known(name)) return false
    this.enqueue(name)
    while (this.pending.length) {
      const next = this.pending.pop()!
      this.components.set(next, this.build(next))
    }
    return true
  }

  /** Components sorted by name, as Kubernetes' documents list them. */
  sorted(): JsonObject {
    const out: JsonObject = {}
    for (const name of [...this.components.keys()].sort()) out[name] = this.components.get(name)
    return out
  }

  private enqueue(name: string): void {
    if (this.components.has(name)) return
    this.components.set(name, {}) // placeholder until built: marks it as queued
    this.pending.push(name)
  }

  private build(name: string): JsonObject {
    const special = specialComponent(name, this.flavour)
    if (special) return special
    const own = this.own.get(name)
    if (own) return own(this)
    return this.typeSchema(this.registry.get(name))
  }

  private typeSchema(type: TypeSchema): JsonObject {
    const out: JsonObject = {}
    if (type.description) out.description = type.description
    out.type = 'object'
    const fields = jsonFields(this.registry, type)
    if (fields.size) {
      const properties: JsonObject = {}
      const required: string[] = []
      for (const [name, f] of fields) {
        properties[name] = this.fieldSchema(f)
        if (f.required) required.push(name)
      }
      out.properties = properties
      if (required.length) out.required = required
    }
    if (type.gvk) out['x-kubernetes-group-version-kind'] = [{ group: type.gvk.group, kind: type.gvk.kind, version: type.gvk.version }]
    if (type.mapType) out['x-kubernetes-map-type'] = type.mapType
    return out
  }

  /** A property: its value schema plus description and the list/patch extensions. */
  fieldSchema(f: FieldSchema): JsonObject {
    const extensions: JsonObject = {}
    if (f.listMapKeys?.length) extensions['x-kubernetes-list-map-keys'] = f.listMapKeys
    if (f.listType) extensions['x-kubernetes-list-type'] = f.listType
    if (f.mapType) extensions['x-kubernetes-map-type'] = f.mapType
    if (f.patchMergeKey) extensions['x-kubernetes-patch-merge-key'] = f.patchMergeKey
    if (f.patchStrategy) extensions['x-kubernetes-patch-strategy'] = f.patchStrategy
    const value = this.value(f.type, f.name)
    const hasSiblings = Boolean(f.description) || Object.keys(extensions).length > 0
    // OpenAPI 3.0 ignores siblings of $ref: Kubernetes wraps such refs in a one-element allOf.
    const base = '$ref' in value && hasSiblings && this.flavour === 'v3' ? { allOf: [value] } : value
    const out: JsonObject = { ...base }
    if (f.description) out.description = f.description
    return Object.assign(out, extensions)
  }

  /** The schema of a value; named types are referenced (and queued). */
  value(v: ValueSchema, fieldName = ''): JsonObject {
    switch (v.kind) {
      case 'string': {
        const out: JsonObject = { type: 'string' }
        if (v.format) out.format = v.format
        if (v.enum?.length) out.enum = v.enum
        return out
      }
      case 'integer':
        return { type: 'integer', format: v.format }
      case 'number':
        return { type: 'number', format: 'double' }
      case 'boolean':
        return { type: 'boolean' }
      case 'bytes':
        return { type: 'string', format: 'byte' }
      case 'ref':
        if (!this.known(v.name)) return { type: 'object' } // undeclared (yet): an opaque object rather than a dangling $ref
        this.enqueue(v.name)
        return this.refTo(v.name)
      case 'array':
        return { type: 'array', items: this.value(v.items) }
      case 'map':
        return { type: 'object', additionalProperties: this.value(v.values) }
      case 'intOrString':
        return this.named(NAMES.intOrString)
      case 'quantity':
        return this.named(NAMES.quantity)
      case 'time':
        return this.named(NAMES.time)
      case 'microTime':
        return this.named(NAMES.microTime)
      case 'raw':
        return this.named(fieldName === 'fieldsV1' ? NAMES.fieldsV1 : NAMES.rawExtension)
    }
  }

  private named(name: string): JsonObject {
    this.enqueue(name)
    return this.refTo(name)
  }
}
