/**
 * coordination.k8s.io/v1 Lease.
 * Declared from k8s.io/api and k8s.io/apimachinery v0.36.3: field numbers from generated.proto; JSON names, patch
 * strategies and list types from types.go; descriptions shortened from the Go doc comments.
 */
import { t, type TypeSchema } from '../schema.ts'

export const coordinationV1Types: TypeSchema[] = [
  {
    name: 'io.k8s.api.coordination.v1.Lease',
    description: 'Lease defines a lease concept.',
    gvk: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), description: 'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', emitEmpty: true },
      { name: 'spec', proto: 2, type: t.ref('io.k8s.api.coordination.v1.LeaseSpec'), description: 'spec contains the specification of the Lease. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status', emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.coordination.v1.LeaseList',
    description: 'LeaseList is a list of Lease objects.',
    gvk: { group: 'coordination.k8s.io', version: 'v1', kind: 'LeaseList' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'), description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', emitEmpty: true },
      { name: 'items', proto: 2, type: t.array(t.ref('io.k8s.api.coordination.v1.Lease')), description: 'items is a list of schema objects.', required: true, emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.coordination.v1.LeaseSpec',
    description: 'LeaseSpec is a specification of a Lease.',
    fields: [
      { name: 'holderIdentity', proto: 1, type: t.string(), description: 'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.', pointer: true },
      { name: 'leaseDurationSeconds', proto: 2, type: t.int32, description: 'leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.', pointer: true },
      { name: 'acquireTime', proto: 3, type: t.microTime, description: 'acquireTime is a time when the current lease was acquired.', pointer: true },
      { name: 'renewTime', proto: 4, type: t.microTime, description: 'renewTime is a time when the current holder of a lease has last updated the lease.', pointer: true },
      { name: 'leaseTransitions', proto: 5, type: t.int32, description: 'leaseTransitions is the number of transitions of a lease between holders.', pointer: true },
      { name: 'strategy', proto: 6, type: t.string(), description: 'Strategy indicates the strategy for picking the leader for coordinated leader election. If the field is not specified, there is no active coordination for this lease.', pointer: true },
      { name: 'preferredHolder', proto: 7, type: t.string(), description: 'PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.', pointer: true },
    ],
  },
]
