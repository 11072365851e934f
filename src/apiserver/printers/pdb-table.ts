/** `kubectl get poddisruptionbudgets`: printPodDisruptionBudget of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, column, int, nameColumn, obj, str } from './format.ts'

/** An IntOrString as intstr.String() prints it; `N/A` when unset. */
const intOrStringOrNA = (v: unknown): string => (typeof v === 'number' || typeof v === 'string' ? String(v) : 'N/A')

export const podDisruptionBudgetTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  row(pdb: KubeObject, now: Date): unknown[] {
    const spec = obj(pdb.spec)
    return [str(pdb.metadata?.name), intOrStringOrNA(spec.minAvailable), intOrStringOrNA(spec.maxUnavailable), int(obj(pdb.status).disruptionsAllowed), age(pdb, now)]
  },
}
