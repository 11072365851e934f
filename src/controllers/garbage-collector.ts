import type { KubeObject, OwnerReference } from '../api/meta.ts'
import type { ApiClient, ResourceInfo } from '../client/api-client.ts'
import type { InformerFactory } from '../client/informer-factory.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import { requeueOnConflict } from './requeue-on-conflict.ts'
import { Controller, type Result } from './controller.ts'

export const ORPHAN_FINALIZER = 'orphan'
export const FOREGROUND_FINALIZER = 'foregroundDeletion'

export interface GarbageCollectorOptions {
  client: ApiClient
  informers: InformerFactory
  log: Logger
  concurrency?: number
}

/** An object the collector knows, by uid. */
interface GraphNode {
  resource: ResourceInfo
  obj: KubeObject
}

type OwnerState = 'present' | 'absent' | 'waiting'

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '')
const deletingWith = (obj: KubeObject, finalizer: string) => Boolean(obj.metadata.deletionTimestamp) && (obj.metadata.finalizers ?? []).includes(finalizer)
const refsKey = (obj: KubeObject | undefined) => JSON.stringify(obj?.metadata.ownerReferences ?? [])

/**
 * Kubernetes' garbage collector (pkg/controller/garbagecollector), level-based over the shared informers of every
 * kind that can be listed, watched and deleted (events aside): a graph of owners and dependents by uid.
 * - Background: an object whose owners are all gone (by uid) is deleted, with the propagation its own finalizers
 *   ask for; owners that are gone are dropped from objects that still have another owner.
 * - Foreground: an owner marked for deletion with the `foregroundDeletion` finalizer has its dependents deleted
 *   (those with dependents of their own in the foreground too); once no dependent with blockOwnerDeletion is
 *   left, the finalizer is removed and the API server lets the owner go.
 * - Orphan: an owner with the `orphan` finalizer has its ownerReference taken off every dependent, then the
 *   finalizer removed.
 * An owner missing from the cache is looked up in the API before anything is deleted, so a dependent created just
 * after its owner is never collected because an informer lags. Keys are uids.
 */
export class GarbageCollector extends Controller {
  private readonly client: ApiClient
  private readonly informers: InformerFactory
  private readonly nodes = new Map<string, GraphNode>()
  /** owner uid → uids of the objects naming it in ownerReferences. */
  private readonly dependents = new Map<string, Set<string>>()
  /** `<group>/<kind>` → resource, for looking owners up. */
  private readonly kinds = new Map<string, ResourceInfo>()
  private synced = false

  constructor(opts: GarbageCollectorOptions) {
    super('garbage-collector', opts.log, opts.concurrency ?? 8)
    this.client = opts.client
    this.informers = opts.informers
  }

