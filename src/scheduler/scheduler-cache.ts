import type { KubeObject } from '../api/meta.ts'
import { HostPortSet, nodeAllocatable, type NodeUsage, type PodInfo, type ResourceList } from './fit.ts'

/** One node as the scheduler sees it: the Node, and running totals of the pods bound (or assumed) to it. */
export class NodeState implements NodeUsage {
  /** Undefined while pods name a node the informer has not shown (yet), or after it was deleted. */
  node?: KubeObject
  allocatable: ResourceList = {}
  readonly requested: ResourceList = {}
  /** cpu and memory as the scorers count them (PodInfo.nonZero). */
  readonly nonZero = { cpu: 0, memory: 0 }
  pods = 0
  readonly ports = new HostPortSet()
  /** Pods per controller uid, for the spreading score. */
  readonly owners = new Map<string, number>()

  constructor(readonly name: string) {}

  setNode(node: KubeObject | undefined): void {
    this.node = node
    this.allocatable = node ? nodeAllocatable(node) : {}
  }

  add(info: PodInfo, sign: 1 | -1): void {
    for (const [k, v] of Object.entries(info.requests)) this.requested[k] = (this.requested[k] ?? 0) + sign * v
    this.nonZero.cpu += sign * info.nonZero.cpu
    this.nonZero.memory += sign * info.nonZero.memory
    this.pods += sign
    if (sign > 0) this.ports.add(info.hostPorts)
    else this.ports.remove(info.hostPorts)
    if (info.ownerUid) {
      const n = (this.owners.get(info.ownerUid) ?? 0) + sign
      if (n > 0) this.owners.set(info.ownerUid, n)
      else this.owners.delete(info.ownerUid)
    }
  }

  get empty(): boolean {
    return !this.node && this.pods === 0
  }
}

interface Accounted {
  node: string
  info: PodInfo
  /** Bound by us, not yet seen bound by the informer. */
  assumed: boolean
}

/**
 * The scheduler's view of the cluster (upstream's scheduler cache): nodes with per-node totals kept incrementally
 * as pods come and go, so one scheduling decision costs O(nodes), whatever the number of pods. A pod the scheduler
 * has just bound is *assumed*: it counts against its node at once, before the informer reports the binding, so a
 * burst of pods never overcommits a node.
 */
export class SchedulerCache {
  readonly nodes = new Map<string, NodeState>()
  private readonly pods = new Map<string, Accounted>()

  private state(name: string): NodeState {
    let s = this.nodes.get(name)
    if (!s) this.nodes.set(name, (s = new NodeState(name)))
    return s
  }

  setNode(node: KubeObject): void {
    this.state(node.metadata.name!).setNode(node)
  }

  removeNode(name: string): void {
    const s = this.nodes.get(name)
    if (!s) return
    s.setNode(undefined)
    if (s.empty) this.nodes.delete(name)
  }

  /** The nodes pods can be placed on (those the informer shows). */
  *schedulable(): Iterable<NodeState & { node: KubeObject }> {
    for (const s of this.nodes.values()) if (s.node) yield s as NodeState & { node: KubeObject }
  }

  get nodeCount(): number {
    let n = 0
    for (const s of this.nodes.values()) if (s.node) n++
    return n
  }

  isAccounted(uid: string): boolean {
    return this.pods.has(uid)
  }

  isAssumed(uid: string): boolean {
    return this.pods.get(uid)?.assumed ?? false
  }

  /**
   * A pod the informer shows bound to `node`: counted there (once; confirming an assumption costs nothing).
   * `info` is only computed when needed.
   */
  addPod(uid: string, node: string, info: () => PodInfo): void {
    const had = this.pods.get(uid)
    if (had && had.node === node) {
      had.assumed = false
      return
    }
    if (had) this.removePod(uid)
    const entry = { node, info: info(), assumed: false }
    this.pods.set(uid, entry)
    this.state(node).add(entry.info, 1)
  }

  /** Counts a pod against the node chosen for it, before the binding is confirmed. */
  assume(uid: string, node: string, info: PodInfo): void {
    this.removePod(uid)
    this.pods.set(uid, { node, info, assumed: true })
    this.state(node).add(info, 1)
  }

  /** Undoes an assumption whose binding failed. */
  forget(uid: string): void {
    if (this.pods.get(uid)?.assumed) this.removePod(uid)
  }

  /** Stops counting a pod (deleted, or finished); true when it was counted. */
  removePod(uid: string): boolean {
    const had = this.pods.get(uid)
    if (!had) return false
    this.pods.delete(uid)
    const s = this.nodes.get(had.node)
    if (s) {
      s.add(had.info, -1)
      if (s.empty) this.nodes.delete(had.node)
    }
    return true
  }
}
