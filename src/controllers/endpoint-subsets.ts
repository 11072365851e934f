/**
 * What the endpoints controller computes, as pure functions over a Service and its pods (kubernetes
 * pkg/controller/endpoint and pkg/controller/endpointslice, and their util packages): Endpoints subsets,
 * EndpointSlice endpoints grouped by port set, labels and the shape of a new slice.
 */
import type { KubeObject } from '../api/meta.ts'
import { selectorFromLabelSelectorObject, type LabelSelector } from '../apiserver/selectors/label-selector.ts'
import { newControllerRef } from './controller-ref.ts'
import { isPodReady } from './pod-state.ts'

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by'
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io'
export const HEADLESS_LABEL = 'service.kubernetes.io/headless'
/** Endpoints hold at most this many addresses (maxCapacity); beyond, they are truncated and annotated. */
const MAX_ENDPOINTS_ADDRESSES = 1000

export const isHeadless = (svc: KubeObject) => svc.spec?.clusterIP === 'None'

interface PortSpec {
  name?: string
  port: number
  protocol: string
  appProtocol?: string
}

/** A Service's pod selector; undefined for services without one (`spec.selector` absent). */
export function selectorOf(svc: KubeObject): LabelSelector | undefined {
  const selector = svc.spec?.selector
  if (!selector || typeof selector !== 'object') return undefined
  try {
    return selectorFromLabelSelectorObject({ matchLabels: selector })
  } catch {
    return undefined
  }
}

/** ShouldPodBeInEndpoints: has an IP; not finished for good (by its restart policy); terminating only if asked. */
function shouldBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !(pod.status?.podIPs ?? []).length) return false
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false
  const phase = pod.status?.phase
  switch (pod.spec?.restartPolicy) {
    case 'Never':
      return phase !== 'Failed' && phase !== 'Succeeded'
    case 'OnFailure':
      return phase !== 'Succeeded'
    default:
      return true
  }
}

/** FindPort: a numeric target port as it is; a named one from the pod's container ports of the same protocol. */
function findPort(pod: KubeObject, servicePort: any): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port
  if (typeof target === 'number') return target
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target)
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === (servicePort.protocol ?? 'TCP')) return p.containerPort
  return undefined
}

const podIP = (pod: KubeObject, family?: 'IPv4' | 'IPv6'): string | undefined => {
  const ips: string[] = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p: any) => p?.ip)].filter(Boolean)
  return family ? ips.find((ip) => (family === 'IPv6') === ip.includes(':')) : ips[0]
}

/** An address's sort key: IPv4 octets zero-padded so that they sort numerically, then the target's uid. */
const addressOrder = (ip: string, uid = '') => `${ip.includes(':') ? ip : ip.split('.').map((n) => n.padStart(3, '0')).join('.')}|${uid}`
/** Sorts endpoints (slice) or addresses (Endpoints) by IP then uid, computing each key once. */
export function sortByAddress<T extends { addresses?: string[]; ip?: string; targetRef?: { uid?: string } }>(items: T[]): T[] {
  return items
    .map((item) => ({ item, key: addressOrder(item.addresses?.[0] ?? item.ip ?? '', item.targetRef?.uid) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.item)
}
export const endpointKey = (e: any): string => e.targetRef?.uid ?? e.addresses?.[0] ?? ''

const targetRef = (pod: KubeObject) => ({ kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid })

/** ShouldSetHostname: a pod with a hostname whose subdomain is the Service's name. */
const hostnameFor = (pod: KubeObject, svc: KubeObject) => (pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name && svc.metadata.namespace === pod.metadata.namespace ? pod.spec.hostname : undefined)

/**
 * syncService of the endpoints controller: one subset per (pod, port), then RepackSubsets: addresses offering the
 * same ports share a subset, sorted by IP. Headless services without ports list bare addresses.
 */
export function endpointSubsets(svc: KubeObject, pods: KubeObject[]): any[] {
  const publishNotReady = Boolean(svc.spec?.publishNotReadyAddresses)
  const servicePorts: any[] = svc.spec?.ports ?? []
  const byPorts = new Map<string, { ports: PortSpec[]; addresses: any[]; notReadyAddresses: any[] }>()
  for (const pod of pods) {
    if (!shouldBeInEndpoints(pod, publishNotReady)) continue
    const address: any = { ip: podIP(pod) }
    const hostname = hostnameFor(pod, svc)
    if (hostname) address.hostname = hostname
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName
    address.targetRef = targetRef(pod)
    const ports: PortSpec[] = []
    if (servicePorts.length === 0 && !isHeadless(svc)) continue
    for (const sp of servicePorts) {
      const port = findPort(pod, sp)
      if (port === undefined) continue
      const p: PortSpec = { port, protocol: sp.protocol ?? 'TCP' }
      if (sp.name) p.name = sp.name
      if (sp.appProtocol) p.appProtocol = sp.appProtocol
      ports.push(p)
    }
    if (servicePorts.length && !ports.length) continue
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || a.protocol.localeCompare(b.protocol))
    const key = JSON.stringify(ports)
    let subset = byPorts.get(key)
    if (!subset) byPorts.set(key, (subset = { ports, addresses: [], notReadyAddresses: [] }))
    if (publishNotReady || isPodReady(pod)) subset.addresses.push(address)
    else subset.notReadyAddresses.push(address)
  }
  return [...byPorts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, s]) => {
      const subset: any = {}
      if (s.addresses.length) subset.addresses = sortByAddress(s.addresses)
      if (s.notReadyAddresses.length) subset.notReadyAddresses = sortByAddress(s.notReadyAddresses)
      if (s.ports.length) subset.ports = s.ports
      return subset
    })
}

