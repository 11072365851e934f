import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import { Informer, type InformerHandlers } from '../client/informer.ts'
import { LoopbackClient } from '../client/loopback-client.ts'
import type { Logger } from '../log/logger.ts'

const PODS = core('pods')

/** What a kubelet gets from its pod source: the informer's handlers, and a way to stop. */
export interface PodSource {
  readonly hasSynced: Promise<void>
  stop(): void
}

/**
 * The pods bound to one node, as an informer with the field selector `spec.nodeName=<node>` shows them (the
 * kubelet's source of pods).
 *
 * Kubelets in the API server's process (LoopbackClient: every node of `--nodes N`) share one watch of all pods,
 * split by spec.nodeName here. With a watch per kubelet, every pod change was matched against every node's field
 * selector by the API server — O(nodes) per change, a fifth of the CPU of 10,000 pods on 100 nodes. (Upstream's
 * watch cache indexes pod watches by spec.nodeName for the same reason.) A kubelet in another process (HTTP)
 * keeps its own field-selected watch: it must not receive every pod of the cluster.
 */
export function podSource(client: ApiClient, nodeName: string, handlers: Required<Pick<InformerHandlers, 'add' | 'update' | 'delete'>>, log: Logger): PodSource {
  if (!(client instanceof LoopbackClient)) {
    const informer = new Informer(client, PODS, { fieldSelector: `spec.nodeName=${nodeName}` }, handlers, log)
    informer.start()
    return { hasSynced: informer.hasSynced, stop: () => informer.stop() }
  }
  let shared = sharedByClient.get(client)
  if (!shared) sharedByClient.set(client, (shared = new NodeSplitPods(client, log, () => sharedByClient.delete(client))))
  return shared.register(nodeName, handlers)
}

const sharedByClient = new WeakMap<ApiClient, NodeSplitPods>()

type Handlers = Required<Pick<InformerHandlers, 'add' | 'update' | 'delete'>>

/** One informer of all pods, its events handed to the kubelet(s) of each pod's node. */
class NodeSplitPods {
  private readonly informer: Informer
  private readonly nodes = new Map<string, Set<Handlers>>()

  constructor(
    client: ApiClient,
    log: Logger,
    private readonly onEmpty: () => void,
  ) {
    this.informer = new Informer(client, PODS, {}, undefined, log)
    this.informer.addHandlers({
      add: (pod) => {
        for (const h of this.nodes.get(pod.spec?.nodeName) ?? []) h.add(pod)
      },
      update: (pod, old) => {
        // Bound just now: it enters the node's selection (a field-selected watch says ADDED).
        const bound = old.spec?.nodeName !== pod.spec?.nodeName
        for (const h of this.nodes.get(pod.spec?.nodeName) ?? []) bound ? h.add(pod) : h.update(pod, old)
      },
      delete: (pod) => {
        for (const h of this.nodes.get(pod.spec?.nodeName) ?? []) h.delete(pod)
      },
    })
    this.informer.start()
  }

  register(nodeName: string, handlers: Handlers): PodSource {
    let set = this.nodes.get(nodeName)
    if (!set) this.nodes.set(nodeName, (set = new Set()))
    set.add(handlers)
    // The node's pods the informer holds already (a kubelet started after others).
    for (const pod of this.informer.list()) if (pod.spec?.nodeName === nodeName) handlers.add(pod)
    return {
      hasSynced: this.informer.hasSynced,
      stop: () => {
        if (!set.delete(handlers)) return
        if (set.size === 0) this.nodes.delete(nodeName)
        if (this.nodes.size === 0) {
          this.informer.stop()
          this.onEmpty()
        }
      },
    }
  }
}
