import type { KubeObject } from '../../api/meta.ts'
import { secretTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { validateDataKeys, validateImmutableData } from './configmaps.ts'

/** `stringData` is write-only: merged into `data` as base64 and never stored (SecretStrategy). */
function foldStringData(secret: KubeObject): void {
  if (secret.stringData && typeof secret.stringData === 'object') {
    secret.data ??= {}
    for (const [k, v] of Object.entries(secret.stringData)) secret.data[k] = Buffer.from(String(v)).toString('base64')
  }
  delete secret.stringData
}

export const secrets: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate(secret) {
      secret.type ??= 'Opaque'
      foldStringData(secret)
    },
    prepareForUpdate(secret, old) {
      secret.type ??= old.type
      foldStringData(secret)
    },
    validate: (secret) => validateDataKeys(secret, [{ name: 'data', base64: true }]),
    validateUpdate: (secret, old) =>
      secret.type !== old.type
        ? [{ field: 'type', reason: 'FieldValueInvalid', message: `Invalid value: "${secret.type}": field is immutable` }]
        : validateImmutableData(secret, old, ['data']),
  },
  selectableFields: (secret) => ({ type: secret.type ?? '' }),
  table: secretTable,
}
