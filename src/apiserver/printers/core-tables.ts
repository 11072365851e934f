/** `kubectl get resourcequotas|podtemplates`: printResourceQuota, printPodTemplate of printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, column, formatLabels, layoutContainerCells, nameColumn, obj, str } from './format.ts'

const quantity = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '0')

/** The Request and Limit cells: `name: used/hard` of status.hard, sorted; `limits.*` go to Limit. */
export function resourceQuotaCells(rq: KubeObject): [request: string, limit: string] {
  const status = obj(rq.status)
  const hard = obj(status.hard)
  const used = obj(status.used)
  const request: string[] = []
  const limit: string[] = []
  for (const name of Object.keys(hard).sort()) {
    const pieces = name.split('.')
    ;(pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(`${name}: ${quantity(used[name])}/${quantity(hard[name])}`)
  }
  return [request.join(', '), limit.join(', ')]
}

export const resourceQuotaTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ageColumn(),
  ],
  row(rq: KubeObject, now: Date): unknown[] {
    return [str(rq.metadata?.name), ...resourceQuotaCells(rq), age(rq, now)]
  },
}

export const podTemplateTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Containers', 'string', 'Names of each container in the template.'),
    column('Images', 'string', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  row(pt: KubeObject): unknown[] {
    const template = obj(pt.template)
    const [containers, images] = layoutContainerCells(obj(template.spec).containers)
    return [str(pt.metadata?.name), containers, images, formatLabels(obj(template.metadata).labels)]
  },
}
