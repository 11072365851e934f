/**
 * The default images, in a module of their own: the command line's option definitions need them, and must not
 * load the API server (or dockerode) to get them.
 */

/** The pod sandbox image, as upstream's kubelet defaults it. */
export const DEFAULT_POD_INFRA_IMAGE = 'registry.k8s.io/pause:3.10'

/** The etcd image of `--etcd docker`. */
export const DEFAULT_ETCD_IMAGE = 'registry.k8s.io/etcd:3.5.21-0'