/**
 * Endpoints over capacity keep 1000 addresses (the endpoints controller's truncateEndpoints): each subset its share,
 * ready addresses before not-ready ones. EndpointSlices have no such limit.
 */
export function truncateSubsets(subsets: any[]): { subsets: any[]; truncated: boolean } {
  const count = (s: any) => (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0)
  const total = subsets.reduce((n, s) => n + count(s), 0)
  if (total <= MAX_ENDPOINTS_ADDRESSES) return { subsets, truncated: false }
  let budget = MAX_ENDPOINTS_ADDRESSES
  const out = subsets.map((s, i) => {
    const share = i === subsets.length - 1 ? budget : Math.min(budget, Math.floor((count(s) / total) * MAX_ENDPOINTS_ADDRESSES))
    budget -= share
    const addresses = (s.addresses ?? []).slice(0, share)
    const notReady = (s.notReadyAddresses ?? []).slice(0, share - addresses.length)
    const t: any = { ...s }
    if (addresses.length) t.addresses = addresses
    else delete t.addresses
    if (notReady.length) t.notReadyAddresses = notReady
    else delete t.notReadyAddresses
    return t
  })
  return { subsets: out.filter((s) => count(s) > 0), truncated: true }
}

/** EndpointSlice ports as the API server defaults them (name '' when unnamed), for comparing. */
export const slicePorts = (ports: any[] | undefined) => (ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }))

/** Each pod as an EndpointSlice endpoint (podToEndpoint), grouped by the ports it resolves (by their JSON). */
export function sliceGroups(svc: KubeObject, pods: KubeObject[], addressType: 'IPv4' | 'IPv6'): Map<string, { ports: any[]; endpoints: any[] }> {
  const publishNotReady = Boolean(svc.spec?.publishNotReadyAddresses)
  const groups = new Map<string, { ports: any[]; endpoints: any[] }>()
  for (const pod of pods) {
    if (!shouldBeInEndpoints(pod, true)) continue
    const ip = podIP(pod, addressType)
    if (!ip) continue
    const ports = slicePorts(
      (svc.spec?.ports ?? [])
        .map((sp: any) => ({ name: sp.name ?? '', port: findPort(pod, sp), protocol: sp.protocol ?? 'TCP', appProtocol: sp.appProtocol }))
        .filter((p: any) => p.port !== undefined),
    ).sort((a, b) => a.name.localeCompare(b.name) || a.port - b.port)
    const serving = isPodReady(pod)
    const terminating = Boolean(pod.metadata.deletionTimestamp)
    const endpoint: any = {
      addresses: [ip],
      conditions: { ready: publishNotReady || (serving && !terminating), serving: publishNotReady || serving, terminating },
    }
    const hostname = hostnameFor(pod, svc)
    if (hostname) endpoint.hostname = hostname
    endpoint.targetRef = targetRef(pod)
    if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName
    const key = JSON.stringify(ports)
    let group = groups.get(key)
    if (!group) groups.set(key, (group = { ports, endpoints: [] }))
    group.endpoints.push(endpoint)
  }
  if (groups.size === 0) groups.set('[]', { ports: [], endpoints: [] })
  return groups
}

/** setEndpointSliceLabels: the Service's labels, its name, the managing controller, and the headless mark. */
export function sliceLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL) labels[k] = v as string
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!
  labels[MANAGED_BY_LABEL] = SLICE_CONTROLLER
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = ''
  return labels
}

export function newSlice(svc: KubeObject, labels: Record<string, string>, addressType: string, ports: any[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels: { ...labels }, ownerReferences: [newControllerRef(svc, 'v1', 'Service')] },
    addressType,
    endpoints: [],
    ports,
  }
}
