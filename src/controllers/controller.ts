import type { Logger } from '../log/logger.ts'
import { WorkQueue } from './work-queue.ts'

/** What a reconcile asks for next: nothing, or another look after a while. */
export interface Result {
  requeueAfterMs?: number
}

/**
 * A level-based controller (controller-runtime's shape): event sources only enqueue keys; `reconcile`
 * reads the current state and converges it, so a missed or repeated event changes nothing. A thrown
 * error retries the key with back-off.
 */
export abstract class Controller {
  protected readonly queue = new WorkQueue()
  private readonly workers: Promise<void>[] = []
  protected readonly log: Logger

  constructor(
    readonly name: string,
    log: Logger,
    private readonly concurrency = 1,
  ) {
    this.log = log.child({ controller: name })
  }

  /** Subscribes to its sources and enqueues what exists now; called once by start(). */
  protected abstract watch(): Promise<void>
  protected abstract reconcile(key: string): Promise<Result | void>

  async start(): Promise<void> {
    await this.watch()
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.work())
  }

  stop(): void {
    this.queue.stop()
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.next(); key !== undefined; key = await this.queue.next()) {
      try {
        const result = await this.reconcile(key)
        this.queue.forget(key)
        if (result?.requeueAfterMs) this.queue.addAfter(key, result.requeueAfterMs)
      } catch (err) {
        this.log.warn({ key, err: (err as Error).message }, 'reconcile failed; retrying')
        this.queue.addRateLimited(key)
      } finally {
        this.queue.done(key)
      }
    }
  }
}
