import type { FieldSchema, SchemaRegistry, TypeSchema } from '../../api/schema/schema.ts'

/**
 * The fields of a type as they appear in its JSON object: inline members (Go's `json:",inline"`, e.g.
 * Volume.volumeSource, Probe.handler) are replaced by the fields of the type they embed, recursively.
 * Computed once per type and registry; the OpenAPI documents and field validation both read it.
 */
const cache = new WeakMap<SchemaRegistry, Map<string, Map<string, FieldSchema>>>()

export function jsonFields(registry: SchemaRegistry, type: TypeSchema | string): Map<string, FieldSchema> {
  const schema = typeof type === 'string' ? registry.get(type) : type
  let perRegistry = cache.get(registry)
  if (!perRegistry) cache.set(registry, (perRegistry = new Map()))
  let fields = perRegistry.get(schema.name)
  if (fields) return fields
  fields = new Map()
  perRegistry.set(schema.name, fields) // before recursing, so that a cycle ends here
  for (const f of schema.fields) {
    if (!f.inline) fields.set(f.name, f)
    else if (f.type.kind === 'ref' && registry.has(f.type.name)) for (const [k, v] of jsonFields(registry, f.type.name)) fields.set(k, v)
  }
  return fields
}

/** The Kubernetes group of a type's package, for names like `io.k8s.api.apps.v1.Deployment`. */
export const shortName = (typeName: string): string => typeName.slice(typeName.lastIndexOf('.') + 1)
