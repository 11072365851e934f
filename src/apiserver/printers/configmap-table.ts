/** `kubectl get configmaps`: printConfigMap of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, column, nameColumn, obj, str } from './format.ts'

export const configMapTable: TableDefinition = {
  columns: [
    nameColumn(),
    // Kubernetes declares this column `string` and fills it with an integer; kubectl prints either.
    column('Data', 'string', 'Data contains the configuration data.'),
    ageColumn(),
  ],
  row(cm: KubeObject, now: Date): unknown[] {
    return [str(cm.metadata?.name), Object.keys(obj(cm.data)).length + Object.keys(obj(cm.binaryData)).length, age(cm, now)]
  },
}
