import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import type { EventBus } from '../bus/bus.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import { Controller, type Result } from './controller.ts'

const NAMESPACES = core('namespaces')
/** How soon to look again while objects in a terminating namespace are still going away (graceful pods). */
const RECHECK_MS = 1000

/**
 * Namespace lifecycle: a namespace marked for deletion is emptied (every namespaced kind, deleted as a
 * client would), then its `kubernetes` finalizer is removed through /finalize, which lets the registry
 * remove it — Kubernetes' namespace controller.
 */
export class NamespaceController extends Controller {
  constructor(
    private readonly client: ApiClient,
    private readonly bus: EventBus,
    log: Logger,
  ) {
    super('namespace', log)
  }

  protected async watch(): Promise<void> {
    this.bus.onChange('namespaces', (c) => c.object.metadata.deletionTimestamp && this.queue.add(c.object.metadata.name!))
    const { items } = await this.client.list(NAMESPACES)
    for (const ns of items) if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!)
  }

  protected async reconcile(name: string): Promise<Result | void> {
    let ns
    try {
      ns = await this.client.get(NAMESPACES, '', name)
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return
      throw err
    }
    if (!ns.metadata.deletionTimestamp) return
    const kinds = (await this.client.discover()).filter((r) => r.namespaced && r.verbs.includes('deletecollection'))
    let remaining = 0
    for (const kind of kinds) {
      await this.client.deleteCollection(kind, { namespace: name })
      remaining += (await this.client.list(kind, { namespace: name })).items.length
    }
    if (remaining > 0) return { requeueAfterMs: RECHECK_MS }
    const finalizers: string[] = ns.spec?.finalizers ?? []
    if (finalizers.includes('kubernetes')) {
      ns.spec = { ...ns.spec, finalizers: finalizers.filter((f) => f !== 'kubernetes') }
      await this.client.update(NAMESPACES, '', ns, 'finalize')
      this.log.info({ namespace: name }, 'namespace emptied and finalized')
    }
  }
}
