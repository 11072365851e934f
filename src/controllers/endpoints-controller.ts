import type { KubeObject } from '../api/meta.ts'
import { matchesLabels } from '../apiserver/selectors/label-selector.ts'
import { core, type ApiClient } from '../client/api-client.ts'
import { EventRecorder } from '../client/event-recorder.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import { jsonEqual } from '../client/json-clone.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import { Controller, type Result } from './controller.ts'
import {
  endpointKey,
  endpointSubsets,
  HEADLESS_LABEL,
  isHeadless,
  MANAGED_BY_LABEL,
  newSlice,
  selectorOf,
  SERVICE_NAME_LABEL,
  SLICE_CONTROLLER,
  sliceGroups,
  sliceLabels,
  slicePorts,
  sortByAddress,
  truncateSubsets,
} from './endpoint-subsets.ts'
import { ObjectIndex } from './object-index.ts'
import { isPodReady } from './pod-state.ts'
import type { WorkloadControllerOptions } from './replicaset-controller.ts'

const SERVICES = core('services')
const ENDPOINTS = core('endpoints')
const PODS = core('pods')
const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }
const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity'
/** --max-endpoints-per-slice */
const MAX_ENDPOINTS_PER_SLICE = 100
/** How long a slice write may take to show in the informer before it is no longer waited for. */
const WRITE_TTL_MS = 30_000
/** How soon a service whose slices the informer does not show as written yet is looked at again. */
const STALE_RETRY_MS = 50

const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`

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
    this.services = ObjectIndex.for(svcInformer)
    this.pods = ObjectIndex.for(podInformer)
    this.endpoints = ObjectIndex.for(epInformer)
    this.slices = ObjectIndex.for(sliceInformer)
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
