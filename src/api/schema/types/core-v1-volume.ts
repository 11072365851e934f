/**
 * core/v1 Volume and its volume sources.
 * Declared from k8s.io/api and k8s.io/apimachinery v0.36.3: field numbers from generated.proto; JSON names, patch
 * strategies and list types from types.go; descriptions shortened from the Go doc comments.
 */
import { t, type TypeSchema } from '../schema.ts'

export const coreV1VolumeTypes: TypeSchema[] = [
  {
    name: 'io.k8s.api.core.v1.Volume',
    description: 'Volume represents a named volume in a pod that may be accessed by any container in the pod.',
    fields: [
      { name: 'name', proto: 1, type: t.string(), description: 'name of the volume. Must be a DNS_LABEL and unique within the pod.', required: true, emitEmpty: true },
      { name: 'volumeSource', proto: 2, type: t.ref('io.k8s.api.core.v1.VolumeSource'), inline: true, description: 'volumeSource represents the location and type of the mounted volume. If not specified, the Volume is implied to be an EmptyDir.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeSource',
    description: 'Represents the source of a volume to mount. Only one of its members may be specified.',
    fields: [
      { name: 'hostPath', proto: 1, type: t.ref('io.k8s.api.core.v1.HostPathVolumeSource'), description: 'hostPath represents a pre-existing file or directory on the host machine that is directly exposed to the container.', pointer: true },
      { name: 'emptyDir', proto: 2, type: t.ref('io.k8s.api.core.v1.EmptyDirVolumeSource'), description: 'emptyDir represents a temporary directory that shares a pod\'s lifetime. More info: https://kubernetes.io/docs/concepts/storage/volumes#emptydir', pointer: true },
      { name: 'gcePersistentDisk', proto: 3, type: t.ref('io.k8s.api.core.v1.GCEPersistentDiskVolumeSource'), description: 'gcePersistentDisk represents a GCE Disk resource that is attached to a kubelet\'s host machine and then exposed to the pod.', pointer: true },
      { name: 'awsElasticBlockStore', proto: 4, type: t.ref('io.k8s.api.core.v1.AWSElasticBlockStoreVolumeSource'), description: 'awsElasticBlockStore represents an AWS Disk resource that is attached to a kubelet\'s host machine and then exposed to the pod.', pointer: true },
      { name: 'gitRepo', proto: 5, type: t.ref('io.k8s.api.core.v1.GitRepoVolumeSource'), description: 'gitRepo represents a git repository at a particular revision. Deprecated: GitRepo is deprecated.', pointer: true },
      { name: 'secret', proto: 6, type: t.ref('io.k8s.api.core.v1.SecretVolumeSource'), description: 'secret represents a secret that should populate this volume. More info: https://kubernetes.io/docs/concepts/storage/volumes#secret', pointer: true },
      { name: 'nfs', proto: 7, type: t.ref('io.k8s.api.core.v1.NFSVolumeSource'), description: 'nfs represents an NFS mount on the host that shares a pod\'s lifetime More info: https://kubernetes.io/docs/concepts/storage/volumes#nfs', pointer: true },
      { name: 'iscsi', proto: 8, type: t.ref('io.k8s.api.core.v1.ISCSIVolumeSource'), description: 'iscsi represents an ISCSI Disk resource that is attached to a kubelet\'s host machine and then exposed to the pod.', pointer: true },
      { name: 'glusterfs', proto: 9, type: t.ref('io.k8s.api.core.v1.GlusterfsVolumeSource'), description: 'glusterfs represents a Glusterfs mount on the host that shares a pod\'s lifetime. Deprecated: Glusterfs is deprecated and the in-tree glusterfs type is no longer supported.', pointer: true },
      { name: 'persistentVolumeClaim', proto: 10, type: t.ref('io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource'), description: 'persistentVolumeClaimVolumeSource represents a reference to a PersistentVolumeClaim in the same namespace.', pointer: true },
      { name: 'rbd', proto: 11, type: t.ref('io.k8s.api.core.v1.RBDVolumeSource'), description: 'rbd represents a Rados Block Device mount on the host that shares a pod\'s lifetime. Deprecated: RBD is deprecated and the in-tree rbd type is no longer supported.', pointer: true },
      { name: 'flexVolume', proto: 12, type: t.ref('io.k8s.api.core.v1.FlexVolumeSource'), description: 'flexVolume represents a generic volume resource that is provisioned/attached using an exec based plugin.', pointer: true },
      { name: 'cinder', proto: 13, type: t.ref('io.k8s.api.core.v1.CinderVolumeSource'), description: 'cinder represents a cinder volume attached and mounted on kubelets host machine. Deprecated: Cinder is deprecated.', pointer: true },
      { name: 'cephfs', proto: 14, type: t.ref('io.k8s.api.core.v1.CephFSVolumeSource'), description: 'cephFS represents a Ceph FS mount on the host that shares a pod\'s lifetime. Deprecated: CephFS is deprecated and the in-tree cephfs type is no longer supported.', pointer: true },
      { name: 'flocker', proto: 15, type: t.ref('io.k8s.api.core.v1.FlockerVolumeSource'), description: 'flocker represents a Flocker volume attached to a kubelet\'s host machine. This depends on the Flocker control service being running.', pointer: true },
      { name: 'downwardAPI', proto: 16, type: t.ref('io.k8s.api.core.v1.DownwardAPIVolumeSource'), description: 'downwardAPI represents downward API about the pod that should populate this volume', pointer: true },
      { name: 'fc', proto: 17, type: t.ref('io.k8s.api.core.v1.FCVolumeSource'), description: 'fc represents a Fibre Channel resource that is attached to a kubelet\'s host machine and then exposed to the pod.', pointer: true },
      { name: 'azureFile', proto: 18, type: t.ref('io.k8s.api.core.v1.AzureFileVolumeSource'), description: 'azureFile represents an Azure File Service mount on the host and bind mount to the pod. Deprecated: AzureFile is deprecated.', pointer: true },
      { name: 'configMap', proto: 19, type: t.ref('io.k8s.api.core.v1.ConfigMapVolumeSource'), description: 'configMap represents a configMap that should populate this volume', pointer: true },
      { name: 'vsphereVolume', proto: 20, type: t.ref('io.k8s.api.core.v1.VsphereVirtualDiskVolumeSource'), description: 'vsphereVolume represents a vSphere volume attached and mounted on kubelets host machine. Deprecated: VsphereVolume is deprecated.', pointer: true },
      { name: 'quobyte', proto: 21, type: t.ref('io.k8s.api.core.v1.QuobyteVolumeSource'), description: 'quobyte represents a Quobyte mount on the host that shares a pod\'s lifetime. Deprecated: Quobyte is deprecated and the in-tree quobyte type is no longer supported.', pointer: true },
      { name: 'azureDisk', proto: 22, type: t.ref('io.k8s.api.core.v1.AzureDiskVolumeSource'), description: 'azureDisk represents an Azure Data Disk mount on the host and bind mount to the pod. Deprecated: AzureDisk is deprecated.', pointer: true },
      { name: 'photonPersistentDisk', proto: 23, type: t.ref('io.k8s.api.core.v1.PhotonPersistentDiskVolumeSource'), description: 'photonPersistentDisk represents a PhotonController persistent disk attached and mounted on kubelets host machine.', pointer: true },
      { name: 'projected', proto: 26, type: t.ref('io.k8s.api.core.v1.ProjectedVolumeSource'), description: 'projected items for all in one resources secrets, configmaps, and downward API', pointer: true },
      { name: 'portworxVolume', proto: 24, type: t.ref('io.k8s.api.core.v1.PortworxVolumeSource'), description: 'portworxVolume represents a portworx volume attached and mounted on kubelets host machine.', pointer: true },
      { name: 'scaleIO', proto: 25, type: t.ref('io.k8s.api.core.v1.ScaleIOVolumeSource'), description: 'scaleIO represents a ScaleIO persistent volume attached and mounted on Kubernetes nodes. Deprecated: ScaleIO is deprecated and the in-tree scaleIO type is no longer supported.', pointer: true },
      { name: 'storageos', proto: 27, type: t.ref('io.k8s.api.core.v1.StorageOSVolumeSource'), description: 'storageOS represents a StorageOS volume attached and mounted on Kubernetes nodes. Deprecated: StorageOS is deprecated and the in-tree storageos type is no longer supported.', pointer: true },
      { name: 'csi', proto: 28, type: t.ref('io.k8s.api.core.v1.CSIVolumeSource'), description: 'csi (Container Storage Interface) represents ephemeral storage that is handled by certain external CSI drivers.', pointer: true },
      { name: 'ephemeral', proto: 29, type: t.ref('io.k8s.api.core.v1.EphemeralVolumeSource'), description: 'ephemeral represents a volume that is handled by a cluster storage driver. The volume\'s lifecycle is tied to the pod that defines it - it will be created before the pod starts, and deleted when the pod is removed.', pointer: true },
      { name: 'image', proto: 30, type: t.ref('io.k8s.api.core.v1.ImageVolumeSource'), description: 'image represents an OCI object (a container image or artifact) pulled and mounted on the kubelet\'s host machine.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.HostPathVolumeSource',
    description: 'Represents a host path mapped into a pod. Host path volumes do not support ownership management or SELinux relabeling.',
    fields: [
      { name: 'path', proto: 1, type: t.string(), description: 'path of the directory on the host. If the path is a symlink, it will follow the link to the real path.', required: true, emitEmpty: true },
      { name: 'type', proto: 2, type: t.string(['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket']), description: 'type for HostPath Volume Defaults to "" More info: https://kubernetes.io/docs/concepts/storage/volumes#hostpath', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EmptyDirVolumeSource',
    description: 'Represents an empty directory for a pod. Empty directory volumes support ownership management and SELinux relabeling.',
    fields: [
      { name: 'medium', proto: 1, type: t.string(), description: 'medium represents what type of storage medium should back this directory. The default is "" which means to use the node\'s default medium.' },
      { name: 'sizeLimit', proto: 2, type: t.quantity, description: 'sizeLimit is the total amount of local storage required for this EmptyDir volume. The size limit is also applicable for memory medium.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.GCEPersistentDiskVolumeSource',
    description: 'Represents a Persistent Disk resource in Google Compute Engine.',
    fields: [
      { name: 'pdName', proto: 1, type: t.string(), description: 'pdName is unique name of the PD resource in GCE. Used to identify the disk in GCE.', required: true, emitEmpty: true },
      { name: 'fsType', proto: 2, type: t.string(), description: 'fsType is filesystem type of the volume that you want to mount. Tip: Ensure that the filesystem type is supported by the host operating system.' },
      { name: 'partition', proto: 3, type: t.int32, description: 'partition is the partition in the volume that you want to mount. If omitted, the default is to mount by volume name.' },
      { name: 'readOnly', proto: 4, type: t.boolean, description: 'readOnly here will force the ReadOnly setting in VolumeMounts. Defaults to false.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.AWSElasticBlockStoreVolumeSource',
    description: 'Represents a Persistent Disk resource in AWS.',
    fields: [
      { name: 'volumeID', proto: 1, type: t.string(), description: 'volumeID is unique ID of the persistent disk resource in AWS (Amazon EBS volume). More info: https://kubernetes.io/docs/concepts/storage/volumes#awselasticblockstore', required: true, emitEmpty: true },
      { name: 'fsType', proto: 2, type: t.string(), description: 'fsType is the filesystem type of the volume that you want to mount. Tip: Ensure that the filesystem type is supported by the host operating system.' },
      { name: 'partition', proto: 3, type: t.int32, description: 'partition is the partition in the volume that you want to mount. If omitted, the default is to mount by volume name.' },
      { name: 'readOnly', proto: 4, type: t.boolean, description: 'readOnly value true will force the readOnly setting in VolumeMounts. More info: https://kubernetes.io/docs/concepts/storage/volumes#awselasticblockstore' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.GitRepoVolumeSource',
    description: 'Represents a volume that is populated with the contents of a git repository. Git repo volumes do not support ownership management.',
    fields: [
      { name: 'repository', proto: 1, type: t.string(), description: 'repository is the URL', required: true, emitEmpty: true },
      { name: 'revision', proto: 2, type: t.string(), description: 'revision is the commit hash for the specified revision.' },
      { name: 'directory', proto: 3, type: t.string(), description: 'directory is the target directory name. Must not contain or start with \'..\'.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SecretVolumeSource',
    description: 'Adapts a Secret into a volume.',
    fields: [
      { name: 'secretName', proto: 1, type: t.string(), description: 'secretName is the name of the secret in the pod\'s namespace to use. More info: https://kubernetes.io/docs/concepts/storage/volumes#secret' },
      { name: 'items', proto: 2, type: t.array(t.ref('io.k8s.api.core.v1.KeyToPath')), description: 'items If unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.', listType: 'atomic' },
      { name: 'defaultMode', proto: 3, type: t.int32, description: 'defaultMode is Optional: mode bits used to set permissions on created files by default. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.', pointer: true },
      { name: 'optional', proto: 4, type: t.boolean, description: 'optional field specify whether the Secret or its keys must be defined', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.NFSVolumeSource',
    description: 'Represents an NFS mount that lasts the lifetime of a pod. NFS volumes do not support ownership management or SELinux relabeling.',
    fields: [
      { name: 'server', proto: 1, type: t.string(), description: 'server is the hostname or IP address of the NFS server. More info: https://kubernetes.io/docs/concepts/storage/volumes#nfs', required: true, emitEmpty: true },
      { name: 'path', proto: 2, type: t.string(), description: 'path that is exported by the NFS server. More info: https://kubernetes.io/docs/concepts/storage/volumes#nfs', required: true, emitEmpty: true },
      { name: 'readOnly', proto: 3, type: t.boolean, description: 'readOnly here will force the NFS export to be mounted with read-only permissions. Defaults to false.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ISCSIVolumeSource',
    description: 'Represents an ISCSI disk. ISCSI volumes can only be mounted as read/write once.',
    fields: [
      { name: 'targetPortal', proto: 1, type: t.string(), description: 'targetPortal is iSCSI Target Portal. The Portal is either an IP or ip_addr:port if the port is other than default (typically TCP ports 860 and 3260).', required: true, emitEmpty: true },
      { name: 'iqn', proto: 2, type: t.string(), description: 'iqn is the target iSCSI Qualified Name.', required: true, emitEmpty: true },
      { name: 'lun', proto: 3, type: t.int32, description: 'lun represents iSCSI Target Lun number.', required: true, emitEmpty: true },
      { name: 'iscsiInterface', proto: 4, type: t.string(), description: 'iscsiInterface is the interface Name that uses an iSCSI transport. Defaults to \'default\' (tcp).' },
      { name: 'fsType', proto: 5, type: t.string(), description: 'fsType is the filesystem type of the volume that you want to mount. Tip: Ensure that the filesystem type is supported by the host operating system.' },
      { name: 'readOnly', proto: 6, type: t.boolean, description: 'readOnly here will force the ReadOnly setting in VolumeMounts. Defaults to false.' },
      { name: 'portals', proto: 7, type: t.array(t.string()), description: 'portals is the iSCSI Target Portal List. The portal is either an IP or ip_addr:port if the port is other than default (typically TCP ports 860 and 3260).', listType: 'atomic' },
      { name: 'chapAuthDiscovery', proto: 8, type: t.boolean, description: 'chapAuthDiscovery defines whether support iSCSI Discovery CHAP authentication' },
      { name: 'chapAuthSession', proto: 11, type: t.boolean, description: 'chapAuthSession defines whether support iSCSI Session CHAP authentication' },
      { name: 'secretRef', proto: 10, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), description: 'secretRef is the CHAP Secret for iSCSI target and initiator authentication', pointer: true },
      { name: 'initiatorName', proto: 12, type: t.string(), description: 'initiatorName is the custom iSCSI Initiator Name. If initiatorName is specified with iscsiInterface simultaneously, new iSCSI interface <target portal>:<volume name> will be created for the connection.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.GlusterfsVolumeSource',
    description: 'Represents a Glusterfs mount that lasts the lifetime of a pod. Glusterfs volumes do not support ownership management or SELinux relabeling.',
    fields: [
      { name: 'endpoints', proto: 1, type: t.string(), description: 'endpoints is the endpoint name that details Glusterfs topology.', required: true, emitEmpty: true },
      { name: 'path', proto: 2, type: t.string(), description: 'path is the Glusterfs volume path. More info: https://examples.k8s.io/volumes/glusterfs/README.md#create-a-pod', required: true, emitEmpty: true },
      { name: 'readOnly', proto: 3, type: t.boolean, description: 'readOnly here will force the Glusterfs volume to be mounted with read-only permissions. Defaults to false.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource',
    description: 'PersistentVolumeClaimVolumeSource references the user\'s PVC in the same namespace. This volume finds the bound PV and mounts that volume for the pod.',
    fields: [
      { name: 'claimName', proto: 1, type: t.string(), description: 'claimName is the name of a PersistentVolumeClaim in the same namespace as the pod using this volume.', required: true, emitEmpty: true },
      { name: 'readOnly', proto: 2, type: t.boolean, description: 'readOnly Will force the ReadOnly setting in VolumeMounts. Default false.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.RBDVolumeSource',
    description: 'Represents a Rados Block Device mount that lasts the lifetime of a pod. RBD volumes support ownership management and SELinux relabeling.',
    fields: [
      { name: 'monitors', proto: 1, type: t.array(t.string()), description: 'monitors is a collection of Ceph monitors. More info: https://examples.k8s.io/volumes/rbd/README.md#how-to-use-it', required: true, listType: 'atomic', emitEmpty: true },
      { name: 'image', proto: 2, type: t.string(), description: 'image is the rados image name. More info: https://examples.k8s.io/volumes/rbd/README.md#how-to-use-it', required: true, emitEmpty: true },
      { name: 'fsType', proto: 3, type: t.string(), description: 'fsType is the filesystem type of the volume that you want to mount. Tip: Ensure that the filesystem type is supported by the host operating system.' },
      { name: 'pool', proto: 4, type: t.string(), description: 'pool is the rados pool name. Default is rbd.' },
      { name: 'user', proto: 5, type: t.string(), description: 'user is the rados user name. Default is admin.' },
      { name: 'keyring', proto: 6, type: t.string(), description: 'keyring is the path to key ring for RBDUser. Default is /etc/ceph/keyring.' },
      { name: 'secretRef', proto: 7, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), description: 'secretRef is name of the authentication secret for RBDUser. If provided overrides keyring.', pointer: true },
      { name: 'readOnly', proto: 8, type: t.boolean, description: 'readOnly here will force the ReadOnly setting in VolumeMounts. Defaults to false.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.FlexVolumeSource',
    description: 'FlexVolume represents a generic volume resource that is provisioned/attached using an exec based plugin.',
    fields: [
      { name: 'driver', proto: 1, type: t.string(), description: 'driver is the name of the driver to use for this volume.', required: true, emitEmpty: true },
      { name: 'fsType', proto: 2, type: t.string(), description: 'fsType is the filesystem type to mount. Must be a filesystem type supported by the host operating system.' },
      { name: 'secretRef', proto: 3, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), description: 'secretRef is Optional: secretRef is reference to the secret object containing sensitive information to pass to the plugin scripts.', pointer: true },
      { name: 'readOnly', proto: 4, type: t.boolean, description: 'readOnly is Optional: defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.' },
      { name: 'options', proto: 5, type: t.map(t.string()), description: 'options is Optional: this field holds extra command options if any.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.CinderVolumeSource',
    description: 'Represents a cinder volume resource in Openstack. A Cinder volume must exist before mounting to a container.',
    fields: [
      { name: 'volumeID', proto: 1, type: t.string(), description: 'volumeID used to identify the volume in cinder. More info: https://examples.k8s.io/mysql-cinder-pd/README.md', required: true, emitEmpty: true },
      { name: 'fsType', proto: 2, type: t.string(), description: 'fsType is the filesystem type to mount. Must be a filesystem type supported by the host operating system.' },
      { name: 'readOnly', proto: 3, type: t.boolean, description: 'readOnly defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.' },
      { name: 'secretRef', proto: 4, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), description: 'secretRef is optional: points to a secret object containing parameters used to connect to OpenStack.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.CephFSVolumeSource',
    description: 'Represents a Ceph Filesystem mount that lasts the lifetime of a pod Cephfs volumes do not support ownership management or SELinux relabeling.',
    fields: [
      { name: 'monitors', proto: 1, type: t.array(t.string()), description: 'monitors is Required: Monitors is a collection of Ceph monitors More info: https://examples.k8s.io/volumes/cephfs/README.md#how-to-use-it', required: true, listType: 'atomic', emitEmpty: true },
      { name: 'path', proto: 2, type: t.string(), description: 'path is Optional: Used as the mounted root, rather than the full Ceph tree, default is /' },
      { name: 'user', proto: 3, type: t.string(), description: 'user is optional: User is the rados user name, default is admin More info: https://examples.k8s.io/volumes/cephfs/README.md#how-to-use-it' },
      { name: 'secretFile', proto: 4, type: t.string(), description: 'secretFile is Optional: SecretFile is the path to key ring for User, default is /etc/ceph/user.secret More info: https://examples.k8s.io/volumes/cephfs/README.md#how-to-use-it' },
      { name: 'secretRef', proto: 5, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), description: 'secretRef is Optional: SecretRef is reference to the authentication secret for User, default is empty.', pointer: true },
      { name: 'readOnly', proto: 6, type: t.boolean, description: 'readOnly is Optional: Defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.FlockerVolumeSource',
    description: 'Represents a Flocker volume mounted by the Flocker agent. One and only one of datasetName and datasetUUID should be set.',
    fields: [
      { name: 'datasetName', proto: 1, type: t.string(), description: 'datasetName is Name of the dataset stored as metadata -> name on the dataset for Flocker should be considered as deprecated' },
      { name: 'datasetUUID', proto: 2, type: t.string(), description: 'datasetUUID is the UUID of the dataset. This is unique identifier of a Flocker dataset' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.DownwardAPIVolumeSource',
    description: 'DownwardAPIVolumeSource represents a volume containing downward API info. Downward API volumes support ownership management and SELinux relabeling.',
    fields: [
      { name: 'items', proto: 1, type: t.array(t.ref('io.k8s.api.core.v1.DownwardAPIVolumeFile')), description: 'Items is a list of downward API volume file', listType: 'atomic' },
      { name: 'defaultMode', proto: 2, type: t.int32, description: 'Optional: mode bits to use on created files by default. Must be a Optional: mode bits used to set permissions on created files by default.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.FCVolumeSource',
    description: 'Represents a Fibre Channel volume. Fibre Channel volumes can only be mounted as read/write once.',
    fields: [
      { name: 'targetWWNs', proto: 1, type: t.array(t.string()), description: 'targetWWNs is Optional: FC target worldwide names (WWNs)', listType: 'atomic' },
      { name: 'lun', proto: 2, type: t.int32, description: 'lun is Optional: FC target lun number', pointer: true },
      { name: 'fsType', proto: 3, type: t.string(), description: 'fsType is the filesystem type to mount. Must be a filesystem type supported by the host operating system.' },
      { name: 'readOnly', proto: 4, type: t.boolean, description: 'readOnly is Optional: Defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.' },
      { name: 'wwids', proto: 5, type: t.array(t.string()), description: 'wwids Optional: FC volume world wide identifiers (wwids) Either wwids or combination of targetWWNs and lun must be set, but not both simultaneously.', listType: 'atomic' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.AzureFileVolumeSource',
    description: 'AzureFile represents an Azure File Service mount on the host and bind mount to the pod.',
    fields: [
      { name: 'secretName', proto: 1, type: t.string(), description: 'secretName is the  name of secret that contains Azure Storage Account Name and Key', required: true, emitEmpty: true },
      { name: 'shareName', proto: 2, type: t.string(), description: 'shareName is the azure share Name', required: true, emitEmpty: true },
      { name: 'readOnly', proto: 3, type: t.boolean, description: 'readOnly defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMapVolumeSource',
    description: 'Adapts a ConfigMap into a volume.',
    fields: [
      { name: 'localObjectReference', proto: 1, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), inline: true },
      { name: 'items', proto: 2, type: t.array(t.ref('io.k8s.api.core.v1.KeyToPath')), description: 'items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.', listType: 'atomic' },
      { name: 'defaultMode', proto: 3, type: t.int32, description: 'defaultMode is optional: mode bits used to set permissions on created files by default. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.', pointer: true },
      { name: 'optional', proto: 4, type: t.boolean, description: 'optional specify whether the ConfigMap or its keys must be defined', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VsphereVirtualDiskVolumeSource',
    description: 'Represents a vSphere volume resource.',
    fields: [
      { name: 'volumePath', proto: 1, type: t.string(), description: 'volumePath is the path that identifies vSphere volume vmdk', required: true, emitEmpty: true },
      { name: 'fsType', proto: 2, type: t.string(), description: 'fsType is filesystem type to mount. Must be a filesystem type supported by the host operating system.' },
      { name: 'storagePolicyName', proto: 3, type: t.string(), description: 'storagePolicyName is the storage Policy Based Management (SPBM) profile name.' },
      { name: 'storagePolicyID', proto: 4, type: t.string(), description: 'storagePolicyID is the storage Policy Based Management (SPBM) profile ID associated with the StoragePolicyName.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.QuobyteVolumeSource',
    description: 'Represents a Quobyte mount that lasts the lifetime of a pod. Quobyte volumes do not support ownership management or SELinux relabeling.',
    fields: [
      { name: 'registry', proto: 1, type: t.string(), description: 'registry represents a single or multiple Quobyte Registry services specified as a string as host:port pair (multiple entries are separated with commas) which acts as the central registry for volumes', required: true, emitEmpty: true },
      { name: 'volume', proto: 2, type: t.string(), description: 'volume is a string that references an already created Quobyte volume by name.', required: true, emitEmpty: true },
      { name: 'readOnly', proto: 3, type: t.boolean, description: 'readOnly here will force the Quobyte volume to be mounted with read-only permissions. Defaults to false.' },
      { name: 'user', proto: 4, type: t.string(), description: 'user to map volume access to Defaults to serivceaccount user' },
      { name: 'group', proto: 5, type: t.string(), description: 'group to map volume access to Default is no group' },
      { name: 'tenant', proto: 6, type: t.string(), description: 'tenant owning the given Quobyte volume in the Backend Used with dynamically provisioned Quobyte volumes, value is set by the plugin' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.AzureDiskVolumeSource',
    description: 'AzureDisk represents an Azure Data Disk mount on the host and bind mount to the pod.',
    fields: [
      { name: 'diskName', proto: 1, type: t.string(), description: 'diskName is the Name of the data disk in the blob storage', required: true, emitEmpty: true },
      { name: 'diskURI', proto: 2, type: t.string(), description: 'diskURI is the URI of data disk in the blob storage', required: true, emitEmpty: true },
      { name: 'cachingMode', proto: 3, type: t.string(['None', 'ReadOnly', 'ReadWrite']), description: 'cachingMode is the Host Caching mode: None, Read Only, Read Write.', pointer: true },
      { name: 'fsType', proto: 4, type: t.string(), description: 'fsType is Filesystem type to mount. Must be a filesystem type supported by the host operating system.', pointer: true },
      { name: 'readOnly', proto: 5, type: t.boolean, description: 'readOnly Defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.', pointer: true },
      { name: 'kind', proto: 6, type: t.string(['Dedicated', 'Managed', 'Shared']), description: 'kind expected values are Shared: multiple blob disks per storage account  Dedicated: single blob disk per storage account  Managed: azure managed data disk (only in managed availability set). defaults to shared', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PhotonPersistentDiskVolumeSource',
    description: 'Represents a Photon Controller persistent disk resource.',
    fields: [
      { name: 'pdID', proto: 1, type: t.string(), description: 'pdID is the ID that identifies Photon Controller persistent disk', required: true, emitEmpty: true },
      { name: 'fsType', proto: 2, type: t.string(), description: 'fsType is the filesystem type to mount. Must be a filesystem type supported by the host operating system.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ProjectedVolumeSource',
    description: 'Represents a projected volume source',
    fields: [
      { name: 'sources', proto: 1, type: t.array(t.ref('io.k8s.api.core.v1.VolumeProjection')), description: 'sources is the list of volume projections. Each entry in this list handles one source.', listType: 'atomic', emitEmpty: true },
      { name: 'defaultMode', proto: 2, type: t.int32, description: 'defaultMode are the mode bits used to set permissions on created files by default. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PortworxVolumeSource',
    description: 'PortworxVolumeSource represents a Portworx volume resource.',
    fields: [
      { name: 'volumeID', proto: 1, type: t.string(), description: 'volumeID uniquely identifies a Portworx volume', required: true, emitEmpty: true },
      { name: 'fsType', proto: 2, type: t.string(), description: 'fSType represents the filesystem type to mount Must be a filesystem type supported by the host operating system.' },
      { name: 'readOnly', proto: 3, type: t.boolean, description: 'readOnly defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ScaleIOVolumeSource',
    description: 'ScaleIOVolumeSource represents a persistent ScaleIO volume',
    fields: [
      { name: 'gateway', proto: 1, type: t.string(), description: 'gateway is the host address of the ScaleIO API Gateway.', required: true, emitEmpty: true },
      { name: 'system', proto: 2, type: t.string(), description: 'system is the name of the storage system as configured in ScaleIO.', required: true, emitEmpty: true },
      { name: 'secretRef', proto: 3, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), description: 'secretRef references to the secret for ScaleIO user and other sensitive information. If this is not provided, Login operation will fail.', required: true, emitEmpty: true, pointer: true },
      { name: 'sslEnabled', proto: 4, type: t.boolean, description: 'sslEnabled Flag enable/disable SSL communication with Gateway, default false' },
      { name: 'protectionDomain', proto: 5, type: t.string(), description: 'protectionDomain is the name of the ScaleIO Protection Domain for the configured storage.' },
      { name: 'storagePool', proto: 6, type: t.string(), description: 'storagePool is the ScaleIO Storage Pool associated with the protection domain.' },
      { name: 'storageMode', proto: 7, type: t.string(), description: 'storageMode indicates whether the storage for a volume should be ThickProvisioned or ThinProvisioned.' },
      { name: 'volumeName', proto: 8, type: t.string(), description: 'volumeName is the name of a volume already created in the ScaleIO system that is associated with this volume source.' },
      { name: 'fsType', proto: 9, type: t.string(), description: 'fsType is the filesystem type to mount. Must be a filesystem type supported by the host operating system.' },
      { name: 'readOnly', proto: 10, type: t.boolean, description: 'readOnly Defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.StorageOSVolumeSource',
    description: 'Represents a StorageOS persistent volume resource.',
    fields: [
      { name: 'volumeName', proto: 1, type: t.string(), description: 'volumeName is the human-readable name of the StorageOS volume. Volume names are only unique within a namespace.' },
      { name: 'volumeNamespace', proto: 2, type: t.string(), description: 'volumeNamespace specifies the scope of the volume within StorageOS. If no namespace is specified then the Pod\'s namespace will be used.' },
      { name: 'fsType', proto: 3, type: t.string(), description: 'fsType is the filesystem type to mount. Must be a filesystem type supported by the host operating system.' },
      { name: 'readOnly', proto: 4, type: t.boolean, description: 'readOnly defaults to false (read/write). ReadOnly here will force the ReadOnly setting in VolumeMounts.' },
      { name: 'secretRef', proto: 5, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), description: 'secretRef specifies the secret to use for obtaining the StorageOS API credentials. If not specified, default values will be attempted.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.CSIVolumeSource',
    description: 'Represents a source location of a volume to mount, managed by an external CSI driver',
    fields: [
      { name: 'driver', proto: 1, type: t.string(), description: 'driver is the name of the CSI driver that handles this volume. Consult with your admin for the correct name as registered in the cluster.', required: true, emitEmpty: true },
      { name: 'readOnly', proto: 2, type: t.boolean, description: 'readOnly specifies a read-only configuration for the volume. Defaults to false (read/write).', pointer: true },
      { name: 'fsType', proto: 3, type: t.string(), description: 'fsType to mount. Ex. "ext4", "xfs", "ntfs".', pointer: true },
      { name: 'volumeAttributes', proto: 4, type: t.map(t.string()), description: 'volumeAttributes stores driver-specific properties that are passed to the CSI driver. Consult your driver\'s documentation for supported values.' },
      { name: 'nodePublishSecretRef', proto: 5, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), description: 'nodePublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodePublishVolume and NodeUnpublishVolume calls.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.EphemeralVolumeSource',
    description: 'Represents an ephemeral volume that is handled by a normal storage driver.',
    fields: [
      { name: 'volumeClaimTemplate', proto: 1, type: t.ref('io.k8s.api.core.v1.PersistentVolumeClaimTemplate'), description: 'Will be used to create a stand-alone PVC to provision the volume. The pod in which this EphemeralVolumeSource is embedded will be the owner of the PVC, i.e. the PVC will be deleted together with the pod.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ImageVolumeSource',
    description: 'ImageVolumeSource represents a image volume resource.',
    fields: [
      { name: 'reference', proto: 1, type: t.string(), description: 'Required: Image or artifact reference to be used. Behaves in the same way as pod.spec.containers[*].image.' },
      { name: 'pullPolicy', proto: 2, type: t.string(['Always', 'IfNotPresent', 'Never']), description: 'Policy for pulling OCI objects. Possible values are: Always: the kubelet always attempts to pull the reference.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.KeyToPath',
    description: 'Maps a string key to a path within a volume.',
    fields: [
      { name: 'key', proto: 1, type: t.string(), description: 'key is the key to project.', required: true, emitEmpty: true },
      { name: 'path', proto: 2, type: t.string(), description: 'path is the relative path of the file to map the key to. May not be an absolute path.', required: true, emitEmpty: true },
      { name: 'mode', proto: 3, type: t.int32, description: 'mode is Optional: mode bits used to set permissions on this file. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.DownwardAPIVolumeFile',
    description: 'DownwardAPIVolumeFile represents information to create the file containing the pod field',
    fields: [
      { name: 'path', proto: 1, type: t.string(), description: 'Required: Path is  the relative path name of the file to be created. Must not be absolute or contain the \'..\' path.', required: true, emitEmpty: true },
      { name: 'fieldRef', proto: 2, type: t.ref('io.k8s.api.core.v1.ObjectFieldSelector'), description: 'Required: Selects a field of the pod: only annotations, labels, name, namespace and uid are supported.', pointer: true },
      { name: 'resourceFieldRef', proto: 3, type: t.ref('io.k8s.api.core.v1.ResourceFieldSelector'), description: 'Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, requests.cpu and requests.memory) are currently supported.', pointer: true },
      { name: 'mode', proto: 4, type: t.int32, description: 'Optional: mode bits used to set permissions on this file, must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeProjection',
    description: 'Projection that may be projected along with other supported volume types. Exactly one of these fields must be set.',
    fields: [
      { name: 'secret', proto: 1, type: t.ref('io.k8s.api.core.v1.SecretProjection'), description: 'secret information about the secret data to project', pointer: true },
      { name: 'downwardAPI', proto: 2, type: t.ref('io.k8s.api.core.v1.DownwardAPIProjection'), description: 'downwardAPI information about the downwardAPI data to project', pointer: true },
      { name: 'configMap', proto: 3, type: t.ref('io.k8s.api.core.v1.ConfigMapProjection'), description: 'configMap information about the configMap data to project', pointer: true },
      { name: 'serviceAccountToken', proto: 4, type: t.ref('io.k8s.api.core.v1.ServiceAccountTokenProjection'), description: 'serviceAccountToken is information about the serviceAccountToken data to project', pointer: true },
      { name: 'clusterTrustBundle', proto: 5, type: t.ref('io.k8s.api.core.v1.ClusterTrustBundleProjection'), description: 'ClusterTrustBundle allows a pod to access the `.spec.trustBundle` field of ClusterTrustBundle objects in an auto-updating file.', pointer: true },
      { name: 'podCertificate', proto: 6, type: t.ref('io.k8s.api.core.v1.PodCertificateProjection'), description: 'Projects an auto-rotating credential bundle (private key and certificate chain) that the pod can use either as a TLS client or server.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PersistentVolumeClaimTemplate',
    description: 'PersistentVolumeClaimTemplate is used to produce PersistentVolumeClaim objects as part of an EphemeralVolumeSource.',
    fields: [
      { name: 'metadata', proto: 1, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), description: 'May contain labels and annotations that will be copied into the PVC when creating it. No other fields are allowed and will be rejected during validation.', emitEmpty: true },
      { name: 'spec', proto: 2, type: t.ref('io.k8s.api.core.v1.PersistentVolumeClaimSpec'), description: 'The specification for the PersistentVolumeClaim. The entire content is copied unchanged into the PVC that gets created from this template.', required: true, emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.SecretProjection',
    description: 'Adapts a secret into a projected volume.',
    fields: [
      { name: 'localObjectReference', proto: 1, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), inline: true },
      { name: 'items', proto: 2, type: t.array(t.ref('io.k8s.api.core.v1.KeyToPath')), description: 'items if unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.', listType: 'atomic' },
      { name: 'optional', proto: 4, type: t.boolean, description: 'optional field specify whether the Secret or its key must be defined', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.DownwardAPIProjection',
    description: 'Represents downward API info for projecting into a projected volume. Note that this is identical to a downwardAPI volume source without the default mode.',
    fields: [
      { name: 'items', proto: 1, type: t.array(t.ref('io.k8s.api.core.v1.DownwardAPIVolumeFile')), description: 'Items is a list of DownwardAPIVolume file', listType: 'atomic' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ConfigMapProjection',
    description: 'Adapts a ConfigMap into a projected volume.',
    fields: [
      { name: 'localObjectReference', proto: 1, type: t.ref('io.k8s.api.core.v1.LocalObjectReference'), inline: true },
      { name: 'items', proto: 2, type: t.array(t.ref('io.k8s.api.core.v1.KeyToPath')), description: 'items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.', listType: 'atomic' },
      { name: 'optional', proto: 4, type: t.boolean, description: 'optional specify whether the ConfigMap or its keys must be defined', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ServiceAccountTokenProjection',
    description: 'ServiceAccountTokenProjection represents a projected service account token volume. This projection can be used to insert a service account token into the pods runtime filesystem for use against APIs (Kubernetes API Server or otherwise).',
    fields: [
      { name: 'audience', proto: 1, type: t.string(), description: 'audience is the intended audience of the token. A recipient of a token must identify itself with an identifier specified in the audience of the token, and otherwise should reject the token.' },
      { name: 'expirationSeconds', proto: 2, type: t.int64, description: 'expirationSeconds is the requested duration of validity of the service account token. As the token approaches expiration, the kubelet volume plugin will proactively rotate the service account token.', pointer: true },
      { name: 'path', proto: 3, type: t.string(), description: 'path is the path relative to the mount point of the file to project the token into.', required: true, emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.ClusterTrustBundleProjection',
    description: 'ClusterTrustBundleProjection describes how to select a set of ClusterTrustBundle objects and project their contents into the pod filesystem.',
    fields: [
      { name: 'name', proto: 1, type: t.string(), description: 'Select a single ClusterTrustBundle by object name. Mutually-exclusive with signerName and labelSelector.', pointer: true },
      { name: 'signerName', proto: 2, type: t.string(), description: 'Select all ClusterTrustBundles that match this signer name. Mutually-exclusive with name.', pointer: true },
      { name: 'labelSelector', proto: 3, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'), description: 'Select all ClusterTrustBundles that match this label selector. Only has effect if signerName is set.', pointer: true },
      { name: 'optional', proto: 5, type: t.boolean, description: 'If true, don\'t block pod startup if the referenced ClusterTrustBundle(s) aren\'t available.', pointer: true },
      { name: 'path', proto: 4, type: t.string(), description: 'Relative path from the volume root to write the bundle.', required: true, emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PodCertificateProjection',
    description: 'PodCertificateProjection provides a private key and X.509 certificate in the pod filesystem.',
    fields: [
      { name: 'signerName', proto: 1, type: t.string(), description: 'Kubelet\'s generated CSRs will be addressed to this signer.', required: true },
      { name: 'keyType', proto: 2, type: t.string(), description: 'The type of keypair Kubelet will generate for the pod.', required: true },
      { name: 'maxExpirationSeconds', proto: 3, type: t.int32, description: 'maxExpirationSeconds is the maximum lifetime permitted for the certificate.', pointer: true },
      { name: 'credentialBundlePath', proto: 4, type: t.string(), description: 'Write the credential bundle at this path in the projected volume.' },
      { name: 'keyPath', proto: 5, type: t.string(), description: 'Write the key at this path in the projected volume.' },
      { name: 'certificateChainPath', proto: 6, type: t.string(), description: 'Write the certificate chain at this path in the projected volume.' },
      { name: 'userAnnotations', proto: 7, type: t.map(t.string()), description: 'userAnnotations allow pod authors to pass additional information to the signer implementation.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.PersistentVolumeClaimSpec',
    description: 'PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes',
    fields: [
      { name: 'accessModes', proto: 1, type: t.array(t.string(['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'])), description: 'accessModes contains the desired access modes the volume should have. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1', listType: 'atomic' },
      { name: 'selector', proto: 4, type: t.ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'), description: 'selector is a label query over volumes to consider for binding.', pointer: true },
      { name: 'resources', proto: 2, type: t.ref('io.k8s.api.core.v1.VolumeResourceRequirements'), description: 'resources represents the minimum resources the volume should have. Users are allowed to specify resource requirements that are lower than previous value but must still be higher than capacity recorded in the status field of the claim.', emitEmpty: true },
      { name: 'volumeName', proto: 3, type: t.string(), description: 'volumeName is the binding reference to the PersistentVolume backing this claim.' },
      { name: 'storageClassName', proto: 5, type: t.string(), description: 'storageClassName is the name of the StorageClass required by the claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#class-1', pointer: true },
      { name: 'volumeMode', proto: 6, type: t.string(['Block', 'Filesystem']), description: 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', pointer: true },
      { name: 'dataSource', proto: 7, type: t.ref('io.k8s.api.core.v1.TypedLocalObjectReference'), description: 'dataSource field can be used to specify either: * An existing VolumeSnapshot object (snapshot.storage.k8s.io/VolumeSnapshot) * An existing PVC (PersistentVolumeClaim) If the provisioner or an external controller can support the specified data source, it will create a new volume based on the contents of the specified data source.', pointer: true },
      { name: 'dataSourceRef', proto: 8, type: t.ref('io.k8s.api.core.v1.TypedObjectReference'), description: 'dataSourceRef specifies the object from which to populate the volume with data, if a non-empty volume is desired.', pointer: true },
      { name: 'volumeAttributesClassName', proto: 9, type: t.string(), description: 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.', pointer: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.VolumeResourceRequirements',
    description: 'VolumeResourceRequirements describes the storage resource requirements for a volume.',
    fields: [
      { name: 'limits', proto: 1, type: t.map(t.quantity), description: 'Limits describes the maximum amount of compute resources allowed. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/' },
      { name: 'requests', proto: 2, type: t.map(t.quantity), description: 'Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified, otherwise to an implementation-defined value.' },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.TypedLocalObjectReference',
    description: 'TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.',
    mapType: 'atomic',
    fields: [
      { name: 'apiGroup', proto: 1, type: t.string(), description: 'APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group.', emitEmpty: true, pointer: true },
      { name: 'kind', proto: 2, type: t.string(), description: 'Kind is the type of resource being referenced', required: true, emitEmpty: true },
      { name: 'name', proto: 3, type: t.string(), description: 'Name is the name of resource being referenced', required: true, emitEmpty: true },
    ],
  },
  {
    name: 'io.k8s.api.core.v1.TypedObjectReference',
    description: 'TypedObjectReference contains enough information to let you locate the typed referenced object',
    fields: [
      { name: 'apiGroup', proto: 1, type: t.string(), description: 'APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group.', emitEmpty: true, pointer: true },
      { name: 'kind', proto: 2, type: t.string(), description: 'Kind is the type of resource being referenced', required: true, emitEmpty: true },
      { name: 'name', proto: 3, type: t.string(), description: 'Name is the name of resource being referenced', required: true, emitEmpty: true },
      { name: 'namespace', proto: 4, type: t.string(), description: 'Namespace is the namespace of resource being referenced Note that when a namespace is specified, a gateway.networking.k8s.io/ReferenceGrant object is required in the referent namespace to allow that namespace\'s owner to accept the reference.', pointer: true },
    ],
  },
]
