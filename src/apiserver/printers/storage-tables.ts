/**
 * `kubectl get persistentvolumes|persistentvolumeclaims|storageclasses`: printPersistentVolume,
 * printPersistentVolumeClaim and printStorageClass of kubernetes pkg/printers/internalversion/printers.go.
 */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, nameColumn, obj, str } from './format.ts'

/** helper.GetAccessModesAsString: `RWO,ROX,RWX,RWOP`, in that order, each once. */
export function accessModesString(modes: unknown): string {
  const set = new Set(arr(modes))
  return (
    [
      ['ReadWriteOnce', 'RWO'],
      ['ReadOnlyMany', 'ROX'],
      ['ReadWriteMany', 'RWX'],
      ['ReadWriteOncePod', 'RWOP'],
    ] as const
  )
    .filter(([mode]) => set.has(mode))
    .map(([, short]) => short)
    .join(',')
}

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class'

/** GetPersistentVolumeClass / GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName. */
function storageClassOf(o: KubeObject): string {
  const annotation = o.metadata?.annotations?.[BETA_STORAGE_CLASS]
  if (typeof annotation === 'string') return annotation
  return str(obj(o.spec).storageClassName)
}

/** resource.Quantity.String() of a ResourceList entry: `0` when absent. */
const storageOf = (list: unknown): string => {
  const q = obj(list).storage
  return typeof q === 'string' ? q : typeof q === 'number' ? String(q) : '0'
}

const unset = (v: unknown) => (typeof v === 'string' ? v : '<unset>')
const phaseOf = (o: KubeObject) => (o.metadata?.deletionTimestamp ? 'Terminating' : str(obj(o.status).phase))

export const persistentVolumeTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity."),
    column('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn(),
    column('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
  ],
  row(pv: KubeObject, now: Date): unknown[] {
    const spec = obj(pv.spec)
    const claimRef = spec.claimRef ? `${str(obj(spec.claimRef).namespace)}/${str(obj(spec.claimRef).name)}` : ''
    return [
      str(pv.metadata?.name),
      storageOf(spec.capacity),
      accessModesString(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      phaseOf(pv),
      claimRef,
      storageClassOf(pv),
      unset(spec.volumeAttributesClassName),
      str(obj(pv.status).reason),
      age(pv, now),
      unset(spec.volumeMode),
    ]
  },
}

export const persistentVolumeClaimTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    column('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', 1),
  ],
  row(pvc: KubeObject, now: Date): unknown[] {
    const spec = obj(pvc.spec)
    const status = obj(pvc.status)
    const bound = str(spec.volumeName) !== ''
    return [
      str(pvc.metadata?.name),
      phaseOf(pvc),
      str(spec.volumeName),
      bound ? storageOf(status.capacity) : '',
      bound ? accessModesString(status.accessModes) : '',
      storageClassOf(pvc),
      unset(spec.volumeAttributesClassName),
      age(pvc, now),
      unset(spec.volumeMode),
    ]
  },
}

/** storageutil.IsDefaultAnnotation: the GA or the beta annotation set to "true". */
export function isDefaultStorageClass(sc: KubeObject): boolean {
  const a = sc.metadata?.annotations ?? {}
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
}

export const storageClassTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
    column('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used.'),
    column('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn(),
  ],
  row(sc: KubeObject, now: Date): unknown[] {
    return [
      str(sc.metadata?.name) + (isDefaultStorageClass(sc) ? ' (default)' : ''),
      str(sc.provisioner),
      typeof sc.reclaimPolicy === 'string' ? sc.reclaimPolicy : 'Delete',
      typeof sc.volumeBindingMode === 'string' ? sc.volumeBindingMode : 'Immediate',
      sc.allowVolumeExpansion === true,
      age(sc, now),
    ]
  },
}
