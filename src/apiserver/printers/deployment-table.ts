/** `kubectl get deployments`: printDeployment of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { labelSelectorToString, selectorFromLabelSelectorObject } from '../selectors/label-selector.ts'
import { age, ageColumn, column, int, layoutContainerCells, nameColumn, obj, str } from './format.ts'

/** spec.replicas as the API server defaults it (1 when unset). */
export const desiredReplicas = (o: KubeObject): number => {
  const r = obj(o.spec).replicas
  return typeof r === 'number' ? int(r) : 1
}

export const deploymentTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    // Kubernetes declares these two columns `string` and fills them with integers; kubectl prints either.
    column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
    column('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
  ],
  row(d: KubeObject, now: Date): unknown[] {
    const spec = obj(d.spec)
    const status = obj(d.status)
    // LabelSelectorAsSelector(...).String(): `''` for an empty or missing selector, `<invalid>` on error.
    let selector: string
    try {
      selector = labelSelectorToString(selectorFromLabelSelectorObject(spec.selector))
    } catch {
      selector = '<invalid>'
    }
    const [containers, images] = layoutContainerCells(obj(obj(spec.template).spec).containers)
    return [
      str(d.metadata?.name),
      `${int(status.readyReplicas)}/${desiredReplicas(d)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      age(d, now),
      containers,
      images,
      selector,
    ]
  },
}
