/** `kubectl get events`: printEvent of kubernetes pkg/printers/internalversion/printers.go (core/v1 Event). */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { column, int, NAME_DESCRIPTION, obj, parseTime, str, translateTimestampSince } from './format.ts'

/** formatEventSource: `component, host`, falling back to reportingComponent / reportingInstance. */
export function formatEventSource(event: KubeObject): string {
  const source = obj(event.source)
  const component = str(source.component) || str(event.reportingComponent)
  const instance = str(source.host) || str(event.reportingInstance)
  return instance ? `${component}, ${instance}` : component
}

export const eventTable: TableDefinition = {
  columns: [
    column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'string', 'The object that this event is about.'),
    column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
    column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    // Kubernetes declares this column `string` and fills it with an integer; kubectl prints either.
    column('Count', 'string', 'The number of times this event has occurred.', 1),
    column('Name', 'string', NAME_DESCRIPTION, 1, 'name'),
  ],
  row(event: KubeObject, now: Date): unknown[] {
    // A zero (missing or null) firstTimestamp falls back to eventTime; a zero lastTimestamp to the first.
    const firstTimestamp =
      parseTime(event.firstTimestamp) !== undefined
        ? translateTimestampSince(event.firstTimestamp, now)
        : translateTimestampSince(str(event.eventTime), now)
    let lastTimestamp = parseTime(event.lastTimestamp) !== undefined ? translateTimestampSince(event.lastTimestamp, now) : firstTimestamp
    let count = int(event.count)
    const series = event.series
    if (series !== null && series !== undefined && typeof series === 'object') {
      lastTimestamp = translateTimestampSince(str(series.lastObservedTime), now)
      count = int(series.count)
    } else if (count === 0) {
      // Singleton events don't have a count set in the new API.
      count = 1
    }
    const involved = obj(event.involvedObject)
    const kind = str(involved.kind).toLowerCase()
    const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind
    return [
      lastTimestamp,
      str(event.type),
      str(event.reason),
      target,
      str(involved.fieldPath),
      formatEventSource(event),
      str(event.message).trim(),
      firstTimestamp,
      count,
      str(event.metadata?.name),
    ]
  },
}
