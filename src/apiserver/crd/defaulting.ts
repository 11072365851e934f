/**
 * Structural defaulting (apiextensions-apiserver pkg/apiserver/schema/defaulting): a property with a `default`
 * that is absent (or null without `nullable: true`) gets a copy of it, top-down, so that defaults inside a
 * defaulted object apply too. Then nulls a schema does not allow and cannot default are dropped
 * (PruneNonNullableNullsWithoutDefaults). Applied to request bodies and to objects read from storage.
 */
import { additionalSchema, isObject, itemSchema, type JSONSchemaProps } from './json-schema.ts'

const isNonNullableNull = (v: unknown, s: JSONSchemaProps | undefined) => v === null && s !== undefined && !s.nullable

export function applyDefaults(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return
  if (Array.isArray(x)) {
    const items = itemSchema(s)
    if (!items) return
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items) && items.default !== undefined) x[i] = structuredClone(items.default)
      applyDefaults(x[i], items)
    }
    return
  }
  if (!isObject(x)) return
  for (const [key, prop] of Object.entries(s.properties ?? {}))
    if (prop.default !== undefined && (!(key in x) || isNonNullableNull(x[key], prop))) x[key] = structuredClone(prop.default)
  const values = additionalSchema(s)
  for (const key of Object.keys(x)) {
    const prop = s.properties?.[key]
    if (prop) applyDefaults(x[key], prop)
    else if (values && values !== 'any') {
      if (isNonNullableNull(x[key], values) && values.default !== undefined) x[key] = structuredClone(values.default)
      applyDefaults(x[key], values)
    }
  }
}

/** Drops object fields that are null where the schema neither allows null nor has a default for them. */
export function pruneNonNullableNulls(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return
  if (Array.isArray(x)) {
    const items = itemSchema(s)
    for (const v of x) pruneNonNullableNulls(v, items)
    return
  }
  if (!isObject(x)) return
  const values = additionalSchema(s)
  for (const key of Object.keys(x)) {
    const prop = s.properties?.[key] ?? (values !== 'any' ? values : undefined)
    if (!prop) continue
    if (x[key] === null && !prop.nullable && prop.default === undefined) delete x[key]
    else pruneNonNullableNulls(x[key], prop)
  }
}
