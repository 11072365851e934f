/** `kubectl get leases`: printLease of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, column, nameColumn, obj, str } from './format.ts'

export const leaseTable: TableDefinition = {
  columns: [nameColumn(), column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  row(lease: KubeObject, now: Date): unknown[] {
    return [str(lease.metadata?.name), str(obj(lease.spec).holderIdentity), age(lease, now)]
  },
}
