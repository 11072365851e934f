import type { KubeObject } from '../api/meta.ts'
import type { Informer } from '../client/informer.ts'

type Bucket = Map<string, KubeObject>

const keyOf = (obj: KubeObject) => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`

/** One index per informer, however many controllers use it. */
const shared = new WeakMap<Informer, ObjectIndex>()

/**
 * Secondary indexes over a shared informer's cache (client-go's Indexer): objects by namespace, by the uid of each
 * owner they name, and the namespace's objects without a controller. A ReplicaSet of 1,000 pods then looks at its
 * own pods, not at every pod of the cluster. The objects are the informer's: never mutate them.
 *
 * Shared like the informer (ObjectIndex.for): four controllers look at pods, and keeping four copies of the same
 * indexes up to date cost four times the work on every pod change.
 */
export class ObjectIndex {
  private readonly byNamespace = new Map<string, Bucket>()
  private readonly byOwner = new Map<string, Bucket>()
  private readonly orphansByNamespace = new Map<string, Bucket>()
  private readonly current = new Map<string, KubeObject>()

  /**
   * The index of an informer. Call it before adding the controller's own handlers: the index is registered first
   * (when it is created), so it is current when they run.
   */
  static for(informer: Informer): ObjectIndex {
    let index = shared.get(informer)
    if (!index) shared.set(informer, (index = new ObjectIndex(informer)))
    return index
  }

  private constructor(readonly informer: Informer) {
    informer.addHandlers({ add: (o) => this.put(o), update: (o) => this.put(o), delete: (o) => this.drop(o) })
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.current.get(`${namespace}/${name}`)
  }

  inNamespace(namespace: string): KubeObject[] {
    return [...(this.byNamespace.get(namespace)?.values() ?? [])]
  }

  /** Objects with an ownerReference (controller or not) to `uid`. */
  ownedBy(uid: string): KubeObject[] {
    return [...(this.byOwner.get(uid)?.values() ?? [])]
  }

  /** Objects of the namespace that no controller owns: the ones a controller may adopt. */
  orphansIn(namespace: string): KubeObject[] {
    return [...(this.orphansByNamespace.get(namespace)?.values() ?? [])]
  }

  all(): IterableIterator<KubeObject> {
    return this.current.values()
  }

  private put(obj: KubeObject): void {
    const key = keyOf(obj)
    const old = this.current.get(key)
    if (old) this.unindex(key, old)
    this.current.set(key, obj)
    const ns = obj.metadata.namespace ?? ''
    bucket(this.byNamespace, ns).set(key, obj)
    const refs = obj.metadata.ownerReferences ?? []
    for (const ref of refs) bucket(this.byOwner, ref.uid).set(key, obj)
    if (!refs.some((r) => r.controller)) bucket(this.orphansByNamespace, ns).set(key, obj)
  }

  private drop(obj: KubeObject): void {
    const key = keyOf(obj)
    const old = this.current.get(key)
    if (!old) return
    this.unindex(key, old)
    this.current.delete(key)
  }

  private unindex(key: string, old: KubeObject): void {
    const ns = old.metadata.namespace ?? ''
    remove(this.byNamespace, ns, key)
    remove(this.orphansByNamespace, ns, key)
    for (const ref of old.metadata.ownerReferences ?? []) remove(this.byOwner, ref.uid, key)
  }
}

function bucket(map: Map<string, Bucket>, key: string): Bucket {
  let b = map.get(key)
  if (!b) map.set(key, (b = new Map()))
  return b
}

function remove(map: Map<string, Bucket>, key: string, objectKey: string): void {
  const b = map.get(key)
  if (b?.delete(objectKey) && b.size === 0) map.delete(key)
}
