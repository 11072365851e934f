/**
 * `kubectl get priorityclasses|mutatingwebhookconfigurations|validatingwebhookconfigurations`: printPriorityClass,
 * printMutatingWebhook, printValidatingWebhook of kubernetes pkg/printers/internalversion/printers.go.
 */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, int, nameColumn, str } from './format.ts'

export const priorityClassTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Value', 'integer', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.'),
    column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    ageColumn(),
    column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
  ],
  row(pc: KubeObject, now: Date): unknown[] {
    return [str(pc.metadata?.name), int(pc.value), pc.globalDefault === true, age(pc, now), str(pc.preemptionPolicy)]
  },
}

export const webhookConfigurationTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'),
    ageColumn(),
  ],
  row(c: KubeObject, now: Date): unknown[] {
    return [str(c.metadata?.name), arr(c.webhooks).length, age(c, now)]
  },
}
