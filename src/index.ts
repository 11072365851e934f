/**
 * kubebox as a library: a throwaway Kubernetes cluster for a test suite.
 *
 * ```ts
 * import { startCluster } from 'kubebox'
 * await using cluster = await startCluster({ runtime: 'fake' })
 * // cluster.kubeconfig, cluster.kubeconfigPath, cluster.server
 * ```
 */
export { startCluster, type Cluster, type ClusterOptions } from './cluster/start-cluster.ts'
