/**
 * Per-key exponential back-off (kubelet's flowcontrol.Backoff): 10 s, 20 s, … 300 s; a key quiet for
 * twice the maximum starts again from the beginning. In memory on purpose: like the kubelet's, it only
 * paces retries, and a restarted kubelet may retry once sooner.
 */
export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; until: number; last: number }>()

  constructor(
    private readonly initialMs = 10_000,
    private readonly maxMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Is the key still waiting out its back-off? */
  inBackoff(key: string): boolean {
    const e = this.entries.get(key)
    return e !== undefined && this.now() < e.until
  }

  /** Milliseconds left, 0 when free to go. */
  remaining(key: string): number {
    const e = this.entries.get(key)
    return e ? Math.max(0, e.until - this.now()) : 0
  }

  /** Records a failure: the next attempt waits twice as long as the last (reset after a long quiet spell). */
  next(key: string): void {
    const now = this.now()
    const e = this.entries.get(key)
    const delayMs = !e || now - e.last > 2 * this.maxMs ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs)
    this.entries.set(key, { delayMs, until: now + delayMs, last: now })
  }

  reset(key: string): void {
    this.entries.delete(key)
  }

  /** Forgets every key with this prefix (a deleted pod). */
  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key)
  }
}
