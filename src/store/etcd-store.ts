/**
 * Store on etcd v3, through etcd's raw KV and Watch RPCs (etcd-rpc.ts: gRPC over node:http2, hand-written protobuf).
 *
 * Writes are single transactions of kine's shape, so every check-and-set is atomic on the server:
 *   create: if mod_revision(key) == 0                       then put
 *   update: if create_revision(key) > 0 && mod_revision == expected then put    else get (to tell why)
 *   delete: if create_revision(key) > 0 [&& mod_revision == expected] then delete(prev_kv) else get
 * The `create_revision > 0` guard matters: etcd compares a missing key as revision 0, so `mod_revision == 0`
 * alone would let update(key, v, 0) create a key.
 */
import {
  compactionRequest,
  decodeRangeResponse,
  decodeTxnResponse,
  deleteOp,
  exists,
  getOp,
  KV_COMPACT,
  KV_RANGE,
  KV_TXN,
  modRevisionIs,
  putOp,
  rangeRequest,
  txnRequest,
  type RangeRequest,
  type TxnResponse,
} from './etcd-messages.ts'
import { EtcdRpc, EtcdRpcError, type ProtoMessage } from './etcd-rpc.ts'
import { openWatch, probeCompactRevision } from './etcd-watch.ts'
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  KeyNotFoundError,
  StoreUnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreWatch,
  type WatchHandler,
} from './store.ts'

export interface EtcdStoreOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379`. */
  endpoints: string[]
  /** Deadline of each unary call (watch streams have none); default 15 s. */
  requestTimeoutMs?: number
}

export class EtcdStore implements Store {
  private readonly rpc: EtcdRpc
  private readonly watches = new Set<StoreWatch>()

  constructor(opts: EtcdStoreOptions) {
    // Without a deadline a black-holed etcd hangs requests forever instead of turning into a 503 (watch streams
    // have none).
    this.rpc = new EtcdRpc({ endpoints: opts.endpoints, requestTimeoutMs: opts.requestTimeoutMs ?? 15_000 })
  }

  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const res = await this.range({ key: Buffer.from(key), revision: opts.revision }, opts.revision)
    return res.kvs[0]
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const start = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix
    // No sort options: etcd returns a range in ascending key (byte) order already, and asking it to sort can make
    // it read the whole range before applying the limit. `more` is etcd's own "count > returned".
    const res = await this.range({ key: Buffer.from(start), rangeEnd: prefixEnd(prefix), revision: opts.revision, limit: opts.limit }, opts.revision)
    return {
      items: res.kvs,
      // The header carries the current revision even for a historical read; the snapshot is the one asked for.
      revision: opts.revision || res.revision,
      more: res.more,
    }
  }

  async count(prefix: string): Promise<number> {
    const res = await this.range({ key: Buffer.from(prefix), rangeEnd: prefixEnd(prefix), countOnly: true })
    return res.count
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    const k = Buffer.from(key)
    const res = await this.txn(txnRequest([modRevisionIs(k, 0)], [putOp(k, value)], []))
    if (!res.succeeded) throw new KeyExistsError(key)
    return res.revision
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number): Promise<number> {
    const k = Buffer.from(key)
    const res = await this.txn(txnRequest([exists(k), modRevisionIs(k, expectedModRevision)], [putOp(k, value)], [getOp(k)]))
    if (!res.succeeded) throw whyFailed(key, res)
    return res.revision
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    const k = Buffer.from(key)
    const compare = [exists(k)]
    if (expectedModRevision !== undefined) compare.push(modRevisionIs(k, expectedModRevision))
    const res = await this.txn(txnRequest(compare, [deleteOp(k)], [getOp(k)]))
    if (!res.succeeded) throw whyFailed(key, res)
    const prev = res.kvs[0]
    if (!prev) throw new Error(`etcd deleted ${key} without returning its previous value`)
    return { prev, revision: res.revision }
  }

  async watch(prefix: string, afterRevision: number, handler: WatchHandler): Promise<StoreWatch> {
    let ended = false
    let handle: StoreWatch | undefined
    const w = await this.call(() =>
      openWatch(this.rpc, { key: Buffer.from(prefix), end: prefixEnd(prefix) }, afterRevision, {
        event: (ev) => handler.event(ev),
        error: (err) => {
          ended = true
          if (handle) this.watches.delete(handle)
          handler.error(err)
        },
      }),
    )
    handle = {
      close: () => {
        this.watches.delete(handle!)
        w.close()
      },
    }
    // Track it so close() can cancel the stream; a watch that already failed has nothing left to cancel.
    if (!ended) this.watches.add(handle)
    return handle
  }

  async currentRevision(): Promise<number> {
    // A count-only range of one key: no data moves, and a linearizable read's header is the latest revision.
    const res = await this.range({ key: Buffer.from('/kubebox/revision-probe'), countOnly: true })
    return res.revision
  }

  async compact(revision: number): Promise<void> {
    try {
      // physical: resolve only once the history is really gone from the backend, not merely scheduled for removal.
      await this.rpc.unary(KV_COMPACT, compactionRequest(revision, true))
    } catch (err) {
      if (isCompacted(err)) return // already compacted at or past `revision`: nothing left to forget
      throw await this.mapError(err)
    }
  }

  async close(): Promise<void> {
    for (const w of [...this.watches]) w.close()
    this.rpc.close()
  }

  private range(req: RangeRequest, requestedRevision?: number) {
    return this.call(async () => decodeRangeResponse(await this.rpc.unary(KV_RANGE, rangeRequest(req), true)), requestedRevision)
  }

  private txn(req: ProtoMessage): Promise<TxnResponse> {
    return this.call(async () => decodeTxnResponse(await this.rpc.unary(KV_TXN, req)))
  }

  /** Runs one etcd call, translating its errors into the Store's. */
  private async call<T>(fn: () => Promise<T>, requestedRevision?: number): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw await this.mapError(err, requestedRevision)
    }
  }

  private async mapError(err: unknown, requestedRevision = 0): Promise<unknown> {
    if (!(err instanceof Error)) return err
    if (isCompacted(err)) return new CompactedError(requestedRevision, await probeCompactRevision(this.rpc))
    // No connection, connection refused or dropped, a deadline, a closed client; etcd's own "no leader" and
    // "too many requests" are UNAVAILABLE too.
    if (err instanceof EtcdRpcError && err.unavailable) return new StoreUnavailableError(`etcd unavailable: ${err.message}`)
    return err
  }
}

/** etcd's ErrCompacted (gRPC OUT_OF_RANGE), told apart from ErrFutureRev by message. */
function isCompacted(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted')
}

/** Why a guarded write failed, from the `get` in its failure branch. */
function whyFailed(key: string, res: TxnResponse): Error {
  const current = res.kvs[0]
  return current ? new ConflictError(key, current.modRevision) : new KeyNotFoundError(key)
}

/** The end of etcd's range for a prefix: the prefix with its last byte below 0xff incremented. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1
      return end.subarray(0, i + 1)
    }
  }
  return Buffer.from([0]) // no upper bound: etcd reads "\0" as "to the end of the keyspace"
}
