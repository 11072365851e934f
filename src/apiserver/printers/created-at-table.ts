/**
 * The table of the built-in kinds that have no printer (Role, ClusterRole, LimitRange): the API server's
 * rest.NewDefaultTableConvertor, a `Created At` column of type `date` with the RFC 3339 time (UTC), not an age.
 */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { AGE_DESCRIPTION, column, nameColumn, parseTime, str } from './format.ts'

/** metav1.Time.UTC().Format(time.RFC3339): seconds precision; Go's zero time when missing. */
export function rfc3339(ts: unknown): string {
  const ms = parseTime(ts)
  return ms === undefined ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
}

export const createdAtTable: TableDefinition = {
  columns: [nameColumn(), column('Created At', 'date', AGE_DESCRIPTION)],
  row(o: KubeObject): unknown[] {
    return [str(o.metadata?.name), rfc3339(o.metadata?.creationTimestamp)]
  },
}
