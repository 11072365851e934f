/**
 * apps/v1 StatefulSet, DaemonSet and ControllerRevision: storage, defaults (SetDefaults_StatefulSet,
 * SetDefaults_DaemonSet), validation (pkg/apis/apps/validation), status and scale subresources. No controller
 * acts on them here: a StatefulSet or DaemonSet is stored and served, its pods are not created.
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { controllerRevisionTable, daemonSetTable, statefulSetTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { defaultPodSpec, validatePodSpec } from './pod-spec.ts'
import { asObject, Causes, checkIntOrPercent, checkSelectorMatchesTemplate, objects, scaleSubresource } from './checks.ts'
import { defaultPersistentVolumeClaim } from './storage.ts'
import { statusSubresource } from './subresources.ts'

/** The pod template every workload has: its metadata and pod spec defaults. */
export function defaultTemplate(spec: Record<string, any>): void {
  spec.template ??= {}
  spec.template.metadata ??= {}
  spec.template.spec ??= {}
  defaultPodSpec(spec.template.spec)
}

/** SetDefaults_StatefulSet (StatefulSetAutoDeletePVC is GA: the retention policy is defaulted too). */
function defaultStatefulSet(sts: KubeObject): void {
  const spec = (sts.spec ??= {})
  spec.podManagementPolicy ||= 'OrderedReady'
  spec.updateStrategy ??= {}
  if (!spec.updateStrategy.type) {
    spec.updateStrategy.type = 'RollingUpdate'
    spec.updateStrategy.rollingUpdate ??= {}
  }
  if (spec.updateStrategy.type === 'RollingUpdate' && asObject(spec.updateStrategy.rollingUpdate)) spec.updateStrategy.rollingUpdate.partition ??= 0
  spec.persistentVolumeClaimRetentionPolicy ??= {}
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain'
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain'
  spec.replicas ??= 1
  spec.revisionHistoryLimit ??= 10
  defaultTemplate(spec)
  for (const pvc of objects(spec.volumeClaimTemplates)) defaultPersistentVolumeClaim(pvc)
}

/** SetDefaults_DaemonSet. */
function defaultDaemonSet(ds: KubeObject): void {
  const spec = (ds.spec ??= {})
  spec.updateStrategy ??= {}
  spec.updateStrategy.type ||= 'RollingUpdate'
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {}
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0
  }
  spec.revisionHistoryLimit ??= 10
  defaultTemplate(spec)
}

/** A workload's pod template: valid, and restarted always (ValidatePodTemplateSpecForStatefulSet / ForDaemonSet). */
function validateAlwaysTemplate(c: Causes, spec: any): void {
  checkSelectorMatchesTemplate(c, spec)
  const restartPolicy = spec?.template?.spec?.restartPolicy
  if (restartPolicy !== undefined && restartPolicy !== 'Always') c.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always'])
  c.list.push(...validatePodSpec(spec?.template?.spec, 'spec.template.spec'))
}

function validateStatefulSet(sts: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = sts.spec ?? {}
  c.oneOf('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel'])
  const strategy = asObject(spec.updateStrategy) ?? {}
  c.oneOf('spec.updateStrategy.type', strategy.type, ['RollingUpdate', 'OnDelete'])
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate) c.invalid('spec.updateStrategy.rollingUpdate', strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")
  const rolling = asObject(strategy.rollingUpdate)
  if (rolling) {
    c.atLeast('spec.updateStrategy.rollingUpdate.partition', rolling.partition, 0)
    checkIntOrPercent(c, 'spec.updateStrategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable)
    if (rolling.maxUnavailable === 0 || rolling.maxUnavailable === '0%') c.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable, 'must be greater than 0')
  }
  const retention = asObject(spec.persistentVolumeClaimRetentionPolicy) ?? {}
  c.oneOf('spec.persistentVolumeClaimRetentionPolicy.whenDeleted', retention.whenDeleted, ['Retain', 'Delete'])
  c.oneOf('spec.persistentVolumeClaimRetentionPolicy.whenScaled', retention.whenScaled, ['Retain', 'Delete'])
  c.atLeast('spec.replicas', spec.replicas, 0)
  c.atLeast('spec.minReadySeconds', spec.minReadySeconds, 0)
  c.atLeast('spec.revisionHistoryLimit', spec.revisionHistoryLimit, 0)
  c.atLeast('spec.ordinals.start', asObject(spec.ordinals)?.start, 0)
  objects(spec.volumeClaimTemplates).forEach((pvc, i) => {
    if (!pvc.metadata?.name) c.required(`spec.volumeClaimTemplates[${i}].metadata.name`)
  })
  validateAlwaysTemplate(c, spec)
  return c.list
}

/** The fields of a StatefulSet spec an update may change; every other one is fixed (ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']

function validateStatefulSetUpdate(sts: KubeObject, old: KubeObject): StatusCause[] {
  const strip = (spec: any) => Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)))
  if (jsonEqual(strip(sts.spec), strip(old.spec))) return []
  return new Causes().forbidden(
    'spec',
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ).list
}

function validateDaemonSet(ds: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = ds.spec ?? {}
  const strategy = asObject(spec.updateStrategy) ?? {}
  c.oneOf('spec.updateStrategy.type', strategy.type, ['RollingUpdate', 'OnDelete'])
  const rolling = asObject(strategy.rollingUpdate)
  if (strategy.type === 'RollingUpdate' && rolling) {
    checkIntOrPercent(c, 'spec.updateStrategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable)
    checkIntOrPercent(c, 'spec.updateStrategy.rollingUpdate.maxSurge', rolling.maxSurge)
    const zero = (v: unknown) => v === undefined || v === null || v === 0 || v === '0%'
    if (zero(rolling.maxUnavailable) && zero(rolling.maxSurge)) c.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0')
  }
  c.atLeast('spec.minReadySeconds', spec.minReadySeconds, 0)
  c.atLeast('spec.revisionHistoryLimit', spec.revisionHistoryLimit, 0)
  validateAlwaysTemplate(c, spec)
  return c.list
}

export const statefulsets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(sts) {
      defaultStatefulSet(sts)
      sts.status = { replicas: 0, availableReplicas: 0 }
    },
    prepareForUpdate: defaultStatefulSet,
    validate: validateStatefulSet,
    validateUpdate: validateStatefulSetUpdate,
  },
  subresources: { status: statusSubresource, scale: scaleSubresource },
  table: statefulSetTable,
}

export const daemonsets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(ds) {
      defaultDaemonSet(ds)
      ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }
    },
    prepareForUpdate: defaultDaemonSet,
    validate: validateDaemonSet,
    validateUpdate: (ds, old) => new Causes().immutable('spec.selector', ds.spec?.selector, old.spec?.selector).list,
  },
  subresources: { status: statusSubresource },
  table: daemonSetTable,
}

export const controllerrevisions: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    // `revision` is always written (int64 without omitempty).
    prepareForCreate: (cr) => void (cr.revision ??= 0),
    prepareForUpdate: (cr) => void (cr.revision ??= 0),
    validate(cr) {
      const c = new Causes()
      if (cr.data === undefined || cr.data === null) c.required('data', 'data is mandatory')
      c.atLeast('revision', cr.revision, 0)
      return c.list
    },
    validateUpdate: (cr, old) => new Causes().immutable('data', cr.data, old.data).list,
  },
  table: controllerRevisionTable,
}