  protected async watch(): Promise<void> {
    const resources = await this.client.discover()
    for (const r of resources) if (!this.kinds.has(`${r.group}/${r.kind}`)) this.kinds.set(`${r.group}/${r.kind}`, r)
    // Events never own anything and are never owned; they are also the kind there are most of.
    const monitored = resources.filter((r) => r.resource !== 'events' && ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v)))
    const informers = monitored.map((r) => {
      const informer = this.informers.for(r)
      informer.addHandlers({ add: (o) => this.observe(r, o), update: (o) => this.observe(r, o), delete: (o) => this.forget(o) })
      return informer
    })
    await Promise.all(informers.map((i) => i.hasSynced))
    this.synced = true
    // Now that the graph is complete: everything with an owner missing or waiting, and every owner mid-deletion.
    for (const [uid, node] of this.nodes) if (this.needsAttention(node.obj)) this.queue.add(uid)
  }

  /** Is there anything for the collector to do about this object right now? */
  private needsAttention(obj: KubeObject): boolean {
    if (deletingWith(obj, ORPHAN_FINALIZER) || deletingWith(obj, FOREGROUND_FINALIZER)) return true
    if (obj.metadata.deletionTimestamp) return false
    return (obj.metadata.ownerReferences ?? []).some((ref) => {
      const owner = this.nodes.get(ref.uid)
      return !owner || deletingWith(owner.obj, FOREGROUND_FINALIZER)
    })
  }

  private observe(resource: ResourceInfo, obj: KubeObject): void {
    const uid = obj.metadata.uid!
    const prev = this.nodes.get(uid)?.obj
    this.nodes.set(uid, { resource, obj })
    if (refsKey(prev) !== refsKey(obj)) {
      for (const ref of prev?.metadata.ownerReferences ?? []) this.unlink(ref.uid, uid)
      for (const ref of obj.metadata.ownerReferences ?? []) this.link(ref.uid, uid)
      // A dependent let go of (or stopped blocking) an owner that waits for its dependents.
      for (const ref of prev?.metadata.ownerReferences ?? []) this.enqueueIfWaiting(ref.uid)
    }
    if (!this.synced) return
    const becameDeleting =
      (deletingWith(obj, FOREGROUND_FINALIZER) && !(prev && deletingWith(prev, FOREGROUND_FINALIZER))) ||
      (deletingWith(obj, ORPHAN_FINALIZER) && !(prev && deletingWith(prev, ORPHAN_FINALIZER)))
    if (becameDeleting && deletingWith(obj, FOREGROUND_FINALIZER)) for (const dep of this.dependents.get(uid) ?? []) this.queue.add(dep)
    if (becameDeleting || (refsKey(prev) !== refsKey(obj) && this.needsAttention(obj))) this.queue.add(uid)
    else if (!prev && this.needsAttention(obj)) this.queue.add(uid)
  }

  private forget(obj: KubeObject): void {
    const uid = obj.metadata.uid!
    const node = this.nodes.get(uid)
    if (!node) return
    this.nodes.delete(uid)
    for (const ref of node.obj.metadata.ownerReferences ?? []) {
      this.unlink(ref.uid, uid)
      this.enqueueIfWaiting(ref.uid)
    }
    // Its dependents have lost an owner.
    for (const dep of this.dependents.get(uid) ?? []) this.queue.add(dep)
  }

  private enqueueIfWaiting(ownerUid: string): void {
    const owner = this.nodes.get(ownerUid)
    if (owner && deletingWith(owner.obj, FOREGROUND_FINALIZER)) this.queue.add(ownerUid)
  }

  private link(owner: string, dependent: string): void {
    let set = this.dependents.get(owner)
    if (!set) this.dependents.set(owner, (set = new Set()))
    set.add(dependent)
  }

  private unlink(owner: string, dependent: string): void {
    const set = this.dependents.get(owner)
    if (set?.delete(dependent) && set.size === 0 && !this.nodes.has(owner)) this.dependents.delete(owner)
  }

  private dependentNodes(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => Boolean(n))
  }

  protected reconcile(uid: string): Promise<Result | void> {
    return requeueOnConflict(this.log, uid, () => this.sync(uid))
  }

  private async sync(uid: string): Promise<Result | void> {
    const node = this.nodes.get(uid)
    if (!node) return
    const { obj } = node
    if (deletingWith(obj, ORPHAN_FINALIZER)) return this.orphanDependents(node)
    if (deletingWith(obj, FOREGROUND_FINALIZER)) return this.deleteDependents(node)
    if (obj.metadata.deletionTimestamp || !obj.metadata.ownerReferences?.length) return
    return this.attemptToDelete(node)
  }

  /** attemptToDeleteItem: what to do with a dependent, given the state of each of its owners. */
  private async attemptToDelete(node: GraphNode): Promise<void> {
    const { obj } = node
    const solid: OwnerReference[] = []
    const gone: OwnerReference[] = []
    const waiting: OwnerReference[] = []
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const state = await this.ownerState(ref, obj)
      ;(state === 'present' ? solid : state === 'absent' ? gone : waiting).push(ref)
    }
    if (solid.length) {
      if (!gone.length && !waiting.length) return
      // Another owner keeps it alive: only the references to owners that are gone or going are dropped.
      const drop = new Set([...gone, ...waiting].map((r) => r.uid))
      this.log.debug({ object: describe(node), owners: [...drop] }, 'removing references to deleted owners')
      await this.rewrite(node, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => !drop.has(r.uid))
        if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences
      })
      return
    }
    let policy: 'Background' | 'Foreground' | 'Orphan'
    if (waiting.length && (this.dependents.get(obj.metadata.uid!)?.size ?? 0) > 0) policy = 'Foreground' // its own dependents go first
    else if ((obj.metadata.finalizers ?? []).includes(ORPHAN_FINALIZER)) policy = 'Orphan'
    else if ((obj.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) policy = 'Foreground'
    else policy = 'Background'
    this.log.debug({ object: describe(node), policy }, 'deleting object whose owners are gone')
    try {
      await this.client.delete(node.resource, obj.metadata.namespace ?? '', obj.metadata.name!, { propagationPolicy: policy, preconditions: { uid: obj.metadata.uid } })
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
    }
  }

  /**
   * An owner's state: present, absent (no object with that uid: deleted, or never there), or waiting for its
   * dependents (foreground deletion). Owners missing from the cache are looked up; unknown kinds count as present.
   */
  private async ownerState(ref: OwnerReference, dependent: KubeObject): Promise<OwnerState> {
    const cached = this.nodes.get(ref.uid)
    if (cached) return deletingWith(cached.obj, FOREGROUND_FINALIZER) ? 'waiting' : 'present'
    const resource = this.kinds.get(`${groupOf(ref.apiVersion)}/${ref.kind}`)
    if (!resource) return 'present'
    try {
      const owner = await this.client.get(resource, resource.namespaced ? (dependent.metadata.namespace ?? '') : '', ref.name)
      if (owner.metadata.uid !== ref.uid) return 'absent'
      return deletingWith(owner, FOREGROUND_FINALIZER) ? 'waiting' : 'present'
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return 'absent'
      throw err
    }
  }

  /** processDeletingDependentsItem: dependents that block go first; with none left, the finalizer comes off. */
  private async deleteDependents(node: GraphNode): Promise<void> {
    const uid = node.obj.metadata.uid!
    const blocking = this.dependentNodes(uid).filter((d) => d.obj.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion))
    if (blocking.length === 0) {
      this.log.debug({ object: describe(node) }, 'dependents gone: removing the foregroundDeletion finalizer')
      await this.rewrite(node, (o) => removeFinalizer(o, FOREGROUND_FINALIZER))
      return
    }
    for (const dep of this.dependentNodes(uid)) if (!dep.obj.metadata.deletionTimestamp || deletingWith(dep.obj, FOREGROUND_FINALIZER)) this.queue.add(dep.obj.metadata.uid!)
  }

  /** orphanDependents: every dependent loses its reference to the owner, then the `orphan` finalizer comes off. */
  private async orphanDependents(node: GraphNode): Promise<void> {
    const uid = node.obj.metadata.uid!
    for (const dep of this.dependentNodes(uid)) {
      await this.rewrite(dep, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid)
        if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences
      })
    }
    this.log.debug({ object: describe(node) }, 'dependents orphaned: removing the orphan finalizer')
    await this.rewrite(node, (o) => removeFinalizer(o, ORPHAN_FINALIZER))
  }

  /** Changes the current version of an object (read fresh, written with its resourceVersion: a conflict retries). */
  private async rewrite(node: GraphNode, change: (obj: KubeObject) => void): Promise<void> {
    const { obj, resource } = node
    const namespace = obj.metadata.namespace ?? ''
    try {
      const fresh = await this.client.get(resource, namespace, obj.metadata.name!)
      if (fresh.metadata.uid !== obj.metadata.uid) return
      const before = JSON.stringify(fresh.metadata)
      change(fresh)
      if (JSON.stringify(fresh.metadata) === before) return
      await this.client.update(resource, namespace, fresh)
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
    }
  }
}

function removeFinalizer(obj: KubeObject, finalizer: string): void {
  const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer)
  if (rest.length) obj.metadata.finalizers = rest
  else delete obj.metadata.finalizers
}

const describe = (node: GraphNode) => `${node.resource.resource}/${node.obj.metadata.namespace ? `${node.obj.metadata.namespace}/` : ''}${node.obj.metadata.name}`
