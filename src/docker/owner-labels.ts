import { hostname } from 'node:os'

/**
 * Labels on every container a cluster makes (etcd, pod sandboxes, pod containers): which cluster, and which
 * process on which host owns it, so that a later start can remove what a crashed process left behind.
 */
export const OWNER_LABELS = (cluster: string): Record<string, string> => ({
  'dev.kubebox.cluster': cluster,
  'dev.kubebox.owner-pid': String(process.pid),
  'dev.kubebox.owner-host': hostname(),
})

export const CLUSTER_LABEL = 'dev.kubebox.cluster'
