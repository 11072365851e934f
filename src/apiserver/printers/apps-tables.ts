/** `kubectl get statefulsets|daemonsets|controllerrevisions`: printStatefulSet, printDaemonSet, printControllerRevision. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { desiredReplicas } from './deployment-table.ts'
import { age, ageColumn, arr, column, formatLabels, formatLabelSelectorForTable, int, layoutContainerCells, nameColumn, obj, str } from './format.ts'

const templateContainers = (o: KubeObject) => obj(obj(obj(o.spec).template).spec).containers

export const statefulSetTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn(),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
  ],
  row(s: KubeObject, now: Date): unknown[] {
    const [containers, images] = layoutContainerCells(templateContainers(s))
    return [str(s.metadata?.name), `${int(obj(s.status).readyReplicas)}/${desiredReplicas(s)}`, age(s, now), containers, images]
  },
}

export const daemonSetTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
    ageColumn(),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
    column('Selector', 'string', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled.', 1),
  ],
  row(ds: KubeObject, now: Date): unknown[] {
    const status = obj(ds.status)
    const spec = obj(ds.spec)
    const [containers, images] = layoutContainerCells(templateContainers(ds))
    return [
      str(ds.metadata?.name),
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(obj(obj(spec.template).spec).nodeSelector),
      age(ds, now),
      containers,
      images,
      formatLabelSelectorForTable(spec.selector),
    ]
  },
}

/**
 * The Controller cell: the controller owner as `<kind>.<group>/<name>` lower-cased (formatResourceName of the
 * GroupKind: `statefulset.apps/web`; a core kind has no group: `pod/x`), `<none>` without one.
 */
export function controllerOf(o: KubeObject): string {
  const ref = arr(o.metadata?.ownerReferences).find((r) => r?.controller === true)
  if (!ref) return '<none>'
  const apiVersion = str(ref.apiVersion)
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : ''
  const kind = str(ref.kind)
  if (!kind && !group) return str(ref.name)
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${str(ref.name)}`
}

export const controllerRevisionTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  row(cr: KubeObject, now: Date): unknown[] {
    return [str(cr.metadata?.name), controllerOf(cr), int(cr.revision), age(cr, now)]
  },
}
