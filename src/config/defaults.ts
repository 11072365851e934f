import { homedir } from 'node:os'
import { join } from 'node:path'

/** Built-in defaults; flags override them. The only module that reads the environment. */
export const defaults = {
  port: 6443,
  bindAddress: '127.0.0.1',
  serviceClusterIpRange: '10.96.0.0/12',
  etcdServers: 'http://127.0.0.1:2379',
  logLevel: (process.env.KUBEBOX_LOG_LEVEL ?? 'info') as 'info',
  /** Where a cluster keeps its kubeconfig, logs and (later) data. */
  dataDir: (name = 'default') => join(process.env.KUBEBOX_HOME ?? join(homedir(), '.kubebox'), name),
}
