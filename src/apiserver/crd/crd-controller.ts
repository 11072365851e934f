/**
 * The controllers of apiextensions-apiserver, in every API server process (each sees the CRDs through the store,
 * so several processes on one etcd agree, and a restarted one serves what is there at once):
 * - serving (customresource_handler's crdHandler): the served versions of every CRD whose names are accepted (or
 *   that is established) are ResourceDefinitions of the API server; a changed CRD replaces them, a deleted one
 *   removes them;
 * - naming (pkg/controller/status/naming_controller.go): `status.acceptedNames` and the NamesAccepted condition,
 *   refusing names another CRD of the group has accepted;
 * - establishing (pkg/controller/establish): Established once the names are accepted. The kinds are served
 *   before Established is written, so that a client that waited for it finds them;
 * - finalizing (pkg/controller/finalizer): a CRD being deleted stops taking new objects, its custom resources
 *   are deleted (their own finalizers respected), then its cleanup finalizer is removed and it goes.
 * Work is level-based, one CRD name at a time; failures are retried with back-off.
 */
import type { Logger } from '../../log/logger.ts'
import { ApiError } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import type { GenericRegistry } from '../registry/generic-registry.ts'
import type { ResourceDefinition } from '../registry/resource-definition.ts'
import { watchSelection, type SelectionWatch } from '../registry/watch-selection.ts'
import type { WatchCache } from '../registry/watch-cache.ts'
import { customResourceKinds } from './custom-resource.ts'
import { outsideRequestScope } from './request-scope.ts'
import {
  CLEANUP_FINALIZER,
  CRD_GROUP,
  ESTABLISHED,
  findCondition,
  isConditionTrue,
  NAMES_ACCEPTED,
  setCondition,
  storageVersionOf,
  TERMINATING,
  type CustomResourceDefinition,
  type CustomResourceDefinitionCondition,
  type CustomResourceDefinitionNames,
} from './types.ts'

/** A served group/version/resource. */
export interface GroupVersionResource {
  group: string
  version: string
  plural: string
}

/** What the controller needs of the API server it runs in. */
export interface CustomResourceHost {
  registry(group: string, version: string, resource: string): GenericRegistry | undefined
  watchCacheFor(registry: GenericRegistry): WatchCache
  /** A registry over a kind's storage that is not served (to clean up after a CRD none of whose versions is). */
  registryFor(def: ResourceDefinition): GenericRegistry
  addResources(defs: ResourceDefinition[]): Promise<void>
  removeResources(refs: GroupVersionResource[]): void
}

const MAX_BACKOFF_MS = 10_000
/** How often a CRD being deleted looks again at what is left of its custom resources. */
const CLEANUP_POLL_MS = 500

const refKey = (r: GroupVersionResource) => `${r.group}/${r.version}/${r.plural}`
const groupOfName = (name: string) => name.slice(name.indexOf('.') + 1)

export class CustomResourceDefinitionController {
  private readonly crds: GenericRegistry
  /** What is served per CRD name: a fingerprint of what it was built from, and the group/version/resources. */
  private readonly served = new Map<string, { fingerprint: string; refs: GroupVersionResource[] }>()
  /** Every CRD name seen, to look again at a group's CRDs when one frees names. */
  private readonly known = new Set<string>()
  private readonly pending = new Set<string>()
  private readonly failures = new Map<string, number>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private running?: Promise<void>
  private watch?: SelectionWatch
  private stopped = false

  constructor(
    private readonly host: CustomResourceHost,
    private readonly log: Logger,
  ) {
    const crds = host.registry(CRD_GROUP, 'v1', 'customresourcedefinitions')
    if (!crds) throw new Error('the CustomResourceDefinition kind is not served')
    this.crds = crds
  }

