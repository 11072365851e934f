/**
 * The storage seam: what the API server needs from etcd, and nothing more (modelled on kine's Backend).
 * Keys follow Kubernetes' layout, `/registry/<resource>/<namespace>/<name>`; values are opaque bytes (JSON);
 * every write returns the store-wide revision that becomes the object's resourceVersion.
 *
 * Two implementations, one contract suite (test/contract/store.contract.ts): EtcdStore and MemoryStore.
 */
export interface KeyValue {
  key: string
  value: Uint8Array
  /** The revision of the write that produced this value: the object's resourceVersion. */
  modRevision: number
  createRevision: number
}

export interface ListOptions {
  /** Read at this revision (a consistent snapshot); 0 or absent = the current revision. */
  revision?: number
  /** At most this many items; 0 or absent = all. */
  limit?: number
  /** Start at this key (inclusive); it must be under the prefix. For paging: the key after the last one returned. */
  startKey?: string
}

export interface ListResult {
  items: KeyValue[]
  /** The revision the list was read at. */
  revision: number
  /** True when more keys under the prefix follow the last returned item. */
  more: boolean
}

export interface StoreEvent {
  type: 'put' | 'delete'
  /** For 'put', the new value; for 'delete', the value just before deletion with modRevision = the delete's revision. */
  kv: KeyValue
  /** The previous value, when there was one. */
  prev?: KeyValue
}

export interface WatchHandler {
  /** Called in revision order, never concurrently. */
  event(ev: StoreEvent): void
  /** Called once when the watch can not continue (CompactedError when fromRevision is compacted away); no events after. */
  error(err: Error): void
}

export interface StoreWatch {
  close(): void
}

export interface Store {
  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined>
  /** Keys under `prefix` in byte order. Throws CompactedError when `revision` was compacted. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>
  /** Counts the keys under a prefix at the current revision. */
  count(prefix: string): Promise<number>
  /** Creates a key that must not exist; returns the revision. Throws KeyExistsError. */
  create(key: string, value: Uint8Array): Promise<number>
  /**
   * Replaces a key whose current modRevision is `expectedModRevision`; returns the new revision.
   * Throws KeyNotFoundError when absent, ConflictError when the revision differs.
   */
  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<number>
  /**
   * Deletes a key; when `expectedModRevision` is given, only if it still has that revision (ConflictError otherwise).
   * Returns the deleted value (with its last modRevision) and the revision of the delete. Throws KeyNotFoundError.
   */
  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }>
  /** Streams every change under `prefix` with a revision > `afterRevision`, in order. */
  watch(prefix: string, afterRevision: number, handler: WatchHandler): Promise<StoreWatch>
  /** The store's current revision (the last committed write). */
  currentRevision(): Promise<number>
  /** Forgets history before `revision`: reads and watches from older revisions then throw CompactedError. */
  compact(revision: number): Promise<void>
  close(): Promise<void>
}

export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`)
    this.name = 'KeyExistsError'
  }
}

export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`)
    this.name = 'KeyNotFoundError'
  }
}

export class ConflictError extends Error {
  constructor(
    readonly key: string,
    readonly actualRevision: number,
  ) {
    super(`revision conflict on ${key}`)
    this.name = 'ConflictError'
  }
}

export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compactRevision: number,
  ) {
    super(`required revision ${requested} has been compacted (compact revision ${compactRevision})`)
    this.name = 'CompactedError'
  }
}

/** The store can not be reached (etcd down): the API answers 503. */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreUnavailableError'
  }
}
