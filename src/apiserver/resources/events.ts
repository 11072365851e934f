import type { KubeObject } from '../../api/meta.ts'
import { eventTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'

/** core/v1 Event: the storage shape of both Event APIs; what `kubectl describe` reads. */
export const events: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {},
  selectableFields: (ev) => ({
    'involvedObject.kind': ev.involvedObject?.kind ?? '',
    'involvedObject.namespace': ev.involvedObject?.namespace ?? '',
    'involvedObject.name': ev.involvedObject?.name ?? '',
    'involvedObject.uid': ev.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': ev.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': ev.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': ev.involvedObject?.fieldPath ?? '',
    reason: ev.reason ?? '',
    reportingComponent: ev.reportingComponent ?? '',
    source: ev.source?.component ?? '',
    type: ev.type ?? '',
  }),
  table: eventTable,
}

/** Field pairs (events.k8s.io/v1 name → core/v1 name) of the two Event APIs over one storage. */
const RENAMED: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
]

function rename(obj: KubeObject, pairs: [string, string][]): KubeObject {
  const out: KubeObject = { ...obj }
  for (const [from, to] of pairs) {
    delete out[from]
    if (obj[from] !== undefined) out[to] = obj[from]
  }
  return out
}

const toCore = (ev: KubeObject) => rename(ev, RENAMED)
const fromCore = (ev: KubeObject) => rename(ev, RENAMED.map(([a, b]) => [b, a]))

/** The field selector names of events.k8s.io/v1 are its own field names (AddFieldLabelConversionsForEvent). */
const v1FieldName = (coreName: string) =>
  coreName.startsWith('involvedObject.') ? `regarding.${coreName.slice('involvedObject.'.length)}` : coreName === 'reportingComponent' ? 'reportingController' : coreName

/** events.k8s.io/v1 Event: a view of the same stored events with the newer field names. */
export const eventsV1: ResourceDefinition = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    validate(ev) {
      const causes = []
      for (const field of ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason', 'type'])
        if (!ev[field]) causes.push({ field, reason: 'FieldValueRequired', message: 'Required value' })
      return causes
    },
  },
  selectableFields: (ev) => Object.fromEntries(Object.entries(events.selectableFields!(toCore(ev))).map(([name, value]) => [v1FieldName(name), value])),
  table: { columns: eventTable.columns, row: (ev, now) => eventTable.row(toCore(ev), now) },
  storage: { group: '', resource: 'events', toStorage: (ev) => ({ ...toCore(ev), apiVersion: 'v1' }), fromStorage: fromCore },
}
