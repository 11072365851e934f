/**
 * A work queue of keys (client-go's workqueue): a key queued many times is processed once; a key is never
 * processed by two workers at once; failures are retried with per-key exponential back-off.
 */
export class WorkQueue {
  private readonly queued = new Set<string>()
  private readonly processing = new Set<string>()
  /** Keys queued again while being processed: run once more afterwards. */
  private readonly dirty = new Set<string>()
  private readonly failures = new Map<string, number>()
  private readonly timers = new Set<NodeJS.Timeout>()
  /** Workers waiting for a key (several workers may share one queue). */
  private readonly waiters = new Set<() => void>()
  private stopped = false

  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 30_000,
  ) {}

  add(key: string): void {
    if (this.stopped) return
    if (this.processing.has(key)) {
      this.dirty.add(key)
      return
    }
    this.queued.add(key)
    this.wakeOne()
  }

  addAfter(key: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.add(key)
    }, delayMs)
    timer.unref()
    this.timers.add(timer)
  }

  /** Re-queues a failed key after a back-off that doubles with each consecutive failure. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0
    this.failures.set(key, n + 1)
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs))
  }

  forget(key: string): void {
    this.failures.delete(key)
  }

  /** The next key, waiting until there is one; undefined once stopped. */
  async next(): Promise<string | undefined> {
    while (!this.stopped) {
      const key = this.queued.values().next().value
      if (key !== undefined) {
        this.queued.delete(key)
        this.processing.add(key)
        return key
      }
      await new Promise<void>((resolve) => this.waiters.add(resolve))
    }
    return undefined
  }

  done(key: string): void {
    this.processing.delete(key)
    if (this.dirty.delete(key)) this.add(key)
  }

  stop(): void {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    for (const wake of this.waiters) wake()
    this.waiters.clear()
  }

  private wakeOne(): void {
    const wake = this.waiters.values().next().value
    if (wake) {
      this.waiters.delete(wake)
      wake()
    }
  }
}
