/**
 * etcd watches for EtcdStore, on the raw Watch RPC rather than etcd3's Watcher.
 *
 * Why not etcd3 1.1.2's Watcher (`client.watch().prefix(p).startRevision(r).withPreviousKV().create()`):
 *  - it reports a compacted start revision as `EtcdError("Watcher canceled: ")`: etcd's cancel response carries
 *    `compact_revision` and an empty `cancel_reason`, and the Watcher drops the former, so the caller cannot build
 *    a CompactedError (nor tell compaction from any other cancel without matching an empty message);
 *  - it reconnects silently after a stream error and resumes from `header.revision + 1` of the last response it
 *    saw, and the creation response counts: a connection lost while history is still being replayed resumes past
 *    events that were never delivered. A Kubernetes watch must rather fail loudly so the client re-lists.
 * So each StoreWatch owns one gRPC Watch stream (multiplexed on the client's HTTP/2 connection) with one watcher;
 * any stream failure ends it with StoreUnavailableError.
 */
import type { Etcd3, IEvent, IKeyValue, IWatchResponse } from 'etcd3'
import {
  CompactedError,
  StoreUnavailableError,
  type KeyValue,
  type StoreEvent,
  type StoreWatch,
  type WatchHandler,
} from './store.ts'

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value,
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  }
}

function toEvent(ev: IEvent): StoreEvent {
  const prev = ev.prev_kv ? toKeyValue(ev.prev_kv) : undefined
  if (ev.type === 'Put') return prev ? { type: 'put', kv: toKeyValue(ev.kv), prev } : { type: 'put', kv: toKeyValue(ev.kv) }
  // etcd's delete event kv is a bare tombstone (key + the delete's mod_revision); the contract wants the last value
  // stamped with the delete's revision, which is what prev_kv (requested on every watch) provides.
  const kv: KeyValue = {
    key: ev.kv.key.toString(),
    value: prev?.value ?? new Uint8Array(),
    modRevision: Number(ev.kv.mod_revision),
    createRevision: prev?.createRevision ?? 0,
  }
  return prev ? { type: 'delete', kv, prev } : { type: 'delete', kv }
}

/**
 * Watches [key, end) (or the single key when `end` is absent) from `afterRevision + 1`, with previous values.
 * Resolves once etcd confirms the watch; from then on every failure goes to `handler.error`, exactly once.
 */
export async function openWatch(
  client: Etcd3,
  range: { key: Buffer; end?: Buffer },
  afterRevision: number,
  handler: WatchHandler,
): Promise<StoreWatch> {
  const stream = await client.watchClient.watch()
  return new Promise<StoreWatch>((resolve, reject) => {
    let created = false
    let done = false
    const stop = (err?: Error) => {
      if (done) return
      done = true
      stream.cancel() // its CANCELLED 'error' event is then ignored: done is set
      if (!err) return
      if (created) handler.error(err)
      else reject(err)
    }
    stream.on('data', (res: IWatchResponse) => {
      if (done) return
      if (res.canceled) {
        // Compaction arrives as a cancel after the created response, with compact_revision set and no reason.
        const compactRevision = Number(res.compact_revision)
        if (compactRevision > 0) return stop(new CompactedError(afterRevision, compactRevision))
        return stop(new Error(`etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`))
      }
      if (res.created) {
        created = true
        return resolve({ close: () => stop() })
      }
      for (const ev of res.events) {
        try {
          handler.event(toEvent(ev))
        } catch (err) {
          // A handler that throws cannot keep up with the stream: end the watch rather than skip the event.
          return stop(err instanceof Error ? err : new Error(String(err)))
        }
        if (done) return // the handler closed the watch
      }
    })
    stream.on('error', (err: Error) => stop(new StoreUnavailableError(`etcd watch stream failed: ${err.message}`)))
    stream.on('end', () => stop(new StoreUnavailableError('etcd ended the watch stream')))
    stream.write({
      create_request: { key: range.key, range_end: range.end, start_revision: afterRevision + 1, prev_kv: true },
    })
  })
}

const PROBE_KEY = Buffer.from('/kubebox/compact-revision-probe')

/**
 * etcd's current compact revision, or 0 when it cannot tell. etcd has no cheap RPC for it (HashKV reports it but
 * hashes the whole keyspace), but a watch from revision 1 is cancelled straight away with `compact_revision` once
 * anything was compacted; etcd checks that before scanning any history. Only used after a "compacted" error.
 */
export function probeCompactRevision(client: Etcd3, timeoutMs = 2000): Promise<number> {
  return new Promise(resolve => {
    let settled = false
    let watch: StoreWatch | undefined
    const finish = (rev: number) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      watch?.close()
      resolve(rev)
    }
    const timer = setTimeout(() => finish(0), timeoutMs)
    openWatch(client, { key: PROBE_KEY }, 0, {
      event: () => {},
      error: err => finish(err instanceof CompactedError ? err.compactRevision : 0),
    }).then(
      w => (settled ? w.close() : (watch = w)),
      () => finish(0),
    )
  })
}
