/** `kubectl get jobs`: printJob of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, formatLabelSelectorForTable, humanDuration, int, layoutContainerCells, nameColumn, obj, parseTime, str } from './format.ts'

/** hasJobCondition: a condition of that type with status True. */
const hasCondition = (job: KubeObject, type: string) => arr(obj(job.status).conditions).some((c) => c?.type === type && c?.status === 'True')

/** The Status cell: the first that holds of Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet; else Running. */
export function jobStatus(job: KubeObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete'
  if (hasCondition(job, 'Failed')) return 'Failed'
  if (job.metadata?.deletionTimestamp) return 'Terminating'
  if (hasCondition(job, 'Suspended')) return 'Suspended'
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget'
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet'
  return 'Running'
}

/** The Completions cell: `succeeded/completions`; without completions `succeeded/1`, or `succeeded/1 of parallelism`. */
export function jobCompletions(job: KubeObject): string {
  const spec = obj(job.spec)
  const succeeded = int(obj(job.status).succeeded)
  if (typeof spec.completions === 'number') return `${succeeded}/${int(spec.completions)}`
  const parallelism = int(spec.parallelism)
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`
}

/** The Duration cell: empty before the start, then the time running so far, then start to completion. */
export function jobDuration(job: KubeObject, now: Date): string {
  const status = obj(job.status)
  const start = parseTime(status.startTime)
  if (start === undefined) return ''
  const end = parseTime(status.completionTime)
  return humanDuration((end ?? now.getTime()) - start)
}

export const jobTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
    column('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you.', 1),
  ],
  row(job: KubeObject, now: Date): unknown[] {
    const spec = obj(job.spec)
    const [containers, images] = layoutContainerCells(obj(obj(spec.template).spec).containers)
    return [
      str(job.metadata?.name),
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      age(job, now),
      containers,
      images,
      formatLabelSelectorForTable(spec.selector),
    ]
  },
}
