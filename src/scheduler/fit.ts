/**
 * The scheduler's filters, as pure functions: does a pod fit a node? Each check answers undefined (fits) or the
 * reason Kubernetes' filter plugin gives (pkg/scheduler/framework/plugins: nodeunschedulable, tainttoleration,
 * nodeaffinity, nodeports, noderesources), so that the FailedScheduling message reads as upstream's does.
 */
import type { KubeObject } from '../api/meta.ts'
import { parseBytes, parseCpu } from '../api/quantity.ts'

/** Amounts by resource name: `cpu` in millicores, everything else in units (bytes for memory, a count for pods). */
export type ResourceList = Record<string, number>

/** A port a pod wants on its node's address (ContainerPort.hostPort). */
export interface HostPort {
  port: number
  protocol: string
  /** '0.0.0.0' when the pod does not name one: then it takes the port on every address. */
  ip: string
}

/** What the filters and scores need from a pod, computed once per pod. */
export interface PodInfo {
  /** Effective requests (resource.PodRequests): the most of init containers vs the sum of containers, plus overhead. */
  requests: ResourceList
  /** cpu and memory with the scorers' defaults for containers that request none (100m, 200Mi): spreads best-effort pods. */
  nonZero: { cpu: number; memory: number }
  hostPorts: HostPort[]
  /** The uid of the pod's controller (ownerReferences[controller=true]), which the spreading score groups by. */
  ownerUid?: string
}

/** What the pods already on a node take from it. */
export interface NodeUsage {
  requested: ResourceList
  pods: number
  ports: HostPortSet
}

/** Reasons, verbatim from the upstream plugins. */
export const REASON = {
  notReady: 'node(s) were not ready',
  unschedulable: 'node(s) were unschedulable',
  affinity: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  insufficient: (resource: string) => `Insufficient ${resource}`,
  taint: (key: string, value = '') => `node(s) had untolerated taint {${key}: ${value}}`,
} as const

/** schedutil.DefaultMilliCPURequest and DefaultMemoryRequest. */
export const DEFAULT_MILLI_CPU_REQUEST = 100
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

/** A quantity in the unit ResourceList keeps it in. */
export function quantity(resource: string, q: unknown): number {
  if (typeof q === 'number') return resource === 'cpu' ? Math.round(q * 1000) : q
  if (typeof q !== 'string') return 0
  return resource === 'cpu' ? Math.round(parseCpu(q) * 1000) : parseBytes(q)
}

function addInto(into: ResourceList, from: ResourceList): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
}

function maxInto(into: ResourceList, from: ResourceList): void {
  for (const [k, v] of Object.entries(from)) if (v > (into[k] ?? 0)) into[k] = v
}

/** A container's requests; a resource with a limit and no request requests its limit (as API defaulting sets it). */
function containerRequests(c: any): ResourceList {
  const out: ResourceList = {}
  const requests = c?.resources?.requests ?? {}
  const limits = c?.resources?.limits ?? {}
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) out[name] = quantity(name, requests[name] ?? limits[name])
  return out
}

/**
 * resource.PodRequests: the sum of the containers (plus restartable init containers, which run alongside them)
 * against the most any init container needs while it runs (with the sidecars started before it), plus overhead.
 */
export function podRequests(pod: KubeObject): ResourceList {
  const reqs: ResourceList = {}
  for (const c of pod.spec?.containers ?? []) addInto(reqs, containerRequests(c))
  const sidecars: ResourceList = {}
  const init: ResourceList = {}
  for (const c of pod.spec?.initContainers ?? []) {
    const own = containerRequests(c)
    if (c?.restartPolicy === 'Always') {
      addInto(reqs, own)
      addInto(sidecars, own)
      maxInto(init, sidecars)
    } else {
      const running = { ...sidecars }
      addInto(running, own)
      maxInto(init, running)
    }
  }
  maxInto(reqs, init)
  for (const [name, q] of Object.entries(pod.spec?.overhead ?? {})) reqs[name] = (reqs[name] ?? 0) + quantity(name, q)
  for (const k of Object.keys(reqs)) if (!reqs[k]) delete reqs[k]
  return reqs
}

