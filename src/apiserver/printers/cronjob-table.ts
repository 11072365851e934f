/** `kubectl get cronjobs`: printCronJob of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, formatLabelSelectorForTable, layoutContainerCells, nameColumn, obj, str, translateTimestampSince } from './format.ts'

/** printBoolPtr: `True` / `False`, `<unset>` for nil. */
export const boolPtr = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : '<unset>')

export const cronJobTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    column('Containers', 'string', 'Names of each container in the template.', 1),
    column('Images', 'string', 'Images referenced by each container in the template.', 1),
    column('Selector', 'string', 'A label query over pods that should match the pod count. Normally, the system sets this field for you.', 1),
  ],
  row(cj: KubeObject, now: Date): unknown[] {
    const spec = obj(cj.spec)
    const status = obj(cj.status)
    const jobSpec = obj(obj(spec.jobTemplate).spec)
    const [containers, images] = layoutContainerCells(obj(obj(jobSpec.template).spec).containers)
    return [
      str(cj.metadata?.name),
      str(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      boolPtr(spec.suspend),
      arr(status.active).length,
      status.lastScheduleTime ? translateTimestampSince(status.lastScheduleTime, now) : '<none>',
      age(cj, now),
      containers,
      images,
      formatLabelSelectorForTable(jobSpec.selector),
    ]
  },
}
