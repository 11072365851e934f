/**
 * Structural pruning (apiextensions-apiserver pkg/apiserver/schema/pruning): fields a custom resource's schema
 * does not specify are dropped before it is stored, unless a node says `x-kubernetes-preserve-unknown-fields`.
 * At the root (and in `x-kubernetes-embedded-resource` objects) apiVersion, kind and metadata are always kept,
 * and metadata keeps only ObjectMeta's fields (schemaobjectmeta). The paths of what was dropped are returned:
 * they are the `unknown field "spec.foo"` of strict field validation.
 */
import { additionalSchema, childPath, indexPath, isObject, itemSchema, OBJECT_META_FIELDS, preservesUnknownFields, type JSONSchemaProps, type JsonMap } from './json-schema.ts'

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata'])

/** Prunes `obj` (a whole object, mutated) by its schema; returns the paths removed, in document order. */
export function pruneObject(obj: JsonMap, schema: JSONSchemaProps | undefined): string[] {
  const pruned: string[] = []
  pruneMetadata(obj, '', pruned)
  prune(obj, schema, '', pruned, true)
  return pruned
}

function pruneMetadata(obj: JsonMap, path: string, pruned: string[]): void {
  const meta = obj.metadata
  if (!isObject(meta)) return
  for (const key of Object.keys(meta))
    if (!OBJECT_META_FIELDS.has(key)) {
      pruned.push(childPath(childPath(path, 'metadata'), key))
      delete meta[key]
    }
}

function prune(x: unknown, s: JSONSchemaProps | undefined, path: string, pruned: string[], isResourceRoot: boolean): void {
  if (s && preservesUnknownFields(s)) return skipPrune(x, s, path, pruned)
  if (Array.isArray(x)) {
    const items = itemSchema(s)
    x.forEach((v, i) => prune(v, items, indexPath(path, i), pruned, false))
    return
  }
  if (!isObject(x)) return
  const embedded = s?.['x-kubernetes-embedded-resource'] === true
  if (embedded) pruneMetadata(x, path, pruned)
  const values = additionalSchema(s)
  for (const key of Object.keys(x)) {
    if ((isResourceRoot || embedded) && META_FIELDS.has(key)) continue
    const child = childPath(path, key)
    const prop = s?.properties?.[key]
    if (prop) prune(x[key], prop, child, pruned, false)
    else if (values === 'any') continue
    else if (values) prune(x[key], values, child, pruned, false)
    else {
      pruned.push(child)
      delete x[key]
    }
  }
}

/** Under `x-kubernetes-preserve-unknown-fields`: unknown fields stay, the specified ones are pruned by their schemas. */
function skipPrune(x: unknown, s: JSONSchemaProps, path: string, pruned: string[]): void {
  if (Array.isArray(x)) {
    const items = itemSchema(s)
    if (items) x.forEach((v, i) => skipPrune(v, items, indexPath(path, i), pruned))
    return
  }
  if (!isObject(x)) return
  const embedded = s['x-kubernetes-embedded-resource'] === true
  if (embedded) pruneMetadata(x, path, pruned)
  const values = additionalSchema(s)
  for (const key of Object.keys(x)) {
    if (embedded && META_FIELDS.has(key)) continue
    const prop = s.properties?.[key]
    if (prop) prune(x[key], prop, childPath(path, key), pruned, false)
    else if (values && values !== 'any') prune(x[key], values, childPath(path, key), pruned, false)
  }
}