  /** Serves the CRDs that are there (before returning: a restarted server serves them at once), then follows changes. */
  async start(): Promise<void> {
    const listed = await this.crds.list({})
    for (const obj of listed.items) {
      const crd = obj as CustomResourceDefinition
      this.known.add(crd.metadata.name!)
      if (servable(crd)) await this.serve(crd, crd.status!.acceptedNames, Boolean(crd.metadata.deletionTimestamp))
    }
    await this.subscribe(listed.resourceVersion)
    for (const crd of listed.items) this.enqueue(crd.metadata.name!)
  }

  stop(): void {
    this.stopped = true
    this.watch?.close()
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.pending.clear()
  }

  private async subscribe(resourceVersion: string): Promise<void> {
    if (this.stopped) return
    this.watch = await watchSelection(this.crds, this.host.watchCacheFor(this.crds), {}, resourceVersion, {
      event: (type, obj) => {
        const name = obj.metadata.name!
        this.enqueue(name)
        if (type !== 'DELETED') return void this.known.add(name)
        // A deleted CRD frees its names: the others of its group may now take them.
        this.known.delete(name)
        this.enqueueGroup(name)
      },
      end: (err) => {
        this.log.warn({ err: err.message }, 'CRD watch ended; relisting')
        this.watch = undefined
        void this.relist()
      },
    })
  }

