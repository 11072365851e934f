/**
 * What decoding a request body does to an object of a kind described by a structural schema (apiextensions'
 * schemaCoercingDecoder and unstructuredDefaulter): unknown fields are pruned, and reported by the request's
 * fieldValidation directive (request-scope.ts); defaults are applied; nulls the schema does not allow dropped.
 */
import type { KubeObject } from '../../api/meta.ts'
import { applyDefaults, pruneNonNullableNulls } from './defaulting.ts'
import type { JSONSchemaProps } from './json-schema.ts'
import { pruneObject } from './pruning.ts'
import { unknownFieldPolicy } from './request-scope.ts'

export function normalizeObject(obj: KubeObject, schema: JSONSchemaProps | undefined, kind: { kind: string; version: string }): void {
  const policy = unknownFieldPolicy()
  const original = policy.directive === 'Strict' ? JSON.stringify(obj) : undefined
  policy.report(pruneObject(obj, schema), kind, original)
  applyDefaults(obj, schema)
  pruneNonNullableNulls(obj, schema)
}
