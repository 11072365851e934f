/**
 * batch/v1 Job.
 * Declared from k8s.io/api and k8s.io/apimachinery v0.36.3: field numbers from generated.proto; JSON names, patch
 * strategies and list types from types.go; descriptions shortened from the Go doc comments.
 * CronJob is not served, so its types are not declared. Go pointer fields are marked `pointer`, so that a protobuf
 * body keeps their explicit zero values (`backoffLimit: 0`, `suspend: false`).
 */
import { t, type TypeSchema } from '../schema.ts'

const B = 'io.k8s.api.batch.v1.'
const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.'
const KIND_DOC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.'

export const batchV1Types: TypeSchema[] = [
  {
    name: `${B}Job`,
    description: 'Job represents the configuration of a single job.',
    gvk: { group: 'batch', version: 'v1', kind: 'Job' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: API_VERSION_DOC },
      { name: 'kind', proto: 0, type: t.string(), description: KIND_DOC },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), description: 'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', emitEmpty: true },
      { name: 'spec', proto: 2, type: t.ref(`${B}JobSpec`), description: 'Specification of the desired behavior of a job. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status', emitEmpty: true },
      { name: 'status', proto: 3, type: t.ref(`${B}JobStatus`), description: 'Current status of a job. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status', emitEmpty: true },
    ],
  },
  {
    name: `${B}JobList`,
    description: 'JobList is a collection of jobs.',
    gvk: { group: 'batch', version: 'v1', kind: 'JobList' },
    fields: [
      { name: 'apiVersion', proto: 0, type: t.string(), description: API_VERSION_DOC },
      { name: 'kind', proto: 0, type: t.string(), description: KIND_DOC },
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'), description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', emitEmpty: true },
      { name: 'items', proto: 2, type: t.array(t.ref(`${B}Job`)), description: 'items is the list of Jobs.', required: true, emitEmpty: true },
    ],
  },
  {
    name: `${B}JobSpec`,
    description: 'JobSpec describes how the job execution will look like.',
    fields: [
      { name: 'parallelism', proto: 1, type: t.int32, description: 'Specifies the maximum desired number of pods the job should run at any given time. The actual number of pods running in steady state will be less than this number when ((.spec.completions - .status.successful) < .spec.parallelism), i.e. when the work left to do is less than max parallelism.', pointer: true },
      { name: 'completions', proto: 2, type: t.int32, description: 'Specifies the desired number of successfully finished pods the job should be run with. Setting to null means that the success of any pod signals the success of all pods, and allows parallelism to have any positive value.', pointer: true },
      { name: 'activeDeadlineSeconds', proto: 3, type: t.int64, description: 'Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it; value must be positive integer.', pointer: true },
      { name: 'podFailurePolicy', proto: 11, type: t.ref(`${B}PodFailurePolicy`), description: 'Specifies the policy of handling failed pods. In particular, it allows to specify the set of actions and conditions which need to be satisfied to take the associated action.', pointer: true },
      { name: 'successPolicy', proto: 16, type: t.ref(`${B}SuccessPolicy`), description: 'successPolicy specifies the policy when the Job can be declared as succeeded. If empty, the default behavior applies - the Job is declared as succeeded only when the number of succeeded pods equals to the completions.', pointer: true },
      { name: 'backoffLimit', proto: 7, type: t.int32, description: 'Specifies the number of retries before marking this job failed. Defaults to 6, unless backoffLimitPerIndex (only Indexed Job) is specified.', pointer: true },
      { name: 'backoffLimitPerIndex', proto: 12, type: t.int32, description: 'Specifies the limit for the number of retries within an index before marking this index as failed. It can only be set when Job\'s completionMode=Indexed, and the Pod\'s restart policy is Never. The field is immutable.', pointer: true },
      { name: 'maxFailedIndexes', proto: 13, type: t.int32, description: 'Specifies the maximal number of failed indexes before marking the Job as failed, when backoffLimitPerIndex is set.', pointer: true },
      { name: 'selector', proto: 4, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'), description: 'A label query over pods that should match the pod count. Normally, the system sets this field for you.', pointer: true },
      { name: 'manualSelector', proto: 5, type: t.boolean, description: 'manualSelector controls generation of pod labels and pod selectors. Leave `manualSelector` unset unless you are certain what you are doing.', pointer: true },
      { name: 'template', proto: 6, type: t.ref('io.k8s.api.core.v1.PodTemplateSpec'), description: 'Describes the pod that will be created when executing a job. The only allowed template.spec.restartPolicy values are "Never" or "OnFailure".', required: true, emitEmpty: true },
      { name: 'ttlSecondsAfterFinished', proto: 8, type: t.int32, description: 'ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed).', pointer: true },
      { name: 'completionMode', proto: 9, type: t.string(['Indexed', 'NonIndexed']), description: 'completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`.', pointer: true },
      { name: 'suspend', proto: 10, type: t.boolean, description: 'suspend specifies whether the Job controller should create Pods or not. Defaults to false.', pointer: true },
      { name: 'podReplacementPolicy', proto: 14, type: t.string(['Failed', 'TerminatingOrFailed']), description: 'podReplacementPolicy specifies when to create replacement Pods.', pointer: true },
      { name: 'managedBy', proto: 15, type: t.string(), description: 'ManagedBy field indicates the controller that manages a Job. The k8s Job controller reconciles jobs which don\'t have this field at all or the field value is the reserved string `kubernetes.io/job-controller`. This field is immutable.', pointer: true },
    ],
  },
  {
    name: `${B}JobStatus`,
    description: 'JobStatus represents the current state of a Job.',
    fields: [
      { name: 'conditions', proto: 1, type: t.array(t.ref(`${B}JobCondition`)), description: 'The latest available observations of an object\'s current state. When a Job fails, one of the conditions will have type "Failed" and status true. When a Job is completed, one of the conditions will have type "Complete" and status true.', patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' },
      { name: 'startTime', proto: 2, type: t.time, description: 'Represents time when the job controller started processing a job.', pointer: true },
      { name: 'completionTime', proto: 3, type: t.time, description: 'Represents time when the job was completed. The completion time is set when the job finishes successfully, and only then.', pointer: true },
      { name: 'active', proto: 4, type: t.int32, description: 'The number of pending and running pods which are not terminating (without a deletionTimestamp). The value is zero for finished jobs.' },
      { name: 'succeeded', proto: 5, type: t.int32, description: 'The number of pods which reached phase Succeeded.' },
      { name: 'failed', proto: 6, type: t.int32, description: 'The number of pods which reached phase Failed. The value increases monotonically.' },
      { name: 'terminating', proto: 11, type: t.int32, description: 'The number of pods which are terminating (in phase Pending or Running and have a deletionTimestamp).', pointer: true },
      { name: 'completedIndexes', proto: 7, type: t.string(), description: 'completedIndexes holds the completed indexes when .spec.completionMode = "Indexed" in a text format.' },
      { name: 'failedIndexes', proto: 10, type: t.string(), description: 'FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set.', pointer: true },
      { name: 'uncountedTerminatedPods', proto: 8, type: t.ref(`${B}UncountedTerminatedPods`), description: 'uncountedTerminatedPods holds the UIDs of Pods that have terminated but the job controller hasn\'t yet accounted for in the status counters.', pointer: true },
      { name: 'ready', proto: 9, type: t.int32, description: 'The number of active pods which have a Ready condition and are not terminating (without a deletionTimestamp).', pointer: true },
    ],
  },
  {
    name: `${B}JobCondition`,
    description: 'JobCondition describes current state of a job.',
    fields: [
      { name: 'type', proto: 1, type: t.string(), description: 'Type of job condition, Complete or Failed.', required: true, emitEmpty: true },
      { name: 'status', proto: 2, type: t.string(), description: 'Status of the condition, one of True, False, Unknown.', required: true, emitEmpty: true },
      { name: 'lastProbeTime', proto: 3, type: t.time, description: 'Last time the condition was checked.', emitEmpty: true },
      { name: 'lastTransitionTime', proto: 4, type: t.time, description: 'Last time the condition transit from one status to another.', emitEmpty: true },
      { name: 'reason', proto: 5, type: t.string(), description: '(brief) reason for the condition\'s last transition.' },
      { name: 'message', proto: 6, type: t.string(), description: 'Human readable message indicating details about last transition.' },
    ],
  },
  {
    name: `${B}UncountedTerminatedPods`,
    description: 'UncountedTerminatedPods holds UIDs of Pods that have terminated but haven\'t been accounted in Job status counters.',
    fields: [
      { name: 'succeeded', proto: 1, type: t.array(t.string()), description: 'succeeded holds UIDs of succeeded Pods.', listType: 'set' },
      { name: 'failed', proto: 2, type: t.array(t.string()), description: 'failed holds UIDs of failed Pods.', listType: 'set' },
    ],
  },
  {
    name: `${B}PodFailurePolicy`,
    description: 'PodFailurePolicy describes how failed pods influence the backoffLimit.',
    fields: [
      { name: 'rules', proto: 1, type: t.array(t.ref(`${B}PodFailurePolicyRule`)), description: 'A list of pod failure policy rules. The rules are evaluated in order. Once a rule matches a Pod failure, the remaining of the rules are ignored. At most 20 elements are allowed.', required: true, emitEmpty: true, listType: 'atomic' },
    ],
  },
  {
    name: `${B}PodFailurePolicyRule`,
    description: 'PodFailurePolicyRule describes how a pod failure is handled when the requirements are met. One of onExitCodes and onPodConditions, but not both, can be used in each rule.',
    fields: [
      { name: 'action', proto: 1, type: t.string(['Count', 'FailIndex', 'FailJob', 'Ignore']), description: 'Specifies the action taken on a pod failure when the requirements are satisfied.', required: true, emitEmpty: true },
      { name: 'onExitCodes', proto: 2, type: t.ref(`${B}PodFailurePolicyOnExitCodesRequirement`), description: 'Represents the requirement on the container exit codes.', pointer: true },
      { name: 'onPodConditions', proto: 3, type: t.array(t.ref(`${B}PodFailurePolicyOnPodConditionsPattern`)), description: 'Represents the requirement on the pod conditions. The requirement is represented as a list of pod condition patterns. At most 20 elements are allowed.', listType: 'atomic' },
    ],
  },
  {
    name: `${B}PodFailurePolicyOnExitCodesRequirement`,
    description: 'PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a failed pod based on its container exit codes.',
    fields: [
      { name: 'containerName', proto: 1, type: t.string(), description: 'Restricts the check for exit codes to the container with the specified name. When null, the rule applies to all containers.', pointer: true },
      { name: 'operator', proto: 2, type: t.string(['In', 'NotIn']), description: 'Represents the relationship between the container exit code(s) and the specified values.', required: true, emitEmpty: true },
      { name: 'values', proto: 3, type: t.array(t.int32), description: 'Specifies the set of values. Each returned container exit code (might be multiple in case of multiple containers) is checked against this set of values with respect to the operator.', required: true, emitEmpty: true, listType: 'set' },
    ],
  },
  {
    name: `${B}PodFailurePolicyOnPodConditionsPattern`,
    description: 'PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual pod condition type.',
    fields: [
      { name: 'type', proto: 1, type: t.string(), description: 'Specifies the required Pod condition type. To match a pod condition it is required that specified type equals the pod condition type.', required: true, emitEmpty: true },
      { name: 'status', proto: 2, type: t.string(), description: 'Specifies the required Pod condition status. To match a pod condition it is required that the specified status equals the pod condition status. Defaults to True.', emitEmpty: true },
    ],
  },
  {
    name: `${B}SuccessPolicy`,
    description: 'SuccessPolicy describes when a Job can be declared as succeeded based on the success of some indexes.',
    fields: [
      { name: 'rules', proto: 1, type: t.array(t.ref(`${B}SuccessPolicyRule`)), description: 'rules represents the list of alternative rules for the declaring the Jobs as successful before `.status.succeeded >= .spec.completions`. At most 20 elements are allowed.', required: true, emitEmpty: true, listType: 'atomic' },
    ],
  },
  {
    name: `${B}SuccessPolicyRule`,
    description: 'SuccessPolicyRule describes rule for declaring a Job as succeeded. Each rule must have at least one of the "succeededIndexes" or "succeededCount" specified.',
    fields: [
      { name: 'succeededIndexes', proto: 1, type: t.string(), description: 'succeededIndexes specifies the set of indexes which need to be contained in the actual set of the succeeded indexes for the Job.', pointer: true },
      { name: 'succeededCount', proto: 2, type: t.int32, description: 'succeededCount specifies the minimal required size of the actual set of the succeeded indexes for the Job.', pointer: true },
    ],
  },
]
