/**
 * core/v1 PersistentVolumeClaim and PersistentVolume, storage.k8s.io/v1 StorageClass: stored, defaulted and
 * validated as Kubernetes does. Nothing provisions or binds volumes here (no PV controller): a claim stays
 * Pending unless a client binds it (spec.volumeName, status).
 */
import { formatTime, type KubeObject, type StatusCause } from '../../api/meta.ts'
import { apiSchemas } from '../../api/schema/types/index.ts'
import { isDNS1123Subdomain } from '../../api/validation.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { persistentVolumeClaimTable, persistentVolumeTable, storageClassTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { asObject, Causes, checkQuantity } from './checks.ts'
import { statusSubresource } from './subresources.ts'

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']
const VOLUME_MODES = ['Block', 'Filesystem']

/** SetDefaults_PersistentVolumeClaim and _PersistentVolumeClaimSpec (also for a StatefulSet's volumeClaimTemplates). */
export function defaultPersistentVolumeClaim(pvc: Record<string, any>): void {
  const spec = (pvc.spec ??= {})
  spec.volumeMode ??= 'Filesystem'
  pvc.status ??= {}
  pvc.status.phase ||= 'Pending'
}

function validateAccessModes(c: Causes, field: string, modes: unknown): void {
  if (!Array.isArray(modes) || modes.length === 0) {
    c.required(field, 'at least 1 access mode is required')
    return
  }
  modes.forEach((m, i) => {
    if (!ACCESS_MODES.includes(m)) c.notSupported(`${field}[${i}]`, m, ACCESS_MODES)
  })
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) c.forbidden(field, 'may not use ReadWriteOncePod with other access modes')
}

/** ValidatePersistentVolumeClaimSpec: access modes, a storage request, volume mode, storage class name. */
function validateClaimSpec(c: Causes, spec: any): void {
  validateAccessModes(c, 'spec.accessModes', spec?.accessModes)
  const requests = asObject(asObject(spec?.resources)?.requests)
  if (!requests || requests.storage === undefined) c.required('spec.resources[storage]')
  else for (const [name, q] of Object.entries(requests)) checkQuantity(c, `spec.resources.requests[${name}]`, q)
  c.oneOf('spec.volumeMode', spec?.volumeMode, VOLUME_MODES)
  if (typeof spec?.storageClassName === 'string' && spec.storageClassName !== '')
    for (const m of isDNS1123Subdomain(spec.storageClassName)) c.invalid('spec.storageClassName', spec.storageClassName, m)
}

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is fixed, but for the storage request (expansion), the
 * volume attributes class and the binding to a volume (volumeName, once).
 */
function validateClaimUpdate(pvc: KubeObject, old: KubeObject): StatusCause[] {
  const comparable = (spec: any, oldSpec: any) => {
    const out = { ...(spec ?? {}) }
    delete out.volumeAttributesClassName
    if (!oldSpec?.volumeName) delete out.volumeName
    const resources = { ...(out.resources ?? {}) }
    delete resources.requests
    out.resources = resources
    return out
  }
  if (jsonEqual(comparable(pvc.spec, old.spec), comparable(old.spec, old.spec))) return []
  return new Causes().forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims').list
}

export const persistentvolumeclaims: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  shortNames: ['pvc'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate(pvc) {
      pvc.status = {}
      defaultPersistentVolumeClaim(pvc)
    },
    prepareForUpdate: (pvc) => void (pvc.spec ??= {}, (pvc.spec.volumeMode ??= 'Filesystem')),
    validate(pvc) {
      const c = new Causes()
      validateClaimSpec(c, pvc.spec)
      return c.list
    },
    validateUpdate: validateClaimUpdate,
  },
  subresources: { status: statusSubresource },
  table: persistentVolumeClaimTable,
}

/** The volume sources of a PersistentVolume (the fields PersistentVolumeSource inlines into the spec). */
const PV_SOURCES = apiSchemas.get('io.k8s.api.core.v1.PersistentVolumeSource').fields.map((f) => f.name)

function defaultPersistentVolume(pv: KubeObject): void {
  const spec = (pv.spec ??= {})
  spec.persistentVolumeReclaimPolicy ||= 'Retain'
  spec.volumeMode ??= 'Filesystem'
  if (asObject(spec.hostPath)) spec.hostPath.type ??= ''
}

function validatePersistentVolume(pv: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = pv.spec ?? {}
  validateAccessModes(c, 'spec.accessModes', spec.accessModes)
  const capacity = asObject(spec.capacity)
  if (!capacity || Object.keys(capacity).length === 0) c.required('spec.capacity')
  else {
    if (capacity.storage === undefined) c.notSupported('spec.capacity', Object.keys(capacity)[0], ['storage'])
    for (const [name, q] of Object.entries(capacity)) checkQuantity(c, `spec.capacity[${name}]`, q)
  }
  c.oneOf('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, ['Delete', 'Recycle', 'Retain'])
  c.oneOf('spec.volumeMode', spec.volumeMode, VOLUME_MODES)
  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null)
  if (sources.length === 0) c.required('spec', 'must specify a volume type')
  for (const extra of sources.slice(1)) c.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type')
  if (typeof spec.storageClassName === 'string' && spec.storageClassName !== '')
    for (const m of isDNS1123Subdomain(spec.storageClassName)) c.invalid('spec.storageClassName', spec.storageClassName, m)
  return c.list
}

function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): StatusCause[] {
  const source = (spec: any) => Object.fromEntries(PV_SOURCES.filter((s) => spec?.[s] !== undefined).map((s) => [s, spec[s]]))
  const c = new Causes()
  if (!jsonEqual(source(pv.spec), source(old.spec))) c.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation')
  if (old.spec?.volumeMode !== undefined) c.immutable('spec.volumeMode', pv.spec?.volumeMode, old.spec.volumeMode)
  return c.list
}

export const persistentvolumes: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  shortNames: ['pv'],
  namespaced: false,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate(pv) {
      defaultPersistentVolume(pv)
      pv.status = { phase: 'Pending', lastPhaseTransitionTime: formatTime() }
    },
    prepareForUpdate: defaultPersistentVolume,
    validate: validatePersistentVolume,
    validateUpdate: validatePersistentVolumeUpdate,
  },
  subresources: { status: statusSubresource },
  table: persistentVolumeTable,
}

function defaultStorageClass(sc: KubeObject): void {
  sc.reclaimPolicy ??= 'Delete'
  sc.volumeBindingMode ??= 'Immediate'
}

export const storageclasses: ResourceDefinition = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  shortNames: ['sc'],
  namespaced: false,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate: defaultStorageClass,
    prepareForUpdate: defaultStorageClass,
    validate(sc) {
      const c = new Causes()
      if (!sc.provisioner) c.required('provisioner')
      c.oneOf('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain'])
      c.oneOf('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer'])
      return c.list
    },
    validateUpdate(sc, old) {
      const c = new Causes()
      if (!jsonEqual(sc.parameters ?? {}, old.parameters ?? {})) c.forbidden('parameters', 'updates to parameters are forbidden.')
      if (sc.provisioner !== old.provisioner) c.forbidden('provisioner', 'updates to provisioner are forbidden.')
      if (sc.reclaimPolicy !== old.reclaimPolicy) c.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.')
      c.immutable('volumeBindingMode', sc.volumeBindingMode, old.volumeBindingMode)
      return c.list
    },
  },
  table: storageClassTable,
}
