import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { Informer } from '../client/informer.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import { Controller, type Result } from './controller.ts'
import { jsonClone } from '../client/json-clone.ts'

const NODES = core('nodes')
const PODS = core('pods')
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }
const LEASE_NAMESPACE = 'kube-node-lease'
const MERGE = 'application/merge-patch+json'
/** --node-monitor-grace-period. */
export const DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS = 40_000

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable'
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready'

/** The conditions a silent kubelet leaves Unknown, and what a kubelet that posts again says of them. */
const KUBELET_CONDITIONS: Record<string, { status: string; reason: string; message: string }> = {
  Ready: { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  MemoryPressure: { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  DiskPressure: { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  PIDPressure: { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
}

export interface NodeLifecycleOptions {
  /** How long a node may go without renewing its lease (or posting status) before it is Unknown. */
  gracePeriodMs?: number
}

const readyOf = (obj: KubeObject): any => (obj.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')

/**
 * Node lifecycle (the health part of Kubernetes' node lifecycle controller): a node whose kubelet has stopped
 * renewing its Lease in kube-node-lease (and posting status) for the grace period gets its conditions set to
 * Unknown ("Kubelet stopped posting node status.") and the `node.kubernetes.io/unreachable` NoSchedule and
 * NoExecute taints; a node whose kubelet reports NotReady gets the `not-ready` ones. Pods on a node that is not
 * Ready are marked not Ready (MarkPodsNotReady). When the lease is renewed again, the node is Ready again (our
 * kubelet posts conditions only on change, and renewing the lease is how it says it is alive) and the taints go.
 *
 * Time is measured by this controller's clock, from when it saw the lease change (upstream's probeTimestamp),
 * so clocks of kubelets on other machines do not matter. Not done: evicting pods from NoExecute-tainted nodes
 * after their tolerationSeconds (the taint manager), zone-level disruption modes.
 */
export class NodeLifecycleController extends Controller {
  private readonly gracePeriodMs: number
  /** Per node: the last lease renewal (and status heartbeat) seen, and when this controller saw it. */
  private readonly probes = new Map<string, { seen: string; at: number }>()
  private nodes!: Informer
  private leases!: Informer
  private pods!: Informer
  private readonly recorder: EventRecorder

  constructor(
    private readonly client: ApiClient,
    private readonly informers: InformerFactory,
    log: Logger,
    opts: NodeLifecycleOptions = {},
  ) {
    super('node-lifecycle', log)
    this.gracePeriodMs = opts.gracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS
    this.recorder = new EventRecorder(client, 'node-controller', '', this.log)
  }

  protected async watch(): Promise<void> {
    this.nodes = this.informers.for(NODES)
    this.leases = this.informers.for(LEASES)
    this.pods = this.informers.for(PODS)
    const node = (obj: KubeObject) => this.queue.add(obj.metadata.name!)
    this.nodes.addHandlers({ add: node, update: node, delete: node })
    const lease = (obj: KubeObject) => obj.metadata.namespace === LEASE_NAMESPACE && this.queue.add(obj.metadata.name!)
    this.leases.addHandlers({ add: lease, update: lease })
    // A pod that became Ready on a node that is not (its kubelet's last word) is marked again.
    const pod = (obj: KubeObject) => {
      const nodeName = obj.spec?.nodeName
      if (!nodeName || readyOf(obj)?.status !== 'True') return
      const n = this.nodes.get('', nodeName)
      const ready = n && readyOf(n)
      if (ready && ready.status !== 'True') this.queue.add(nodeName)
    }
    this.pods.addHandlers({ add: pod, update: pod })
    await Promise.all([this.nodes.hasSynced, this.leases.hasSynced, this.pods.hasSynced])
  }

  protected async reconcile(name: string): Promise<Result | void> {
    let node = this.nodes.get('', name)
    if (!node) {
      this.probes.delete(name)
      return
    }
    const now = Date.now()
    const seen = `${this.leases.get(LEASE_NAMESPACE, name)?.spec?.renewTime ?? ''}|${readyOf(node)?.lastHeartbeatTime ?? ''}`
    let probe = this.probes.get(name)
    if (!probe || probe.seen !== seen) this.probes.set(name, (probe = { seen, at: now }))
    const silentFor = now - probe.at
    const stale = silentFor >= this.gracePeriodMs

    const ready = readyOf(node)
    if (stale && ready?.status !== 'Unknown') node = await this.markUnknown(node, ready)
    else if (!stale && ready?.status === 'Unknown' && ready.reason === 'NodeStatusUnknown') node = await this.markPosting(node)
    node = await this.syncTaints(node)
    const status = readyOf(node)?.status
    if (status && status !== 'True') await this.markPodsNotReady(node)
    return stale ? undefined : { requeueAfterMs: this.gracePeriodMs - silentFor + 50 }
  }

  /** Every kubelet condition becomes Unknown (tryUpdateNodeHealth); heartbeat times stay those the kubelet wrote. */
  private async markUnknown(node: KubeObject, ready: any): Promise<KubeObject> {
    const now = formatTime()
    const conditions: any[] = jsonClone(node.status?.conditions ?? [])
    if (!ready) conditions.push({ type: 'Ready', status: 'Unknown', lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: now, reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' })
    for (const c of conditions)
      if (KUBELET_CONDITIONS[c.type] && c.status !== 'Unknown')
        Object.assign(c, { status: 'Unknown', lastTransitionTime: now, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' })
    this.log.info({ node: node.metadata.name }, 'node stopped posting status: Ready is Unknown')
    this.recorder.event({ ...node, apiVersion: 'v1', kind: 'Node', metadata: { ...node.metadata, uid: node.metadata.name } }, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`)
    return this.patchConditions(node, conditions)
  }

  /** The lease is renewed again: the conditions this controller made Unknown go back to what the kubelet posts. */
  private async markPosting(node: KubeObject): Promise<KubeObject> {
    const now = formatTime()
    const conditions: any[] = jsonClone(node.status?.conditions ?? [])
    for (const c of conditions) {
      const posted = KUBELET_CONDITIONS[c.type]
      if (posted && c.status === 'Unknown' && c.reason === 'NodeStatusUnknown') Object.assign(c, posted, { lastHeartbeatTime: now, lastTransitionTime: now })
    }
    this.log.info({ node: node.metadata.name }, 'node renewed its lease again: Ready')
    return this.patchConditions(node, conditions)
  }

  private patchConditions(node: KubeObject, conditions: any[]): Promise<KubeObject> {
    // Carries the resourceVersion it was computed from: a conflict throws, and the reconcile runs again.
    return this.client.patch(NODES, '', node.metadata.name!, MERGE, { metadata: { resourceVersion: node.metadata.resourceVersion }, status: { conditions } }, 'status')
  }

  /** unreachable taints while Ready is Unknown, not-ready ones while it is False, none otherwise; other taints stay. */
  private async syncTaints(node: KubeObject): Promise<KubeObject> {
    const status = readyOf(node)?.status
    const key = status === 'Unknown' ? TAINT_UNREACHABLE : status === 'False' ? TAINT_NOT_READY : undefined
    const taints: any[] = node.spec?.taints ?? []
    const ours = (t: any) => t?.key === TAINT_UNREACHABLE || t?.key === TAINT_NOT_READY
    const wanted = (t: any) => key !== undefined && t?.key === key && (t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    const kept = taints.filter((t) => !ours(t) || wanted(t))
    const timeAdded = formatTime()
    for (const effect of ['NoSchedule', 'NoExecute'])
      if (key && !kept.some((t) => t.key === key && t.effect === effect)) kept.push({ key, effect, timeAdded })
    if (kept.length === taints.length && kept.every((t, i) => t === taints[i])) return node
    this.log.info({ node: node.metadata.name, taints: kept.filter(ours).map((t) => `${t.key}:${t.effect}`) }, 'node taints updated')
    return this.client.patch(NODES, '', node.metadata.name!, MERGE, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: kept } })
  }

  /** MarkPodsNotReady: the Ready condition of every pod on the node becomes False (reason and message stay). */
  private async markPodsNotReady(node: KubeObject): Promise<void> {
    const name = node.metadata.name
    for (const pod of this.pods.list()) {
      if (pod.spec?.nodeName !== name) continue
      const conditions: any[] = pod.status?.conditions ?? []
      if (!conditions.some((c) => c?.type === 'Ready' && c.status === 'True')) continue
      const now = formatTime()
      const next = conditions.map((c) => (c?.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c))
      try {
        await this.client.patch(PODS, pod.metadata.namespace!, pod.metadata.name!, MERGE, { metadata: { resourceVersion: pod.metadata.resourceVersion }, status: { conditions: next } }, 'status')
        this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready')
      } catch (err) {
        // Deleted meanwhile: nothing to mark. Changed meanwhile: the informer's update queues the node again.
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
      }
    }
  }
}
