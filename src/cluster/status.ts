import { core } from '../client/api-client.ts'
import { HttpClient } from '../client/http-client.ts'
import { processAlive, readState, type ClusterState } from './cluster-state.ts'

export interface ClusterStatus {
  state?: ClusterState
  running: boolean
  /** Nodes and whether they are Ready, when the API answers. */
  nodes?: { name: string; ready: boolean }[]
  apiError?: string
}

/** `cluster status`: what the data dir records, whether the process lives, and what the API says of the nodes. */
export async function clusterStatus(dataDir: string): Promise<ClusterStatus> {
  const state = await readState(dataDir)
  const running = processAlive(state?.pid)
  if (!state || !running) return { state, running: false }
  try {
    const { items } = await new HttpClient({ server: state.server }).list(core('nodes'))
    const nodes = items.map((n) => ({ name: n.metadata.name!, ready: n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false }))
    return { state, running, nodes }
  } catch (err) {
    return { state, running, apiError: (err as Error).message }
  }
}
