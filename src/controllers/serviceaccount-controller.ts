import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import type { EventBus } from '../bus/bus.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import { Controller } from './controller.ts'

const NAMESPACES = core('namespaces')
const SERVICE_ACCOUNTS = core('serviceaccounts')

/** Every active namespace has a `default` ServiceAccount (Kubernetes' serviceaccounts-controller). */
export class ServiceAccountController extends Controller {
  constructor(
    private readonly client: ApiClient,
    private readonly bus: EventBus,
    log: Logger,
  ) {
    super('serviceaccount', log)
  }

  protected async watch(): Promise<void> {
    this.bus.onChange('namespaces', (c) => c.type !== 'DELETED' && this.queue.add(c.object.metadata.name!))
    this.bus.onChange('serviceaccounts', (c) => c.type === 'DELETED' && c.object.metadata.name === 'default' && this.queue.add(c.object.metadata.namespace!))
    const { items } = await this.client.list(NAMESPACES)
    for (const ns of items) this.queue.add(ns.metadata.name!)
  }

  protected async reconcile(namespace: string): Promise<void> {
    try {
      const ns = await this.client.get(NAMESPACES, '', namespace)
      if (ns.metadata.deletionTimestamp) return
      await this.client.get(SERVICE_ACCOUNTS, namespace, 'default')
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
      if (err.details?.kind === 'namespaces') return
      await this.client.create(SERVICE_ACCOUNTS, namespace, { metadata: { name: 'default' } }).catch((e) => {
        // Created meanwhile, or the namespace began terminating: both are fine.
        if (!(e instanceof ApiError && (e.code === 409 || e.code === 403 || e.code === 404))) throw e
      })
    }
  }
}
