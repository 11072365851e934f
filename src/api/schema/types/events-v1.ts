/**
 * events.k8s.io/v1 Event.
 * Declared from k8s.io/api and k8s.io/apimachinery v0.36.3: field numbers from generated.proto; JSON names, patch
 * strategies and list types from types.go; descriptions shortened from the Go doc comments.
 */
import { t, type TypeSchema } from '../schema.ts'

export const eventsV1Types: TypeSchema[] = [
  {
    name: 'io.k8s.api.events.v1.Event',
    description: 'Event is a report of an event somewhere in the cluster. It generally denotes some state change in the system.',
    gvk: { group: 'events.k8s.io', version: 'v1', kind: 'Event' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), description: 'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', emitEmpty: true },
      { name: 'eventTime', proto: 2, type: t.microTime, description: 'eventTime is the time when this Event was first observed. It is required.', required: true, emitEmpty: true },
      { name: 'series', proto: 3, type: t.ref('io.k8s.api.events.v1.EventSeries'), description: 'series is data about the Event series this event represents or nil if it\'s a singleton Event.', pointer: true },
      { name: 'reportingController', proto: 4, type: t.string(), description: 'reportingController is the name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.' },
      { name: 'reportingInstance', proto: 5, type: t.string(), description: 'reportingInstance is the ID of the controller instance, e.g. `kubelet-xyzf`. This field cannot be empty for new Events and it can have at most 128 characters.' },
      { name: 'action', proto: 6, type: t.string(), description: 'action is what action was taken/failed regarding to the regarding object. It is machine-readable.' },
      { name: 'reason', proto: 7, type: t.string(), description: 'reason is why the action was taken. It is human-readable.' },
      { name: 'regarding', proto: 8, type: t.ref('io.k8s.api.core.v1.ObjectReference'), description: 'regarding contains the object this Event is about. In most cases it\'s an Object reporting controller implements, e.g. ReplicaSetController implements ReplicaSets and this event is emitted because it acts on some changes in a ReplicaSet object.', emitEmpty: true },
      { name: 'related', proto: 9, type: t.ref('io.k8s.api.core.v1.ObjectReference'), description: 'related is the optional secondary object for more complex actions. E.g. when regarding object triggers a creation or deletion of related object.', pointer: true },
      { name: 'note', proto: 10, type: t.string(), description: 'note is a human-readable description of the status of this operation. Maximal length of the note is 1kB, but libraries should be prepared to handle values up to 64kB.' },
      { name: 'type', proto: 11, type: t.string(), description: 'type is the type of this event (Normal, Warning), new types could be added in the future. It is machine-readable.' },
      { name: 'deprecatedSource', proto: 12, type: t.ref('io.k8s.api.core.v1.EventSource'), description: 'deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.', emitEmpty: true },
      { name: 'deprecatedFirstTimestamp', proto: 13, type: t.time, description: 'deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.', emitEmpty: true },
      { name: 'deprecatedLastTimestamp', proto: 14, type: t.time, description: 'deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.', emitEmpty: true },
      { name: 'deprecatedCount', proto: 15, type: t.int32, description: 'deprecatedCount is the deprecated field assuring backward compatibility with core.v1 Event type.' },
    ],
  },
  {
    name: 'io.k8s.api.events.v1.EventList',
    description: 'EventList is a list of Event objects.',
    gvk: { group: 'events.k8s.io', version: 'v1', kind: 'EventList' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'), description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', emitEmpty: true },
      { name: 'items', proto: 2, type: t.array(t.ref('io.k8s.api.events.v1.Event')), description: 'items is a list of schema objects.', required: true, emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.events.v1.EventSeries',
    description: 'EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.',
    fields: [
      { name: 'count', proto: 1, type: t.int32, description: 'count is the number of occurrences in this series up to the last heartbeat time.', required: true, emitEmpty: true },
      { name: 'lastObservedTime', proto: 2, type: t.microTime, description: 'lastObservedTime is the time when last Event from the series was seen before last heartbeat.', required: true, emitEmpty: true },
    ],
  },
]
