/**
 * discovery.k8s.io/v1 EndpointSlice.
 * Declared from k8s.io/api and k8s.io/apimachinery v0.36.3: field numbers from generated.proto; JSON names, patch
 * strategies and list types from types.go; descriptions shortened from the Go doc comments. The endpoint conditions
 * are Go pointers whose `false` means something: like every pointer field they are marked `pointer` (kept when a
 * protobuf body has them).
 */
import { t, type TypeSchema } from '../schema.ts'

const D = 'io.k8s.api.discovery.v1.'

export const discoveryV1Types: TypeSchema[] = [
  {
    name: `${D}EndpointSlice`,
    description: 'EndpointSlice represents a set of service endpoints. Most EndpointSlices are created by the EndpointSlice controller to represent the Pods selected by Service objects.',
    gvk: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), description: 'Standard object\'s metadata.', emitEmpty: true },
      { name: 'addressType', proto: 4, type: t.string(['FQDN', 'IPv4', 'IPv6']), description: 'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation.', required: true, emitEmpty: true },
      { name: 'endpoints', proto: 2, type: t.array(t.ref(`${D}Endpoint`)), description: 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.', emitEmpty: true, listType: 'atomic' },
      { name: 'ports', proto: 3, type: t.array(t.ref(`${D}EndpointPort`)), description: 'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. Each slice may include a maximum of 100 ports.', emitEmpty: true, listType: 'atomic' },
    ],
  },
  {
    name: `${D}EndpointSliceList`,
    description: 'EndpointSliceList represents a list of endpoint slices',
    gvk: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSliceList' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'), description: 'Standard list metadata.', emitEmpty: true },
      { name: 'items', proto: 2, type: t.array(t.ref(`${D}EndpointSlice`)), description: 'items is the list of endpoint slices', required: true, emitEmpty: true },
    ],
  },
  {
    name: `${D}Endpoint`,
    description: 'Endpoint represents a single logical "backend" implementing a service.',
    fields: [
      { name: 'addresses', proto: 1, type: t.array(t.string()), description: 'addresses of this endpoint. For EndpointSlices of addressType "IPv4" or "IPv6", the values are IP addresses in canonical form. This must contain at least one address but no more than 100.', required: true, emitEmpty: true, listType: 'set' },
      { name: 'conditions', proto: 2, type: t.ref(`${D}EndpointConditions`), description: 'conditions contains information about the current status of the endpoint.', emitEmpty: true },
      { name: 'hostname', proto: 3, type: t.string(), description: 'hostname of this endpoint. This field may be used by consumers of endpoints to distinguish endpoints from each other (e.g. in DNS names).', pointer: true },
      { name: 'targetRef', proto: 4, type: t.ref('io.k8s.api.core.v1.ObjectReference'), description: 'targetRef is a reference to a Kubernetes object that represents this endpoint.', pointer: true },
      { name: 'deprecatedTopology', proto: 5, type: t.map(t.string()), description: 'deprecatedTopology contains topology information part of the v1beta1 API. This field is deprecated, and will be removed when the v1beta1 API is removed.' },
      { name: 'nodeName', proto: 6, type: t.string(), description: 'nodeName represents the name of the Node hosting this endpoint. This can be used to determine endpoints local to a Node.', pointer: true },
      { name: 'zone', proto: 7, type: t.string(), description: 'zone is the name of the Zone this endpoint exists in.', pointer: true },
      { name: 'hints', proto: 8, type: t.ref(`${D}EndpointHints`), description: 'hints contains information associated with how an endpoint should be consumed.', pointer: true },
    ],
  },
  {
    name: `${D}EndpointConditions`,
    description: 'EndpointConditions represents the current condition of an endpoint.',
    fields: [
      { name: 'ready', proto: 1, type: t.boolean, description: 'ready indicates that this endpoint is ready to receive traffic, according to whatever system is managing the endpoint. A nil value should be interpreted as "true".', pointer: true },
      { name: 'serving', proto: 2, type: t.boolean, description: 'serving indicates that this endpoint is able to receive traffic, according to whatever system is managing the endpoint. A nil value should be interpreted as "true".', pointer: true },
      { name: 'terminating', proto: 3, type: t.boolean, description: 'terminating indicates that this endpoint is terminating. A nil value should be interpreted as "false".', pointer: true },
    ],
  },
  {
    name: `${D}EndpointHints`,
    description: 'EndpointHints provides hints describing how an endpoint should be consumed.',
    fields: [
      { name: 'forZones', proto: 1, type: t.array(t.ref(`${D}ForZone`)), description: 'forZones indicates the zone(s) this endpoint should be consumed by when using topology aware routing. May contain a maximum of 8 entries.', listType: 'atomic' },
      { name: 'forNodes', proto: 2, type: t.array(t.ref(`${D}ForNode`)), description: 'forNodes indicates the node(s) this endpoint should be consumed by when using topology aware routing. May contain a maximum of 8 entries.', listType: 'atomic' },
    ],
  },
  {
    name: `${D}ForZone`,
    description: 'ForZone provides information about which zones should consume this endpoint.',
    fields: [{ name: 'name', proto: 1, type: t.string(), description: 'name represents the name of the zone.', required: true, emitEmpty: true }],
  },
  {
    name: `${D}ForNode`,
    description: 'ForNode provides information about which nodes should consume this endpoint.',
    fields: [{ name: 'name', proto: 1, type: t.string(), description: 'name represents the name of the node.', required: true, emitEmpty: true }],
  },
  {
    name: `${D}EndpointPort`,
    description: 'EndpointPort represents a Port used by an EndpointSlice',
    mapType: 'atomic',
    fields: [
      { name: 'name', proto: 1, type: t.string(), description: 'name represents the name of this port. All ports in an EndpointSlice must have a unique name. If the EndpointSlice is derived from a Kubernetes service, this corresponds to the Service.ports[].name.', pointer: true },
      { name: 'protocol', proto: 2, type: t.string(['SCTP', 'TCP', 'UDP']), description: 'protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.', pointer: true },
      { name: 'port', proto: 3, type: t.int32, description: 'port represents the port number of the endpoint. If the EndpointSlice is derived from a Kubernetes service, this must be set to the service\'s target port.', pointer: true },
      { name: 'appProtocol', proto: 4, type: t.string(), description: 'The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand.', pointer: true },
    ],
  },
]
