/** How long unmet expectations hold a controller back before it looks again anyway (ExpectationsTimeout). */
const TTL_MS = 5 * 60_000

interface Record {
  adds: number
  deletes: Set<string>
  since: number
}

/**
 * client-go's ControllerExpectations: what a controller has asked for (pods created, pods deleted) and not yet seen
 * in its informer. Until the cache has caught up, a sync must not create or delete again, or a burst of creates
 * would be duplicated: the pods just created are not in the cache yet.
 */
export class Expectations {
  private readonly records = new Map<string, Record>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Has the informer seen everything asked for (or did the wait time out)? Keys never seen are satisfied. */
  satisfied(key: string): boolean {
    const r = this.records.get(key)
    if (!r) return true
    return (r.adds <= 0 && r.deletes.size === 0) || this.now() - r.since > TTL_MS
  }

  expectCreations(key: string, count: number): void {
    this.records.set(key, { adds: count, deletes: new Set(), since: this.now() })
  }

  creationObserved(key: string): void {
    const r = this.records.get(key)
    if (r) r.adds--
  }

  /** Deletions are tracked by the deleted objects' keys, so that seeing one twice (marked, then gone) counts once. */
  expectDeletions(key: string, objectKeys: string[]): void {
    this.records.set(key, { adds: 0, deletes: new Set(objectKeys), since: this.now() })
  }

  deletionObserved(key: string, objectKey: string): void {
    this.records.get(key)?.deletes.delete(objectKey)
  }

  forget(key: string): void {
    this.records.delete(key)
  }
}
