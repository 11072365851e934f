/**
 * apps/v1 Deployment and ReplicaSet.
 * Declared from k8s.io/api and k8s.io/apimachinery v0.36.3: field numbers from generated.proto; JSON names, patch
 * strategies and list types from types.go; descriptions shortened from the Go doc comments.
 */
import { t, type TypeSchema } from '../schema.ts'

export const appsV1Types: TypeSchema[] = [
  {
    name: 'io.k8s.api.apps.v1.Deployment',
    description: 'Deployment enables declarative updates for Pods and ReplicaSets.',
    gvk: { group: 'apps', version: 'v1', kind: 'Deployment' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), description: 'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', emitEmpty: true },
      { name: 'spec', proto: 2, type: t.ref('io.k8s.api.apps.v1.DeploymentSpec'), description: 'Specification of the desired behavior of the Deployment.', emitEmpty: true },
      { name: 'status', proto: 3, type: t.ref('io.k8s.api.apps.v1.DeploymentStatus'), description: 'Most recently observed status of the Deployment.', emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.DeploymentList',
    description: 'DeploymentList is a list of Deployments.',
    gvk: { group: 'apps', version: 'v1', kind: 'DeploymentList' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'), description: 'Standard list metadata.', emitEmpty: true },
      { name: 'items', proto: 2, type: t.array(t.ref('io.k8s.api.apps.v1.Deployment')), description: 'Items is the list of Deployments.', required: true, emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.ReplicaSet',
    description: 'ReplicaSet ensures that a specified number of pod replicas are running at any given time.',
    gvk: { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), description: 'If the Labels of a ReplicaSet are empty, they are defaulted to be the same as the Pod(s) that the ReplicaSet manages.', emitEmpty: true },
      { name: 'spec', proto: 2, type: t.ref('io.k8s.api.apps.v1.ReplicaSetSpec'), description: 'Spec defines the specification of the desired behavior of the ReplicaSet. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status', emitEmpty: true },
      { name: 'status', proto: 3, type: t.ref('io.k8s.api.apps.v1.ReplicaSetStatus'), description: 'Status is the most recently observed status of the ReplicaSet. This data may be out of date by some window of time.', emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.ReplicaSetList',
    description: 'ReplicaSetList is a collection of ReplicaSets.',
    gvk: { group: 'apps', version: 'v1', kind: 'ReplicaSetList' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.' },
      { name: 'kind', proto: 0, type: t.string(), description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.' },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'), description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds', emitEmpty: true },
      { name: 'items', proto: 2, type: t.array(t.ref('io.k8s.api.apps.v1.ReplicaSet')), description: 'List of ReplicaSets. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset', required: true, emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.DeploymentSpec',
    description: 'DeploymentSpec is the specification of the desired behavior of the Deployment.',
    fields: [
      { name: 'replicas', proto: 1, type: t.int32, description: 'Number of desired pods. This is a pointer to distinguish between explicit zero and not specified.', pointer: true },
      { name: 'selector', proto: 2, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'), description: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', required: true, emitEmpty: true, pointer: true },
      { name: 'template', proto: 3, type: t.ref('io.k8s.api.core.v1.PodTemplateSpec'), description: 'Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is "Always".', required: true, emitEmpty: true },
      { name: 'strategy', proto: 4, type: t.ref('io.k8s.api.apps.v1.DeploymentStrategy'), description: 'The deployment strategy to use to replace existing pods with new ones.', patchStrategy: 'retainKeys', emitEmpty: true },
      { name: 'minReadySeconds', proto: 5, type: t.int32, description: 'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available.' },
      { name: 'revisionHistoryLimit', proto: 6, type: t.int32, description: 'The number of old ReplicaSets to retain to allow rollback. This is a pointer to distinguish between explicit zero and not specified.', pointer: true },
      { name: 'paused', proto: 7, type: t.boolean, description: 'Indicates that the deployment is paused.' },
      { name: 'progressDeadlineSeconds', proto: 9, type: t.int32, description: 'The maximum time in seconds for a deployment to make progress before it is considered to be failed.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.DeploymentStatus',
    description: 'DeploymentStatus is the most recently observed status of the Deployment.',
    fields: [
      { name: 'observedGeneration', proto: 1, type: t.int64, description: 'The generation observed by the deployment controller.' },
      { name: 'replicas', proto: 2, type: t.int32, description: 'Total number of non-terminating pods targeted by this deployment (their labels match the selector).' },
      { name: 'updatedReplicas', proto: 3, type: t.int32, description: 'Total number of non-terminating pods targeted by this deployment that have the desired template spec.' },
      { name: 'readyReplicas', proto: 7, type: t.int32, description: 'Total number of non-terminating pods targeted by this Deployment with a Ready Condition.' },
      { name: 'availableReplicas', proto: 4, type: t.int32, description: 'Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.' },
      { name: 'unavailableReplicas', proto: 5, type: t.int32, description: 'Total number of unavailable pods targeted by this deployment. This is the total number of pods that are still required for the deployment to have 100% available capacity.' },
      { name: 'terminatingReplicas', proto: 9, type: t.int32, description: 'Total number of terminating pods targeted by this deployment. Terminating pods have a non-null .metadata.deletionTimestamp and have not yet reached the Failed or Succeeded .status.phase.', pointer: true },
      { name: 'conditions', proto: 6, type: t.array(t.ref('io.k8s.api.apps.v1.DeploymentCondition')), description: 'Represents the latest available observations of a deployment\'s current state.', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
      { name: 'collisionCount', proto: 8, type: t.int32, description: 'Count of hash collisions for the Deployment. The Deployment controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.ReplicaSetSpec',
    description: 'ReplicaSetSpec is the specification of a ReplicaSet.',
    fields: [
      { name: 'replicas', proto: 1, type: t.int32, description: 'Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified.', pointer: true },
      { name: 'minReadySeconds', proto: 4, type: t.int32, description: 'Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available.' },
      { name: 'selector', proto: 2, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'), description: 'Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set.', required: true, emitEmpty: true, pointer: true },
      { name: 'template', proto: 3, type: t.ref('io.k8s.api.core.v1.PodTemplateSpec'), description: 'Template is the object that describes the pod that will be created if insufficient replicas are detected.', emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.ReplicaSetStatus',
    description: 'ReplicaSetStatus represents the current status of a ReplicaSet.',
    fields: [
      { name: 'replicas', proto: 1, type: t.int32, description: 'Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset', required: true, emitEmpty: true },
      { name: 'fullyLabeledReplicas', proto: 2, type: t.int32, description: 'The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset.' },
      { name: 'readyReplicas', proto: 4, type: t.int32, description: 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.' },
      { name: 'availableReplicas', proto: 5, type: t.int32, description: 'The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set.' },
      { name: 'terminatingReplicas', proto: 7, type: t.int32, description: 'The number of terminating pods for this replica set. Terminating pods have a non-null .metadata.deletionTimestamp and have not yet reached the Failed or Succeeded .status.phase.', pointer: true },
      { name: 'observedGeneration', proto: 3, type: t.int64, description: 'ObservedGeneration reflects the generation of the most recently observed ReplicaSet.' },
      { name: 'conditions', proto: 6, type: t.array(t.ref('io.k8s.api.apps.v1.ReplicaSetCondition')), description: 'Represents the latest available observations of a replica set\'s current state.', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.DeploymentStrategy',
    description: 'DeploymentStrategy describes how to replace existing pods with new ones.',
    fields: [
      { name: 'type', proto: 1, type: t.string(['Recreate', 'RollingUpdate']), description: 'Type of deployment. Can be "Recreate" or "RollingUpdate".' },
      { name: 'rollingUpdate', proto: 2, type: t.ref('io.k8s.api.apps.v1.RollingUpdateDeployment'), description: 'Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.DeploymentCondition',
    description: 'DeploymentCondition describes the state of a deployment at a certain point.',
    fields: [
      { name: 'type', proto: 1, type: t.string(), description: 'Type of deployment condition.', required: true, emitEmpty: true },
      { name: 'status', proto: 2, type: t.string(), description: 'Status of the condition, one of True, False, Unknown.', required: true, emitEmpty: true },
      { name: 'lastUpdateTime', proto: 6, type: t.time, description: 'The last time this condition was updated.', emitEmpty: true },
      { name: 'lastTransitionTime', proto: 7, type: t.time, description: 'Last time the condition transitioned from one status to another.', emitEmpty: true },
      { name: 'reason', proto: 4, type: t.string(), description: 'The reason for the condition\'s last transition.' },
      { name: 'message', proto: 5, type: t.string(), description: 'A human readable message indicating details about the transition.' },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.ReplicaSetCondition',
    description: 'ReplicaSetCondition describes the state of a replica set at a certain point.',
    fields: [
      { name: 'type', proto: 1, type: t.string(), description: 'Type of replica set condition.', required: true, emitEmpty: true },
      { name: 'status', proto: 2, type: t.string(), description: 'Status of the condition, one of True, False, Unknown.', required: true, emitEmpty: true },
      { name: 'lastTransitionTime', proto: 3, type: t.time, description: 'The last time the condition transitioned from one status to another.', emitEmpty: true },
      { name: 'reason', proto: 4, type: t.string(), description: 'The reason for the condition\'s last transition.' },
      { name: 'message', proto: 5, type: t.string(), description: 'A human readable message indicating details about the transition.' },
    ],
  },
  {
    name: 'io.k8s.api.apps.v1.RollingUpdateDeployment',
    description: 'Spec to control the desired behavior of rolling update.',
    fields: [
      { name: 'maxUnavailable', proto: 1, type: t.intOrString, description: 'The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%).', pointer: true },
      { name: 'maxSurge', proto: 2, type: t.intOrString, description: 'The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%).', pointer: true },
    ],
  },
]
