/**
 * autoscaling/v1 Scale (the scale subresource).
 * Declared from k8s.io/api and k8s.io/apimachinery v0.36.3: field numbers from generated.proto; JSON names, patch
 * strategies and list types from types.go; descriptions shortened from the Go doc comments.
 */
import { t, type TypeSchema } from '../schema.ts'

export const autoscalingV1Types: TypeSchema[] = [
  {
    name: 'io.k8s.api.autoscaling.v1.Scale',
    description: 'Scale represents a scaling request for a resource.',
    gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), description: 'Standard object metadata; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata.', emitEmpty: true },
      { name: 'spec', proto: 2, type: t.ref('io.k8s.api.autoscaling.v1.ScaleSpec'), description: 'spec defines the behavior of the scale. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status.', emitEmpty: true },
      { name: 'status', proto: 3, type: t.ref('io.k8s.api.autoscaling.v1.ScaleStatus'), description: 'status is the current status of the scale. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status.', emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.autoscaling.v1.ScaleSpec',
    description: 'ScaleSpec describes the attributes of a scale subresource.',
    fields: [
      { name: 'replicas', proto: 1, type: t.int32, description: 'replicas is the desired number of instances for the scaled object.' },
    ],
  },
  {
    name: 'io.k8s.api.autoscaling.v1.ScaleStatus',
    description: 'ScaleStatus represents the current status of a scale subresource.',
    fields: [
      { name: 'replicas', proto: 1, type: t.int32, description: 'replicas is the actual number of observed instances of the scaled object.', required: true, emitEmpty: true },
      { name: 'selector', proto: 2, type: t.string(), description: 'selector is the label query over pods that should match the replicas count. This is same as the label selector but in the string format to avoid introspection by clients.' },
    ],
  },
]
