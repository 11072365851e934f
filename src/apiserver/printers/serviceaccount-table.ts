/** `kubectl get serviceaccounts`: printServiceAccount of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, nameColumn, str } from './format.ts'

export const serviceAccountTable: TableDefinition = {
  columns: [
    nameColumn(),
    // Kubernetes declares this column `string` and fills it with an integer; kubectl prints either.
    column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'),
    ageColumn(),
  ],
  row(sa: KubeObject, now: Date): unknown[] {
    return [str(sa.metadata?.name), arr(sa.secrets).length, age(sa, now)]
  },
}
