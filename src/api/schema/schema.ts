/**
 * The one declaration of every API type's fields, as data. Four mechanisms are derived from it, so they can
 * never disagree: the OpenAPI documents (kubectl explain, validation), the protobuf codec (field numbers of
 * Kubernetes' published generated.proto), strategic merge patch (merge keys and patch strategies) and
 * server-side field validation (unknown fields).
 *
 * A type is named by its OpenAPI definition name, e.g. `io.k8s.api.core.v1.PodSpec`.
 */

/** How a value is written in JSON and in protobuf. */
export type ValueSchema =
  | { kind: 'string'; enum?: string[]; format?: string }
  /** int32 / int64 in protobuf; a number in JSON. */
  | { kind: 'integer'; format: 'int32' | 'int64' }
  | { kind: 'number' } // double
  | { kind: 'boolean' }
  /** base64 text in JSON, bytes in protobuf (Secret data, ConfigMap binaryData). */
  | { kind: 'bytes' }
  /** A named type declared elsewhere in the registry. */
  | { kind: 'ref'; name: string }
  | { kind: 'array'; items: ValueSchema }
  /** map<string, V>: a JSON object; in protobuf, repeated {1: key, 2: value} entries. */
  | { kind: 'map'; values: ValueSchema }
  /** intstr.IntOrString: a number or a string in JSON; {1: type, 2: intVal, 3: strVal} in protobuf. */
  | { kind: 'intOrString' }
  /** resource.Quantity: a string in JSON; {1: string} in protobuf. */
  | { kind: 'quantity' }
  /** metav1.Time (RFC 3339 seconds) / MicroTime (6 fractional digits): {1: seconds, 2: nanos} in protobuf. */
  | { kind: 'time' }
  | { kind: 'microTime' }
  /** runtime.RawExtension / arbitrary JSON: {1: raw bytes} in protobuf. */
  | { kind: 'raw' }

export interface FieldSchema {
  /** The JSON name. */
  name: string
  /** The protobuf field number from Kubernetes' generated.proto. */
  proto: number
  type: ValueSchema
  description?: string
  required?: boolean
  /** Strategic merge patch: how a list (or map) merges (`x-kubernetes-patch-strategy`). */
  patchStrategy?: 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys'
  /** Strategic merge patch: the key list items merge by (`x-kubernetes-patch-merge-key`). */
  patchMergeKey?: string
  /** Server-side apply list semantics (`x-kubernetes-list-type` / `-list-map-keys`). */
  listType?: 'atomic' | 'set' | 'map'
  listMapKeys?: string[]
  /** Go's omitempty is the default; fields that are always written in JSON even when empty say so. */
  emitEmpty?: boolean
  /**
   * A Go pointer field: an explicit zero value is kept. (`*int32`, `*bool`, `*string`, `*metav1.Time`,
   * `*PodSecurityContext`, ...: nil is "not set", while `replicas: 0` or `automountServiceAccountToken: false`
   * present on the protobuf wire is set, and means something, unlike a zero of a plain field.)
   */
  pointer?: boolean
  /**
   * An embedded Go struct with `json:",inline"` that is nevertheless one message on the protobuf wire
   * (Volume.volumeSource, Probe.handler, ConfigMapKeySelector.localObjectReference, ...). `name` is then the
   * protobuf field name, not a JSON key: in JSON, OpenAPI, strategic merge patch and field validation the
   * referenced type's fields appear directly in this object; in protobuf they are nested under `proto`.
   */
  inline?: boolean
  /** `x-kubernetes-map-type` of a map or struct field (`+mapType` / `+structType` markers). */
  mapType?: 'atomic' | 'granular'
}

export interface TypeSchema {
  /** OpenAPI definition name: `io.k8s.api.core.v1.Pod`. */
  name: string
  description?: string
  fields: FieldSchema[]
  /** Top-level kinds: the group/version/kind they are served as. */
  gvk?: { group: string; version: string; kind: string }
  /** `x-kubernetes-map-type` of the type (`+structType=atomic`: replaced as a whole by server-side apply). */
  mapType?: 'atomic' | 'granular'
}

/** All declared types by name. */
export class SchemaRegistry {
  private readonly types = new Map<string, TypeSchema>()
  private readonly byKind = new Map<string, TypeSchema>()

  constructor(types: TypeSchema[]) {
    for (const t of types) {
      if (this.types.has(t.name)) throw new Error(`schema ${t.name} declared twice`)
      this.types.set(t.name, t)
      if (t.gvk) this.byKind.set(gvkKey(t.gvk), t)
    }
  }

  get(name: string): TypeSchema {
    const t = this.types.get(name)
    if (!t) throw new Error(`schema ${name} is not declared`)
    return t
  }

  has(name: string): boolean {
    return this.types.has(name)
  }

  /** The top-level type served as group/version/kind, if declared. */
  forKind(group: string, version: string, kind: string): TypeSchema | undefined {
    return this.byKind.get(gvkKey({ group, version, kind }))
  }

  all(): IterableIterator<TypeSchema> {
    return this.types.values()
  }
}

const gvkKey = (g: { group: string; version: string; kind: string }) => `${g.group}/${g.version}/${g.kind}`

/** Shorthands for declaring fields compactly. */
export const t = {
  string: (enumValues?: string[]): ValueSchema => (enumValues ? { kind: 'string', enum: enumValues } : { kind: 'string' }),
  int32: { kind: 'integer', format: 'int32' } as ValueSchema,
  int64: { kind: 'integer', format: 'int64' } as ValueSchema,
  number: { kind: 'number' } as ValueSchema,
  boolean: { kind: 'boolean' } as ValueSchema,
  bytes: { kind: 'bytes' } as ValueSchema,
  ref: (name: string): ValueSchema => ({ kind: 'ref', name }),
  array: (items: ValueSchema): ValueSchema => ({ kind: 'array', items }),
  map: (values: ValueSchema): ValueSchema => ({ kind: 'map', values }),
  intOrString: { kind: 'intOrString' } as ValueSchema,
  quantity: { kind: 'quantity' } as ValueSchema,
  time: { kind: 'time' } as ValueSchema,
  microTime: { kind: 'microTime' } as ValueSchema,
  raw: { kind: 'raw' } as ValueSchema,
}
