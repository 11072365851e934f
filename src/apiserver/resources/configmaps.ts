import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { CauseReason } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { configMapTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/

/** Keys of ConfigMap/Secret data (IsConfigMapKey); `binary` values must be base64. */
export function validateDataKeys(obj: KubeObject, fields: { name: string; base64: boolean }[]): StatusCause[] {
  const causes: StatusCause[] = []
  const seen = new Set<string>()
  for (const { name, base64 } of fields) {
    const data = obj[name]
    if (data === undefined || data === null) continue
    if (typeof data !== 'object' || Array.isArray(data)) {
      causes.push({ field: name, reason: CauseReason.invalid, message: 'Invalid value: must be a map of strings' })
      continue
    }
    for (const [key, value] of Object.entries(data)) {
      if (!CONFIG_KEY.test(key) || key.length > 253)
        causes.push({ field: `${name}[${key}]`, reason: CauseReason.invalid, message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')` })
      if (seen.has(key)) causes.push({ field: `${name}[${key}]`, reason: CauseReason.duplicate, message: `Duplicate value: "${key}"` })
      seen.add(key)
      if (typeof value !== 'string') causes.push({ field: `${name}[${key}]`, reason: CauseReason.invalid, message: 'Invalid value: must be a string' })
      else if (base64 && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) causes.push({ field: `${name}[${key}]`, reason: CauseReason.invalid, message: 'Invalid value: must be base64-encoded' })
    }
  }
  return causes
}

/** `immutable: true` freezes the data and the flag itself. */
export function validateImmutableData(obj: KubeObject, old: KubeObject, fields: string[]): StatusCause[] {
  if (old.immutable !== true) return []
  if (obj.immutable !== true) return [{ field: 'immutable', reason: CauseReason.forbidden, message: 'Forbidden: field is immutable when `immutable` is set' }]
  return fields.some((f) => !jsonEqual(obj[f], old[f])) ? [{ field: 'data', reason: CauseReason.forbidden, message: 'Forbidden: field is immutable when `immutable` is set' }] : []
}

export const configmaps: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    validate: (cm) => validateDataKeys(cm, [{ name: 'data', base64: false }, { name: 'binaryData', base64: true }]),
    validateUpdate: (cm, old) => validateImmutableData(cm, old, ['data', 'binaryData']),
  },
  table: configMapTable,
}