  private async relist(): Promise<void> {
    while (!this.stopped) {
      try {
        const listed = await this.crds.list({})
        const names = new Set(listed.items.map((c) => c.metadata.name!))
        for (const name of [...this.served.keys(), ...names]) this.enqueue(name)
        this.known.clear()
        for (const name of names) this.known.add(name)
        await this.subscribe(listed.resourceVersion)
        return
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'CRD relist failed; retrying')
        await new Promise((r) => setTimeout(r, 1000))
      }
    }
  }

  private enqueue(name: string): void {
    if (this.stopped) return
    this.pending.add(name)
    this.kick()
  }

  private kick(): void {
    if (this.running || this.stopped) return
    // Work may be queued from a request's watch notification: it is not that request's work.
    this.running = outsideRequestScope(() => this.drain()).finally(() => {
      this.running = undefined
      if (this.pending.size) this.kick()
    })
  }

  private enqueueGroup(name: string): void {
    const group = groupOfName(name)
    for (const other of this.known) if (other !== name && groupOfName(other) === group) this.enqueue(other)
  }

  private async drain(): Promise<void> {
    while (this.pending.size && !this.stopped) {
      const name = this.pending.values().next().value!
      this.pending.delete(name)
      try {
        const again = await this.sync(name)
        this.failures.delete(name)
        if (again) this.later(name, again)
      } catch (err) {
        const n = (this.failures.get(name) ?? 0) + 1
        this.failures.set(name, n)
        if (!(err instanceof ApiError && err.code === 409)) this.log.warn({ crd: name, err: (err as Error).message }, 'CRD sync failed; retrying')
        this.later(name, Math.min(MAX_BACKOFF_MS, 50 * 2 ** n))
      }
    }
  }

  private later(name: string, ms: number): void {
    if (this.stopped) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.enqueue(name)
    }, ms)
    this.timers.add(timer)
  }

  /** Converges one CRD; returns a delay after which to look again, if it must. */
  private async sync(name: string): Promise<number | void> {
    let crd: CustomResourceDefinition
    try {
      crd = (await this.crds.get('', name)) as CustomResourceDefinition
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
      this.unserve(name)
      return
    }
    if (crd.metadata.deletionTimestamp) return this.finalize(crd)

    const next = structuredClone(crd)
    next.status ??= { acceptedNames: { plural: '', kind: '' } }
    const others = (await this.crds.list({})).items.filter((c) => c.metadata.name !== name) as CustomResourceDefinition[]
    const { names, namesAccepted } = calculateNames(crd, others)
    next.status!.acceptedNames = names
    setCondition(next, namesAccepted)
    const established = findCondition(crd, ESTABLISHED)
    if (namesAccepted.status === 'True' && established?.status !== 'True')
      setCondition(next, { type: ESTABLISHED, status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' })
    else if (!established) setCondition(next, { type: ESTABLISHED, status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' })

    // Serve first, then say so: whoever waits for Established finds the kinds served.
    if (servable(next)) await this.serve(next, next.status!.acceptedNames, false)
    else this.unserve(name)
    if (jsonEqual(next.status, crd.status)) return
    await this.crds.update('', name, () => next, { subresource: 'status' })
    if (!jsonEqual(next.status!.acceptedNames, crd.status?.acceptedNames)) this.enqueueGroup(name)
  }

  /** The finalizer controller: delete the custom resources, then let the CRD go. */
  private async finalize(crd: CustomResourceDefinition): Promise<number | void> {
    const name = crd.metadata.name!
    if (servable(crd)) await this.serve(crd, crd.status!.acceptedNames, true)
    if (!crd.metadata.finalizers?.includes(CLEANUP_FINALIZER)) return
    const terminating = findCondition(crd, TERMINATING)
    if (terminating?.status !== 'True' || terminating.reason !== 'InstanceDeletionInProgress') {
      await this.setStatusCondition(crd, { type: TERMINATING, status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' })
      return 1 // read the CRD again (its resourceVersion changed)
    }
    const remaining = await this.deleteCustomResources(crd)
    if (remaining > 0) return CLEANUP_POLL_MS
    await this.setStatusCondition(crd, { type: TERMINATING, status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' })
    await this.crds.update('', name, (current) => {
      current.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER)
      return current
    })
  }

  private async setStatusCondition(crd: CustomResourceDefinition, condition: CustomResourceDefinitionCondition): Promise<void> {
    const next = structuredClone(crd)
    setCondition(next, condition)
    await this.crds.update('', crd.metadata.name!, () => next, { subresource: 'status' })
  }

  /** Deletes every custom resource of a CRD (all namespaces); returns how many are still there. */
  private async deleteCustomResources(crd: CustomResourceDefinition): Promise<number> {
    const storage = storageVersionOf(crd) ?? crd.spec.versions[0]?.name
    if (!storage) return 0
    const served = this.host.registry(crd.spec.group, storage, crd.spec.names.plural)
    const registry =
      served ??
      this.host.registryFor(
        customResourceKinds({ ...crd, spec: { ...crd.spec, versions: crd.spec.versions.map((v) => ({ ...v, served: v.name === storage })) } }, { names: crd.spec.names, terminating: true })[0]!,
      )
    const { items } = await registry.list({})
    for (const obj of items) {
      if (obj.metadata.deletionTimestamp) continue
      try {
        await registry.delete(obj.metadata.namespace ?? '', obj.metadata.name!)
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err
      }
    }
    return (await registry.list({})).items.length
  }

  /** Serves the CRD's versions under `names` (replacing what it served before), unless that is what is served. */
  private async serve(crd: CustomResourceDefinition, names: CustomResourceDefinitionNames, terminating: boolean): Promise<void> {
    const name = crd.metadata.name!
    const fingerprint = JSON.stringify([crd.metadata.uid, crd.spec, names, terminating])
    const previous = this.served.get(name)
    if (previous?.fingerprint === fingerprint) return
    const ours = new Set([...this.served.values()].flatMap((s) => s.refs.map(refKey)))
    const kinds = customResourceKinds(crd, { names, terminating }).filter((k) => {
      // Never shadow a built-in kind (a CRD for `deployments.apps`): Kubernetes would route that group elsewhere.
      const builtin = this.host.registry(k.group, k.version, k.plural) !== undefined && !ours.has(refKey(k))
      if (builtin) this.log.warn({ crd: name, group: k.group, version: k.version }, 'not serving a CRD version that a built-in kind serves')
      return !builtin
    })
    await this.host.addResources(kinds)
    const refs = kinds.map(({ group, version, plural }) => ({ group, version, plural }))
    // Stopped meanwhile: the server is going away, and with it what was just added.
    if (this.stopped) return this.host.removeResources(refs)
    const kept = new Set(refs.map(refKey))
    const gone = previous?.refs.filter((r) => !kept.has(refKey(r))) ?? []
    if (gone.length) this.host.removeResources(gone)
    this.served.set(name, { fingerprint, refs })
    this.log.info({ crd: name, versions: refs.map((r) => r.version), terminating }, 'serving custom resources')
  }

  private unserve(name: string): void {
    const previous = this.served.get(name)
    if (!previous) return
    this.host.removeResources(previous.refs)
    this.served.delete(name)
    this.log.info({ crd: name }, 'stopped serving custom resources')
  }
}

/** Whether a CRD's kinds are served: its names are accepted, or it is established (crdHandler.ServeHTTP). */
const servable = (crd: CustomResourceDefinition) => Boolean(crd.status?.acceptedNames?.kind) && (isConditionTrue(crd, ESTABLISHED) || isConditionTrue(crd, NAMES_ACCEPTED))

/**
 * calculateNamesAndConditions of the naming controller: each requested name is taken unless another CRD of the
 * group accepted it; the names that are taken keep their accepted value and the condition says why.
 */
export function calculateNames(crd: CustomResourceDefinition, others: CustomResourceDefinition[]): { names: CustomResourceDefinitionNames; namesAccepted: CustomResourceDefinitionCondition } {
  const resources = new Set<string>()
  const kinds = new Set<string>()
  for (const other of others) {
    if (other.spec?.group !== crd.spec.group) continue
    const accepted = other.status?.acceptedNames
    if (!accepted) continue
    for (const n of [accepted.plural, accepted.singular, ...(accepted.shortNames ?? [])]) if (n) resources.add(n)
    for (const n of [accepted.kind, accepted.listKind]) if (n) kinds.add(n)
  }
  const requested = crd.spec.names
  const accepted: CustomResourceDefinitionNames = crd.status?.acceptedNames ?? { plural: '', kind: '' }
  const names: CustomResourceDefinitionNames = { ...accepted }
  const condition: CustomResourceDefinitionCondition = { type: NAMES_ACCEPTED, status: 'Unknown' }
  const conflict = (reason: string, message: string) => Object.assign(condition, { status: 'False', reason, message })
  const fresh = (want: string | undefined, have: string | undefined, used: Set<string>) => want === have || !want || !used.has(want)

  if (fresh(requested.plural, accepted.plural, resources)) names.plural = requested.plural
  else conflict('PluralConflict', `"${requested.plural}" is already in use`)
  if (fresh(requested.singular, accepted.singular, resources)) names.singular = requested.singular
  else conflict('SingularConflict', `"${requested.singular}" is already in use`)
  if (!jsonEqual(requested.shortNames ?? [], accepted.shortNames ?? [])) {
    const have = new Set(accepted.shortNames ?? [])
    const taken = (requested.shortNames ?? []).filter((s) => !have.has(s) && s !== accepted.plural && s !== accepted.singular && resources.has(s))
    if (taken.length) conflict('ShortNamesConflict', taken.map((s) => `"${s}" is already in use`).join(', '))
    else if (requested.shortNames) names.shortNames = requested.shortNames
    else delete names.shortNames
  }
  if (fresh(requested.kind, accepted.kind, kinds)) names.kind = requested.kind
  else conflict('KindConflict', `"${requested.kind}" is already in use`)
  if (fresh(requested.listKind, accepted.listKind, kinds)) names.listKind = requested.listKind
  else conflict('ListKindConflict', `"${requested.listKind}" is already in use`)
  if (requested.categories) names.categories = requested.categories
  else delete names.categories
  if (condition.status === 'Unknown') Object.assign(condition, { status: 'True', reason: 'NoConflicts', message: 'no conflicts found' })
  return { names, namesAccepted: condition }
}
