import type { LifecycleEvent, ObjectChanged } from './events.ts'

type Listener<T> = (event: T) => void

/**
 * The in-process event bus: confirmed object changes (one topic per storage resource, published only by the
 * watch cache) and component lifecycle. Never commands. Listeners run synchronously, so they must only
 * enqueue work; a listener that throws is isolated from the others.
 */
export class EventBus {
  private readonly objectListeners = new Map<string, Set<Listener<ObjectChanged>>>()
  private readonly lifecycleListeners = new Set<Listener<LifecycleEvent>>()

  publishChange(change: ObjectChanged): void {
    const listeners = this.objectListeners.get(change.resource)
    if (listeners) for (const l of listeners) safeCall(l, change)
  }

  /** Subscribes to the changes of one storage resource; returns the unsubscribe function. */
  onChange(resource: string, listener: Listener<ObjectChanged>): () => void {
    let set = this.objectListeners.get(resource)
    if (!set) this.objectListeners.set(resource, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  publishLifecycle(event: LifecycleEvent): void {
    for (const l of this.lifecycleListeners) safeCall(l, event)
  }

  onLifecycle(listener: Listener<LifecycleEvent>): () => void {
    this.lifecycleListeners.add(listener)
    return () => this.lifecycleListeners.delete(listener)
  }

  /** How many listeners a resource has (for tests and metrics). */
  listenerCount(resource: string): number {
    return this.objectListeners.get(resource)?.size ?? 0
  }
}

function safeCall<T>(listener: Listener<T>, event: T): void {
  try {
    listener(event)
  } catch (err) {
    // A broken subscriber must not stop delivery to the others; it is a bug, so make it visible.
    console.error('event bus listener failed:', err)
  }
}
