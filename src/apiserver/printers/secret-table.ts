/** `kubectl get secrets`: printSecret of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, column, nameColumn, obj, str } from './format.ts'

export const secretTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    // Kubernetes declares this column `string` and fills it with an integer; kubectl prints either.
    column('Data', 'string', 'Data contains the secret data.'),
    ageColumn(),
  ],
  row(secret: KubeObject, now: Date): unknown[] {
    return [str(secret.metadata?.name), str(secret.type), Object.keys(obj(secret.data)).length, age(secret, now)]
  },
}
