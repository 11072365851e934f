/** `kubectl get namespaces`: printNamespace of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, column, nameColumn, obj, str } from './format.ts'

export const namespaceTable: TableDefinition = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  row(ns: KubeObject, now: Date): unknown[] {
    return [str(ns.metadata?.name), str(obj(ns.status).phase), age(ns, now)]
  },
}
