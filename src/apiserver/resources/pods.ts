import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { formatTime } from '../../api/meta.ts'
import { ApiError, CauseReason, invalid } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { podTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { defaultPodSpec, qosClass, validatePodSpec } from './pod-spec.ts'
import { podAttach, podExec, podLog, podPortForward } from './pod-connect.ts'
import { statusSubresource } from './subresources.ts'
import { ephemeralContainersSubresource } from './pod-ephemeral.ts'

/** Tolerations the DefaultTolerationSeconds admission plugin adds, so that pods survive a short node outage. */
const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
]

/** What an update of a running pod may change (ValidatePodUpdate). */
function mutableSpecView(spec: any): any {
  const copy = structuredClone(spec ?? {})
  for (const c of [...(copy.containers ?? []), ...(copy.initContainers ?? [])]) delete c.image
  delete copy.activeDeadlineSeconds
  delete copy.tolerations
  return copy
}

const isTerminal = (pod: KubeObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'

/** pods/binding: what the scheduler POSTs (BindingREST.setPodHostAndAnnotations). */
function bind(pod: KubeObject, binding: KubeObject): KubeObject {
  const name = pod.metadata.name
  const node = binding?.target?.name
  if (!node) throw new ApiError(422, 'Invalid', `Binding.core "${name}" is invalid: target.name: Required value`, { kind: 'Binding', name, causes: [{ field: 'target.name', reason: CauseReason.required, message: 'Required value' }] })
  if (pod.metadata.deletionTimestamp) throw new ApiError(409, 'Conflict', `pod ${name} is being deleted, cannot be assigned to a host`, { name, kind: 'pods/binding' })
  if (pod.spec?.nodeName) throw new ApiError(409, 'Conflict', `pod ${name} is already assigned to node "${pod.spec.nodeName}"`, { name, kind: 'pods/binding' })
  pod.spec.nodeName = node
  const annotations = binding.metadata?.annotations
  if (annotations) pod.metadata.annotations = { ...pod.metadata.annotations, ...annotations }
  const conditions: any[] = (pod.status.conditions ??= [])
  const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: formatTime() }
  const i = conditions.findIndex((c) => c.type === 'PodScheduled')
  if (i >= 0) conditions[i] = scheduled
  else conditions.push(scheduled)
  return pod
}

export const pods: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(pod) {
      pod.spec ??= {}
      // They are added to a running pod through pods/ephemeralcontainers, never with it (validatePodCreate).
      if (pod.spec.ephemeralContainers?.length)
        throw invalid('Pod', '', pod.metadata.name, [{ field: 'spec.ephemeralContainers', reason: CauseReason.forbidden, message: 'Forbidden: cannot be set on create' }])
      defaultPodSpec(pod.spec)
      pod.spec.serviceAccountName ??= pod.spec.serviceAccount ?? 'default'
      pod.spec.serviceAccount = pod.spec.serviceAccountName
      pod.spec.priority ??= 0
      pod.spec.tolerations ??= []
      for (const t of DEFAULT_TOLERATIONS)
        if (!pod.spec.tolerations.some((x: any) => x?.key === t.key && x?.effect === t.effect)) pod.spec.tolerations.push({ ...t })
      // The client's status is discarded (pod strategy PrepareForCreate).
      pod.status = { phase: 'Pending', qosClass: qosClass(pod.spec) }
    },
    validate: (pod) => validatePodSpec(pod.spec, 'spec'),
    validateUpdate(pod, old): StatusCause[] {
      if (old.spec?.nodeName && pod.spec?.nodeName !== old.spec.nodeName)
        return [{ field: 'spec.nodeName', reason: CauseReason.forbidden, message: 'Forbidden: pod updates may not change nodeName' }]
      if (!jsonEqual(mutableSpecView(pod.spec), mutableSpecView(old.spec)))
        return [
          {
            field: 'spec',
            reason: CauseReason.forbidden,
            message:
              'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          },
        ]
      return []
    },
    // A pod that runs on a node is deleted gracefully: its kubelet stops the containers, then confirms.
    gracePeriodSeconds(pod, requested) {
      if (!pod.spec?.nodeName || isTerminal(pod)) return 0
      return requested ?? pod.spec?.terminationGracePeriodSeconds ?? 30
    },
  },
  subresources: {
    status: statusSubresource,
    binding: { verbs: ['create'], kind: { group: '', version: 'v1', kind: 'Binding' }, action: bind },
    ephemeralcontainers: ephemeralContainersSubresource,
    log: podLog,
    exec: podExec,
    attach: podAttach,
    portforward: podPortForward,
  },
  selectableFields: (pod) => ({
    'spec.nodeName': pod.spec?.nodeName ?? '',
    'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
    'spec.schedulerName': pod.spec?.schedulerName ?? '',
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
    'status.phase': pod.status?.phase ?? '',
    'status.podIP': pod.status?.podIP ?? '',
    'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
  }),
  table: podTable,
}
