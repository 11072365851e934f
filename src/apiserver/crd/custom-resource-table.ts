/**
 * The server-side printer of custom resources (apiextensions-apiserver pkg/registry/customresource/tableconvertor):
 * a Name column, then the version's additionalPrinterColumns, each cell the first value its JSONPath finds;
 * a CRD that declares no columns gets an Age column (`.metadata.creationTimestamp`, type date).
 */
import type { KubeObject } from '../../api/meta.ts'
import { AGE_DESCRIPTION, nameColumn, translateTimestampSince } from '../printers/format.ts'
import type { ColumnDefinition, TableDefinition } from '../registry/resource-definition.ts'
import { findValues } from './jsonpath.ts'
import type { CustomResourceColumnDefinition } from './types.ts'

const AGE_COLUMN: CustomResourceColumnDefinition = { name: 'Age', type: 'date', description: AGE_DESCRIPTION, jsonPath: '.metadata.creationTimestamp' }

/** cellForJSONValue: the cell of a value for a column type (null when the value does not fit it). */
function cell(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null
    case 'number':
      return typeof value === 'number' ? value : null
    case 'boolean':
      return typeof value === 'boolean' ? value : null
    case 'date':
      if (typeof value !== 'string') return null
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : translateTimestampSince(value, now)
    default:
      return null
  }
}

/** A string column prints the value as jsonpath's PrintResults does: scalars as text, anything else as JSON. */
const text = (value: unknown): string | null => (value === null || value === undefined ? null : typeof value === 'object' ? JSON.stringify(value) : String(value))

export function customResourceTable(declared: CustomResourceColumnDefinition[] | undefined): TableDefinition {
  const columns = declared?.length ? declared : [AGE_COLUMN]
  return {
    columns: [
      nameColumn(),
      ...columns.map(
        (c): ColumnDefinition => ({
          name: c.name,
          type: c.type as ColumnDefinition['type'],
          format: c.format ?? '',
          description: c.description ?? '',
          priority: (c.priority ?? 0) as ColumnDefinition['priority'],
        }),
      ),
    ],
    row(obj: KubeObject, now: Date): unknown[] {
      const cells: unknown[] = [obj.metadata?.name ?? '']
      for (const c of columns) {
        let value: unknown
        try {
          value = findValues(obj, c.jsonPath)[0]
        } catch {
          value = undefined
        }
        cells.push(c.type === 'string' ? text(value) : cell(c.type, value, now))
      }
      return cells
    },
  }
}
