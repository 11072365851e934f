import type { KubeObject } from '../api/meta.ts'
import type { Logger } from '../log/logger.ts'
import type { ApiClient, ClientListOptions, ClientWatch, ResourceId } from './api-client.ts'

export interface InformerHandlers {
  add?(obj: KubeObject): void
  update?(obj: KubeObject, old: KubeObject): void
  delete?(obj: KubeObject): void
}

const RETRY_MIN_MS = 200
const RETRY_MAX_MS = 10_000

/**
 * A local, always-current copy of a selection of objects (client-go's informer): LIST, then WATCH from the
 * list's resourceVersion; when the watch ends (410 after compaction, connection lost) it lists again and
 * reports the difference, so handlers see every object converge even across outages.
 *
 * The objects it holds and hands to handlers are shared (with every handler, and in-process with other informers
 * of the same change): never change them; copy first (jsonClone) — client-go's rule for its caches.
 */
export class Informer {
  private readonly objects = new Map<string, KubeObject>()
  private watch?: ClientWatch
  private stopped = false
  private failures = 0
  private synced!: () => void
  /** Resolves once the first LIST has been delivered to the handlers. */
  readonly hasSynced = new Promise<void>((resolve) => (this.synced = resolve))

  constructor(
    private readonly client: ApiClient,
    private readonly resource: ResourceId,
    private readonly opts: ClientListOptions,
    handlers: InformerHandlers | undefined,
    private readonly log: Logger,
  ) {
    if (handlers) this.handlers.push(handlers)
  }

  private readonly handlers: InformerHandlers[] = []

  /** Adds handlers (several controllers may share one informer); objects already cached are replayed as adds. */
  addHandlers(h: InformerHandlers): void {
    this.handlers.push(h)
    for (const obj of this.objects.values()) h.add?.(obj)
  }

  start(): void {
    void this.run()
  }

  stop(): void {
    this.stopped = true
    this.watch?.close()
  }

  /** The cached objects (do not mutate them). */
  list(): KubeObject[] {
    return [...this.objects.values()]
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(`${namespace}/${name}`)
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const { items, resourceVersion } = await this.client.list(this.resource, this.opts)
        this.replace(items)
        this.synced()
        await new Promise<void>((resolve, reject) => {
          this.client
            .watch(this.resource, { ...this.opts, resourceVersion }, {
              event: (type, obj) => (type === 'DELETED' ? this.remove(obj) : this.upsert(obj)),
              end: (err) => (this.stopped ? resolve() : reject(err)),
            })
            .then((w) => {
              this.watch = w
              this.failures = 0
              if (this.stopped) w.close()
            }, reject)
        })
      } catch (err) {
        if (this.stopped) return
        const delay = Math.min(RETRY_MIN_MS * 2 ** this.failures++, RETRY_MAX_MS)
        this.log.debug({ resource: this.resource.resource, err: (err as Error).message, delay }, 'informer relisting')
        await new Promise((r) => setTimeout(r, delay))
      }
    }
  }

  private key(obj: KubeObject): string {
    return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`
  }

  private upsert(obj: KubeObject): void {
    const key = this.key(obj)
    const old = this.objects.get(key)
    this.objects.set(key, obj)
    for (const h of this.handlers) {
      if (old) h.update?.(obj, old)
      else h.add?.(obj)
    }
  }

  private remove(obj: KubeObject): void {
    const key = this.key(obj)
    if (this.objects.delete(key)) for (const h of this.handlers) h.delete?.(obj)
  }

  /** Makes the cache equal a fresh LIST, reporting adds, updates and deletes. */
  private replace(items: KubeObject[]): void {
    const fresh = new Set<string>()
    for (const obj of items) {
      fresh.add(this.key(obj))
      const old = this.objects.get(this.key(obj))
      if (!old || old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.upsert(obj)
    }
    for (const [key, obj] of this.objects) if (!fresh.has(key)) this.remove(obj)
  }
}