/** cpu and memory as the scorers count them: containers that request none count the defaults. */
function nonZeroRequests(pod: KubeObject): { cpu: number; memory: number } {
  const nonZero = (c: any) => {
    const r = containerRequests(c)
    return { cpu: r.cpu || DEFAULT_MILLI_CPU_REQUEST, memory: r.memory || DEFAULT_MEMORY_REQUEST }
  }
  let cpu = 0
  let memory = 0
  for (const c of pod.spec?.containers ?? []) {
    const r = nonZero(c)
    cpu += r.cpu
    memory += r.memory
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = nonZero(c)
    if (c?.restartPolicy === 'Always') {
      cpu += r.cpu
      memory += r.memory
    } else {
      cpu = Math.max(cpu, r.cpu)
      memory = Math.max(memory, r.memory)
    }
  }
  return { cpu, memory }
}

/** The host ports of the pod's containers (and sidecars); with hostNetwork every containerPort is one. */
export function podHostPorts(pod: KubeObject): HostPort[] {
  const out: HostPort[] = []
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c: any) => c?.restartPolicy === 'Always')]
  for (const c of containers)
    for (const p of c?.ports ?? []) {
      const port = p?.hostPort || (pod.spec?.hostNetwork ? p?.containerPort : 0)
      if (port > 0) out.push({ port, protocol: p.protocol || 'TCP', ip: p.hostIP || '0.0.0.0' })
    }
  return out
}

export function podInfo(pod: KubeObject): PodInfo {
  const owner = (pod.metadata.ownerReferences ?? []).find((r) => r.controller)
  return { requests: podRequests(pod), nonZero: nonZeroRequests(pod), hostPorts: podHostPorts(pod), ownerUid: owner?.uid }
}

/** status.allocatable (capacity when absent), in ResourceList units; `pods` is the node's pod limit. */
export function nodeAllocatable(node: KubeObject): ResourceList {
  const out: ResourceList = {}
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {}
  for (const [name, q] of Object.entries(alloc)) out[name] = quantity(name, q)
  return out
}

/**
 * The host ports taken on one node, counted (several pods may share a port on different addresses): a port
 * conflicts with a taken one of the same protocol and number when the addresses are equal or either is 0.0.0.0.
 */
export class HostPortSet {
  /** `protocol/port` → address → how many pods use it. */
  private readonly used = new Map<string, Map<string, number>>()

  add(ports: HostPort[]): void {
    for (const p of ports) {
      const key = `${p.protocol}/${p.port}`
      let ips = this.used.get(key)
      if (!ips) this.used.set(key, (ips = new Map()))
      ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1)
    }
  }

  remove(ports: HostPort[]): void {
    for (const p of ports) {
      const key = `${p.protocol}/${p.port}`
      const ips = this.used.get(key)
      if (!ips) continue
      const n = (ips.get(p.ip) ?? 0) - 1
      if (n > 0) ips.set(p.ip, n)
      else ips.delete(p.ip)
      if (ips.size === 0) this.used.delete(key)
    }
  }

  conflicts(p: HostPort): boolean {
    const ips = this.used.get(`${p.protocol}/${p.port}`)
    if (!ips) return false
    return p.ip === '0.0.0.0' || ips.has('0.0.0.0') || ips.has(p.ip)
  }

  get size(): number {
    return this.used.size
  }
}

/** The Ready condition is True. Not an upstream filter (it relies on the not-ready/unreachable taints); ours too. */
export function checkNodeReady(node: KubeObject): string | undefined {
  const ready = (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')
  return ready?.status === 'True' ? undefined : REASON.notReady
}

/** v1helper.TolerationsTolerateTaint: one toleration matches a taint. */
export function toleratesTaint(t: any, taint: any): boolean {
  if (t?.effect && t.effect !== taint.effect) return false
  if (t?.key && t.key !== taint.key) return false
  switch (t?.operator ?? 'Equal') {
    case 'Exists':
      return true
    case 'Equal':
    case '':
      return (t?.value ?? '') === (taint.value ?? '')
    default:
      return false
  }
}

const tolerated = (pod: KubeObject, taint: any) => (pod.spec?.tolerations ?? []).some((t: any) => toleratesTaint(t, taint))

/** NodeUnschedulable: `spec.unschedulable` keeps pods off unless they tolerate node.kubernetes.io/unschedulable. */
export function checkUnschedulable(pod: KubeObject, node: KubeObject): string | undefined {
  if (!node.spec?.unschedulable) return undefined
  return tolerated(pod, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }) ? undefined : REASON.unschedulable
}

/** TaintToleration: every NoSchedule and NoExecute taint must be tolerated (PreferNoSchedule only scores). */
export function checkTaints(pod: KubeObject, node: KubeObject): string | undefined {
  for (const taint of node.spec?.taints ?? []) {
    if (taint?.effect !== 'NoSchedule' && taint?.effect !== 'NoExecute') continue
    if (!tolerated(pod, taint)) return REASON.taint(taint.key, taint.value)
  }
  return undefined
}

