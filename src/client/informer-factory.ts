import type { Logger } from '../log/logger.ts'
import type { ApiClient, ResourceId } from './api-client.ts'
import { Informer } from './informer.ts'

/**
 * One informer per resource, shared by every in-process controller (client-go's SharedInformerFactory):
 * 10,000 pods are listed and watched once, however many controllers look at them.
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer>()

  constructor(
    private readonly client: ApiClient,
    private readonly log: Logger,
  ) {}

  /** The shared informer of a resource across all namespaces (started on first use). */
  for(r: ResourceId): Informer {
    const key = `${r.group}/${r.version}/${r.resource}`
    let informer = this.informers.get(key)
    if (!informer) {
      informer = new Informer(this.client, r, {}, undefined, this.log)
      this.informers.set(key, informer)
      informer.start()
    }
    return informer
  }

  /** Resolves when every informer handed out so far has its first list. */
  async synced(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.hasSynced))
  }

  stop(): void {
    for (const i of this.informers.values()) i.stop()
  }
}
