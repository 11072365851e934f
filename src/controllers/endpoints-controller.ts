import type { KubeObject } from '../api/meta.ts'
import { matchesLabels, selectorFromLabelSelectorObject, type LabelSelector } from '../apiserver/selectors/label-selector.ts'
import { core, type ApiClient } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import { jsonEqual } from '../util/deep-equal.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import { Controller, type Result } from './controller.ts'
import { newControllerRef } from './controller-ref.ts'
import { ObjectIndex } from './object-index.ts'
import { isPodReady } from './pod-state.ts'
import type { WorkloadControllerOptions } from './replicaset-controller.ts'

const SERVICES = core('services')
const ENDPOINTS = core('endpoints')
const PODS = core('pods')
const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by'
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io'
const HEADLESS_LABEL = 'service.kubernetes.io/headless'
/** Endpoints hold at most this many addresses (maxCapacity); beyond, they are truncated and annotated. */
const MAX_ENDPOINTS_ADDRESSES = 1000
const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity'
/** --max-endpoints-per-slice */
const MAX_ENDPOINTS_PER_SLICE = 100
/** How long a slice write may take to show in the informer before it is no longer waited for. */
const WRITE_TTL_MS = 30_000
/** How soon a service whose slices the informer does not show as written yet is looked at again. */
const STALE_RETRY_MS = 50

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`
const isHeadless = (svc: KubeObject) => svc.spec?.clusterIP === 'None'

interface PortSpec {
  name?: string
  port: number
  protocol: string
  appProtocol?: string
}

/** What an endpoint of a pod depends on; pods changing anything else do not touch Endpoints. */
const podFingerprint = (pod: KubeObject | undefined) =>
  pod && JSON.stringify([pod.metadata.labels, pod.status?.podIP, pod.status?.phase, isPodReady(pod), Boolean(pod.metadata.deletionTimestamp), pod.spec?.nodeName, pod.spec?.hostname, pod.spec?.subdomain])

/**
 * Kubernetes' endpoints and endpointslice controllers (pkg/controller/endpoint, pkg/controller/endpointslice) for
 * Services with a selector: core/v1 Endpoints named after the Service (ready pods in `addresses`, others in
 * `notReadyAddresses`, terminating pods left out, target ports resolved by number or container port name, subsets
 * grouped by port set), and discovery.k8s.io/v1 EndpointSlices labelled `kubernetes.io/service-name` and owned
 * by the Service (every pod with an IP, terminating ones included, with ready/serving/terminating conditions;
 * at most 100 endpoints a slice; an empty placeholder slice when there are none).
 */
export class EndpointsController extends Controller {
  private readonly client: ApiClient
  private readonly informers: InformerFactory
  private readonly recorder: EventRecorder
  private services!: ObjectIndex
  private pods!: ObjectIndex
  private endpoints!: ObjectIndex
  private slices!: ObjectIndex
  /**
   * The endpointSliceTracker: per service, the resourceVersion of each slice this controller last wrote ('' once
   * deleted), until the informer shows it. A sync over a cache without them would create the same slices again.
   */
  private readonly written = new Map<string, Map<string, { rv: string; at: number }>>()

  constructor(opts: WorkloadControllerOptions) {
    super('endpoints', opts.log, opts.concurrency ?? 4)
    this.client = opts.client
    this.informers = opts.informers
    this.recorder = new EventRecorder(opts.client, 'endpoint-controller', '', this.log)
  }

  protected async watch(): Promise<void> {
    const informers = [SERVICES, PODS, ENDPOINTS, SLICES].map((r) => this.informers.for(r))
    const [svcInformer, podInformer, epInformer, sliceInformer] = informers as [(typeof informers)[0], (typeof informers)[0], (typeof informers)[0], (typeof informers)[0]]
    this.services = new ObjectIndex(svcInformer)
    this.pods = new ObjectIndex(podInformer)
    this.endpoints = new ObjectIndex(epInformer)
    this.slices = new ObjectIndex(sliceInformer)
    const enqueue = (o: KubeObject) => this.queue.add(keyOf(o))
    svcInformer.addHandlers({ add: enqueue, update: enqueue, delete: enqueue })
    podInformer.addHandlers({
      add: (pod) => this.enqueueSelecting(pod),
      update: (pod, old) => {
        if (podFingerprint(pod) === podFingerprint(old)) return
        this.enqueueSelecting(pod)
        if (!jsonEqual(pod.metadata.labels, old.metadata.labels)) this.enqueueSelecting(old)
      },
      delete: (pod) => this.enqueueSelecting(pod),
    })
    // Someone else changed what this controller writes: converge it back.
    const ours = (o: KubeObject) => this.services.get(o.metadata.namespace!, o.metadata.name!) && enqueue(o)
    epInformer.addHandlers({ update: ours, delete: ours })
    const sliceChanged = (s: KubeObject) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL]
      if (svc && s.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER) this.queue.add(`${s.metadata.namespace}/${svc}`)
    }
    sliceInformer.addHandlers({ update: sliceChanged, delete: sliceChanged })
    await Promise.all(informers.map((i) => i.hasSynced))
  }

  private enqueueSelecting(pod: KubeObject): void {
    for (const svc of this.services.inNamespace(pod.metadata.namespace!)) {
      const sel = selectorOf(svc)
      if (sel && matchesLabels(sel, pod.metadata.labels)) this.queue.add(keyOf(svc))
    }
  }

  protected reconcile(key: string): Promise<Result | void> {
    return requeueOnConflict(this.log, key, () => this.sync(key))
  }

  private async sync(key: string): Promise<Result | void> {
    const [namespace, name] = key.split('/') as [string, string]
    const cached = this.services.get(namespace, name)
    if (!cached) {
      // The Service is gone: so are its Endpoints (its slices go with it through their owner reference too).
      await this.deleteIgnoringMissing(ENDPOINTS, namespace, name)
      for (const slice of this.managedSlices(namespace, name)) await this.deleteIgnoringMissing(SLICES, namespace, slice.metadata.name!)
      this.written.delete(key)
      return
    }
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', ...cached }
    const selector = selectorOf(svc)
    // Services without a selector get no endpoints from this controller (someone else manages them).
    if (!selector) return
    if (svc.spec?.type === 'ExternalName') {
      for (const slice of this.managedSlices(namespace, name)) await this.deleteIgnoringMissing(SLICES, namespace, slice.metadata.name!)
      return
    }
    const pods = this.pods.inNamespace(namespace).filter((p) => matchesLabels(selector, p.metadata.labels))
    try {
      await this.syncEndpoints(svc, pods)
    } catch (err) {
      this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${(err as Error).message}`)
      throw err
    }
    if (this.slicesStale(key, namespace)) return { requeueAfterMs: STALE_RETRY_MS }
    try {
      await this.syncSlices(svc, pods)
    } catch (err) {
      this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`)
      throw err
    }
  }

  // --- core/v1 Endpoints ---

  private async syncEndpoints(svc: KubeObject, pods: KubeObject[]): Promise<void> {
    const namespace = svc.metadata.namespace!
    const name = svc.metadata.name!
    const { subsets, truncated } = truncateSubsets(endpointSubsets(svc, pods))
    const labels: Record<string, string> = { ...svc.metadata.labels }
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = ''
    const current = this.endpoints.get(namespace, name)
    const wasTruncated = current?.metadata.annotations?.[OVER_CAPACITY] === 'truncated'
    if (current && wasTruncated === truncated && jsonEqual(current.subsets ?? [], subsets) && jsonEqual(current.metadata.labels ?? {}, labels)) return
    const ep: KubeObject = current
      ? { ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations } } }
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, annotations: {} } }
    if (truncated) ep.metadata.annotations![OVER_CAPACITY] = 'truncated'
    else delete ep.metadata.annotations![OVER_CAPACITY]
    if (!Object.keys(ep.metadata.annotations!).length) delete ep.metadata.annotations
    if (Object.keys(labels).length) ep.metadata.labels = labels
    else delete ep.metadata.labels
    if (subsets.length) ep.subsets = subsets
    else delete ep.subsets
    if (current) await this.client.update(ENDPOINTS, namespace, ep)
    else
      await this.client.create(ENDPOINTS, namespace, ep).catch(async (err) => {
        // Created meanwhile (the cache lags): write over it.
        if (!(err instanceof ApiError && err.code === 409)) throw err
        const existing = await this.client.get(ENDPOINTS, namespace, name)
        await this.client.update(ENDPOINTS, namespace, { ...existing, metadata: { ...existing.metadata, labels: ep.metadata.labels, annotations: ep.metadata.annotations }, subsets: ep.subsets })
      })
  }

  // --- discovery.k8s.io/v1 EndpointSlices ---

  /** Does the informer still miss a slice write of this service? Writes it shows (or that took too long) are forgotten. */
  private slicesStale(key: string, namespace: string): boolean {
    const writes = this.written.get(key)
    if (!writes) return false
    const now = Date.now()
    for (const [name, { rv, at }] of writes) {
      const cached = this.slices.get(namespace, name)
      const seen = rv === '' ? !cached : Boolean(cached) && Number(cached!.metadata.resourceVersion) >= Number(rv)
      if (seen || now - at > WRITE_TTL_MS) writes.delete(name)
    }
    if (writes.size === 0) this.written.delete(key)
    return writes.size > 0
  }

  private wrote(svc: KubeObject, name: string, rv: string): void {
    const key = keyOf(svc)
    let writes = this.written.get(key)
    if (!writes) this.written.set(key, (writes = new Map()))
    writes.set(name, { rv, at: Date.now() })
  }

  private managedSlices(namespace: string, service: string): KubeObject[] {
    return this.slices
      .inNamespace(namespace)
      .filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === service && s.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER && !s.metadata.deletionTimestamp)
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
  }

  /**
   * The endpointslice reconciler, in short: endpoints grouped by the ports they resolve to; each group's endpoints
   * stay in the slice they are in, new ones fill slices with room, then new slices; emptied slices are deleted.
   */
  private async syncSlices(svc: KubeObject, pods: KubeObject[]): Promise<void> {
    const namespace = svc.metadata.namespace!
    const addressType = svc.spec?.ipFamilies?.[0] === 'IPv6' ? 'IPv6' : 'IPv4'
    const labels = sliceLabels(svc)
    const existing = this.managedSlices(namespace, svc.metadata.name!)
    const unused = new Set(existing)
    const updates: KubeObject[] = []
    const creates: KubeObject[] = []
    for (const [portsKey, group] of sliceGroups(svc, pods, addressType)) {
      const wanted = new Map(group.endpoints.map((e) => [endpointKey(e), e]))
      const placed: { slice: KubeObject; endpoints: any[]; created: boolean }[] = []
      for (const slice of existing) {
        if (!unused.has(slice) || slice.addressType !== addressType || JSON.stringify(slicePorts(slice.ports)) !== portsKey) continue
        unused.delete(slice)
        const endpoints: any[] = []
        for (const e of slice.endpoints ?? []) {
          const desired = wanted.get(endpointKey(e))
          if (!desired) continue
          endpoints.push(desired)
          wanted.delete(endpointKey(e))
        }
        placed.push({ slice, endpoints, created: false })
      }
      const rest = [...wanted.values()]
      let next = 0
      for (const p of placed) while (p.endpoints.length < MAX_ENDPOINTS_PER_SLICE && next < rest.length) p.endpoints.push(rest[next++])
      for (; next < rest.length; next += MAX_ENDPOINTS_PER_SLICE)
        placed.push({ slice: newSlice(svc, labels, addressType, group.ports), endpoints: rest.slice(next, next + MAX_ENDPOINTS_PER_SLICE), created: true })
      // A service without endpoints keeps one empty placeholder slice.
      if (placed.length === 0) placed.push({ slice: newSlice(svc, labels, addressType, group.ports), endpoints: [], created: true })
      placed.forEach(({ slice, endpoints, created }, i) => {
        if (endpoints.length === 0 && (group.endpoints.length > 0 || i > 0)) {
          if (!created) unused.add(slice)
          return
        }
        const sorted = sortByAddress(endpoints)
        if (created) creates.push({ ...slice, endpoints: sorted })
        else {
          const merged = { ...slice.metadata.labels, ...labels }
          if (!jsonEqual(slice.endpoints ?? [], sorted) || !jsonEqual(slice.metadata.labels, merged))
            updates.push({ ...slice, metadata: { ...slice.metadata, labels: merged }, endpoints: sorted })
        }
      })
    }
    for (const slice of updates) {
      const stored = await this.client.update(SLICES, namespace, slice)
      this.wrote(svc, stored.metadata.name!, stored.metadata.resourceVersion!)
    }
    for (const slice of creates) {
      const stored = await this.client.create(SLICES, namespace, slice)
      this.wrote(svc, stored.metadata.name!, stored.metadata.resourceVersion!)
    }
    for (const slice of unused) {
      await this.deleteIgnoringMissing(SLICES, namespace, slice.metadata.name!)
      this.wrote(svc, slice.metadata.name!, '')
    }
  }

  private async deleteIgnoringMissing(r: typeof SLICES, namespace: string, name: string): Promise<void> {
    try {
      await this.client.delete(r, namespace, name)
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
    }
  }
}

/** A Service's pod selector; undefined for services without one (`spec.selector` absent). */
function selectorOf(svc: KubeObject): LabelSelector | undefined {
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
function sortByAddress<T extends { addresses?: string[]; ip?: string; targetRef?: { uid?: string } }>(items: T[]): T[] {
  return items
    .map((item) => ({ item, key: addressOrder(item.addresses?.[0] ?? item.ip ?? '', item.targetRef?.uid) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.item)
}
const endpointKey = (e: any): string => e.targetRef?.uid ?? e.addresses?.[0] ?? ''

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
const slicePorts = (ports: any[] | undefined) => (ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }))

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
function sliceLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL) labels[k] = v as string
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!
  labels[MANAGED_BY_LABEL] = SLICE_CONTROLLER
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = ''
  return labels
}

function newSlice(svc: KubeObject, labels: Record<string, string>, addressType: string, ports: any[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels: { ...labels }, ownerReferences: [newControllerRef(svc, 'v1', 'Service')] },
    addressType,
    endpoints: [],
    ports,
  }
}
