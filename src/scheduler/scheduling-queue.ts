import type { KubeObject } from '../api/meta.ts'

/** podInitialBackoffDuration and podMaxBackoffDuration of the default scheduler. */
const INITIAL_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 10_000

type Where = 'active' | 'backoff' | 'unschedulable' | 'scheduling'

export interface QueuedPod {
  uid: string
  /** The latest version the informer has shown. */
  pod: KubeObject
  where: Where
  /** Failed attempts so far (they set the back-off). */
  attempts: number
  lastAttempt: number
  readyAt: number
  /** Position among active pods of equal priority: first come, first served. */
  seq: number
}

interface HeapItem {
  uid: string
  priority: number
  seq: number
}

/**
 * The pods waiting for a node (upstream's PriorityQueue, simplified): *active* pods in order of priority, then
 * arrival; pods that failed with an error wait out a back-off (1 s doubling to 10 s); *unschedulable* pods wait
 * until something changes in the cluster (moveAll), and then still their back-off.
 */
export class SchedulingQueue {
  private readonly entries = new Map<string, QueuedPod>()
  private readonly heap: HeapItem[] = []
  private readonly unschedulables = new Set<string>()
  private readonly backoffs = new Set<string>()
  private seq = 0

  /** Called whenever a pod becomes active (the scheduling loop waits on it). */
  constructor(
    private readonly onActive: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size
  }

  has(uid: string): boolean {
    return this.entries.has(uid)
  }

  /** A pod that needs a node, new or updated. An unschedulable pod whose spec or labels changed is tried again. */
  add(pod: KubeObject): void {
    const uid = pod.metadata.uid!
    const entry = this.entries.get(uid)
    if (!entry) {
      const e: QueuedPod = { uid, pod, where: 'active', attempts: 0, lastAttempt: 0, readyAt: 0, seq: 0 }
      this.entries.set(uid, e)
      this.activate(e)
      return
    }
    const old = entry.pod
    entry.pod = pod
    if (entry.where === 'unschedulable' && (old.metadata.generation !== pod.metadata.generation || JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels)))
      this.requeue(entry)
  }

  delete(uid: string): void {
    if (!this.entries.delete(uid)) return
    this.unschedulables.delete(uid)
    this.backoffs.delete(uid)
  }

  /** The next active pod, now being scheduled; undefined when none is active. */
  pop(): QueuedPod | undefined {
    while (this.heap.length) {
      const item = this.popHeap()!
      const e = this.entries.get(item.uid)
      if (!e || e.where !== 'active' || e.seq !== item.seq) continue
      e.where = 'scheduling'
      return e
    }
    return undefined
  }

  /** The pod fits no node: it waits for a change in the cluster. */
  markUnschedulable(uid: string): void {
    const e = this.failed(uid)
    if (!e) return
    e.where = 'unschedulable'
    this.unschedulables.add(uid)
  }

  /** Scheduling or binding failed with an error: try again after the back-off. */
  markBackoff(uid: string): void {
    const e = this.failed(uid)
    if (e) this.toBackoff(e)
  }

  /** Something changed that may let unschedulable pods fit: each is tried again once its back-off has passed. */
  moveAll(): void {
    for (const uid of this.unschedulables) {
      const e = this.entries.get(uid)
      if (e) this.requeue(e)
    }
    this.unschedulables.clear()
  }

  /** Activates pods whose back-off is over (upstream flushes every second). */
  flushBackoff(): void {
    const now = this.now()
    for (const uid of this.backoffs) {
      const e = this.entries.get(uid)
      if (e && e.readyAt <= now) this.activate(e)
    }
  }

  /** Counts by state, for logs and tests. */
  counts(): Record<Where, number> {
    const out: Record<Where, number> = { active: 0, backoff: 0, unschedulable: 0, scheduling: 0 }
    for (const e of this.entries.values()) out[e.where]++
    return out
  }

  private failed(uid: string): QueuedPod | undefined {
    const e = this.entries.get(uid)
    if (!e) return undefined
    e.attempts++
    e.lastAttempt = this.now()
    return e
  }

  private requeue(e: QueuedPod): void {
    this.unschedulables.delete(e.uid)
    if (e.attempts === 0 || e.lastAttempt + backoffMs(e.attempts) <= this.now()) this.activate(e)
    else this.toBackoff(e)
  }

  private toBackoff(e: QueuedPod): void {
    e.where = 'backoff'
    e.readyAt = e.lastAttempt + backoffMs(e.attempts)
    this.backoffs.add(e.uid)
  }

  private activate(e: QueuedPod): void {
    this.unschedulables.delete(e.uid)
    this.backoffs.delete(e.uid)
    e.where = 'active'
    e.seq = ++this.seq
    this.pushHeap({ uid: e.uid, priority: e.pod.spec?.priority ?? 0, seq: e.seq })
    this.onActive()
  }

  /** Higher priority first, then lower seq. */
  private before(a: HeapItem, b: HeapItem): boolean {
    return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq
  }

  private pushHeap(item: HeapItem): void {
    const h = this.heap
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  private popHeap(): HeapItem | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length && last) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }
}

export const backoffMs = (attempts: number): number => Math.min(INITIAL_BACKOFF_MS * 2 ** Math.max(attempts - 1, 0), MAX_BACKOFF_MS)
