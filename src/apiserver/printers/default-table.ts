/**
 * The table of a kind without a printer: the CustomResourceDefinition default (apiextensions-apiserver's
 * tableconvertor with the default `Age` column, `type: date`, JSONPath `.metadata.creationTimestamp`).
 */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { AGE_DESCRIPTION, column, nameColumn, str, translateTimestampSince } from './format.ts'

export const defaultTable: TableDefinition = {
  columns: [nameColumn(), column('Age', 'date', AGE_DESCRIPTION)],
  row(o: KubeObject, now: Date): unknown[] {
    // cellForJSONValue("date"): no value → null cell; unparsable → `<invalid>`; zero → `<unknown>`; else the age.
    const created: unknown = o.metadata?.creationTimestamp
    let ageCell: string | null = null
    if (typeof created === 'string') ageCell = created !== '' && Number.isNaN(Date.parse(created)) ? '<invalid>' : translateTimestampSince(created, now)
    return [str(o.metadata?.name), ageCell]
  },
}