const toInt = (s: unknown): number | undefined => (typeof s === 'string' && /^[+-]?\d+$/.test(s) ? Number(s) : undefined)

/** One NodeSelectorRequirement against a value (undefined: the label or field is absent). */
function matchesRequirement(req: any, value: string | undefined): boolean {
  const values: string[] = req?.values ?? []
  switch (req?.operator) {
    case 'In':
      return value !== undefined && values.includes(value)
    case 'NotIn':
      return value === undefined || !values.includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
    case 'Gt':
    case 'Lt': {
      const have = toInt(value)
      const want = toInt(values[0])
      if (have === undefined || want === undefined || values.length !== 1) return false
      return req.operator === 'Gt' ? have > want : have < want
    }
    default:
      return false
  }
}

/** A NodeSelectorTerm: its expressions (labels) and fields (only metadata.name) ANDed; an empty term matches nothing. */
export function matchesTerm(term: any, node: KubeObject): boolean {
  const exprs: any[] = term?.matchExpressions ?? []
  const fields: any[] = term?.matchFields ?? []
  if (exprs.length === 0 && fields.length === 0) return false
  const labels = node.metadata.labels ?? {}
  for (const e of exprs) if (!matchesRequirement(e, Object.hasOwn(labels, e?.key) ? labels[e.key] : undefined)) return false
  for (const f of fields) {
    if (f?.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return false
    if (!matchesRequirement(f, node.metadata.name)) return false
  }
  return true
}

/** NodeAffinity: `nodeSelector` (every label equal) and the required node affinity (any term). */
export function checkNodeAffinity(pod: KubeObject, node: KubeObject): string | undefined {
  const labels = node.metadata.labels ?? {}
  const selector: Record<string, string> | undefined = pod.spec?.nodeSelector
  if (selector) for (const k in selector) if (labels[k] !== selector[k]) return REASON.affinity
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
  if (required) {
    const terms: any[] = required.nodeSelectorTerms ?? []
    if (!terms.some((t) => matchesTerm(t, node))) return REASON.affinity
  }
  return undefined
}

/** NodePorts: none of the pod's host ports is taken on the node. */
export function checkHostPorts(info: PodInfo, usage: NodeUsage): string | undefined {
  // Most pods want none: no set to build (this runs for every node, for every pod).
  if (info.hostPorts.length === 0) return undefined
  for (const p of info.hostPorts) if (usage.ports.conflicts(p)) return REASON.ports
  // Two containers of this pod on the same port conflict too (the API server lets it through).
  const own = new HostPortSet()
  for (const p of info.hostPorts) {
    if (own.conflicts(p)) return REASON.ports
    own.add([p])
  }
  return undefined
}

/** NodeResourcesFit (fitsRequest): the pod count, then each requested resource against allocatable minus requested. */
export function checkResources(info: PodInfo, allocatable: ResourceList, usage: NodeUsage): string[] {
  const reasons: string[] = []
  if (usage.pods + 1 > (allocatable.pods ?? 0)) reasons.push(REASON.tooManyPods)
  for (const name in info.requests) {
    const want = info.requests[name]!
    if (name === 'pods' || want <= 0) continue
    if (want > (allocatable[name] ?? 0) - (usage.requested[name] ?? 0)) reasons.push(REASON.insufficient(name))
  }
  return reasons
}

/**
 * Every filter in upstream's order, stopping at the first that fails (as the framework does): the reasons a
 * node does not fit, or [] when it does.
 */
export function fitsNode(pod: KubeObject, info: PodInfo, node: KubeObject, allocatable: ResourceList, usage: NodeUsage): string[] {
  const single =
    checkUnschedulable(pod, node) ?? checkTaints(pod, node) ?? checkNodeReady(node) ?? checkNodeAffinity(pod, node) ?? checkHostPorts(info, usage)
  if (single) return [single]
  return checkResources(info, allocatable, usage)
}

/**
 * FitError.Error(): `0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.`
 * — a histogram of the reasons, each counted once per node, sorted as strings.
 */
export function fitErrorMessage(numNodes: number, reasonsByNode: string[][]): string {
  if (numNodes === 0) return 'no nodes available to schedule pods'
  const histogram = new Map<string, number>()
  for (const reasons of reasonsByNode) for (const r of new Set(reasons)) histogram.set(r, (histogram.get(r) ?? 0) + 1)
  const parts = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort()
  return `0/${numNodes} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`
}
