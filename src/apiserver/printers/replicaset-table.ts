/** `kubectl get replicasets`: printReplicaSet of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { desiredReplicas } from './deployment-table.ts'
import { age, ageColumn, column, formatLabelSelectorForTable, int, layoutContainerCells, nameColumn, obj, str } from './format.ts'

export const replicaSetTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired pods.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of non-terminating pods.'),
    column('Ready', 'integer', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
    ageColumn(),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
    column('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
  ],
  row(rs: KubeObject, now: Date): unknown[] {
    const spec = obj(rs.spec)
    const status = obj(rs.status)
    const [containers, images] = layoutContainerCells(obj(obj(spec.template).spec).containers)
    return [
      str(rs.metadata?.name),
      desiredReplicas(rs),
      int(status.replicas),
      int(status.readyReplicas),
      age(rs, now),
      containers,
      images,
      formatLabelSelectorForTable(spec.selector),
    ]
  },
}
