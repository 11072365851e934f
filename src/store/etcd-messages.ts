/**
 * The etcd v3 protobuf messages EtcdStore sends and reads (etcd's api/etcdserverpb/rpc.proto and
 * api/mvccpb/kv.proto), encoded and decoded by hand on etcd-rpc.ts' wire helpers. Field numbers are the .proto's.
 */
import type { KeyValue } from './store.ts'
import { ProtoReader, type ProtoMessage } from './etcd-rpc.ts'

export const KV_RANGE = '/etcdserverpb.KV/Range'
export const KV_TXN = '/etcdserverpb.KV/Txn'
export const KV_COMPACT = '/etcdserverpb.KV/Compact'
export const WATCH = '/etcdserverpb.Watch/Watch'

// -------------------------------------------------------------------------------------------------------------
// Requests

export interface RangeRequest {
  key: Uint8Array
  rangeEnd?: Uint8Array
  limit?: number
  revision?: number
  countOnly?: boolean
}

/** RangeRequest: key 1, range_end 2, limit 3, revision 4, count_only 9 (zero values left out, as proto3 does). */
export const rangeRequest = (r: RangeRequest): ProtoMessage => [
  [1, r.key],
  [2, r.rangeEnd],
  [3, r.limit || undefined],
  [4, r.revision || undefined],
  [9, r.countOnly || undefined],
]

/** Compare.CompareResult and Compare.CompareTarget. */
const EQUAL = 0
const GREATER = 1
const TARGET_CREATE = 1
const TARGET_MOD = 2

/** Compare: result 1, target 2, key 3, create_revision 5 / mod_revision 6 (the target_union, set even when 0). */
export const modRevisionIs = (key: Uint8Array, rev: number): ProtoMessage => [
  [1, EQUAL],
  [2, TARGET_MOD],
  [3, key],
  [6, rev],
]

/** The key exists: create_revision > 0 (a missing key compares as revision 0). */
export const exists = (key: Uint8Array): ProtoMessage => [
  [1, GREATER],
  [2, TARGET_CREATE],
  [3, key],
  [5, 0],
]

/** RequestOp.request_put (2): PutRequest key 1, value 2. */
export const putOp = (key: Uint8Array, value: Uint8Array): ProtoMessage => [[2, [[1, key], [2, value]]]]
/** RequestOp.request_range (1): a get of one key. */
export const getOp = (key: Uint8Array): ProtoMessage => [[1, [[1, key]]]]
/** RequestOp.request_delete_range (3): DeleteRangeRequest key 1, prev_kv 3. */
export const deleteOp = (key: Uint8Array): ProtoMessage => [[3, [[1, key], [3, true]]]]

/** TxnRequest: compare 1, success 2, failure 3 (repeated). */
export function txnRequest(compare: ProtoMessage[], success: ProtoMessage[], failure: ProtoMessage[]): ProtoMessage {
  const fields: [number, ProtoMessage][] = []
  for (const c of compare) fields.push([1, c])
  for (const op of success) fields.push([2, op])
  for (const op of failure) fields.push([3, op])
  return fields
}

/** CompactionRequest: revision 1, physical 2. */
export const compactionRequest = (revision: number, physical: boolean): ProtoMessage => [
  [1, revision],
  [2, physical || undefined],
]

/** WatchRequest.create_request (1): WatchCreateRequest key 1, range_end 2, start_revision 3, prev_kv 6. */
export const watchCreateRequest = (key: Uint8Array, rangeEnd: Uint8Array | undefined, startRevision: number): ProtoMessage => [
  [1, [[1, key], [2, rangeEnd], [3, startRevision || undefined], [6, true]]],
]

// -------------------------------------------------------------------------------------------------------------
// Responses

const EMPTY = new Uint8Array()

/** Field `no` of wire type varint (0) or length-delimited (2): what every field read here is. */
const VARINT = 0
const LEN = 2

/** mvccpb.KeyValue: key 1, create_revision 2, mod_revision 3, value 5; the value is a view of `buf`. */
export function decodeKeyValue(buf: Buffer, start: number, end: number): KeyValue {
  const kv: KeyValue = { key: '', value: EMPTY, modRevision: 0, createRevision: 0 }
  const r = new ProtoReader(buf, start, end)
  while (r.next()) {
    if (r.no === 1 && r.wire === LEN) kv.key = r.string()
    else if (r.no === 2 && r.wire === VARINT) kv.createRevision = r.int()
    else if (r.no === 3 && r.wire === VARINT) kv.modRevision = r.int()
    else if (r.no === 5 && r.wire === LEN) {
      r.bytes()
      kv.value = buf.subarray(r.from, r.to)
    } else r.skip()
  }
  return kv
}

/** ResponseHeader.revision (3), of the header field the reader is at. */
function headerRevision(outer: ProtoReader): number {
  outer.bytes()
  const r = new ProtoReader(outer.buf, outer.from, outer.to)
  let revision = 0
  while (r.next()) {
    if (r.no === 3 && r.wire === VARINT) revision = r.int()
    else r.skip()
  }
  return revision
}

export interface RangeResponse {
  revision: number
  kvs: KeyValue[]
  more: boolean
  count: number
}

/** RangeResponse: header 1, kvs 2, more 3, count 4. */
export function decodeRangeResponse(buf: Buffer, start = 0, end = buf.length): RangeResponse {
  const res: RangeResponse = { revision: 0, kvs: [], more: false, count: 0 }
  const r = new ProtoReader(buf, start, end)
  while (r.next()) {
    if (r.no === 1 && r.wire === LEN) res.revision = headerRevision(r)
    else if (r.no === 2 && r.wire === LEN) {
      r.bytes()
      res.kvs.push(decodeKeyValue(buf, r.from, r.to))
    } else if (r.no === 3 && r.wire === VARINT) res.more = r.bool()
    else if (r.no === 4 && r.wire === VARINT) res.count = r.int()
    else r.skip()
  }
  return res
}

export interface TxnResponse {
  revision: number
  succeeded: boolean
  /** The kvs of the first response op: a range's, or a delete's prev_kvs. */
  kvs: KeyValue[]
}

/** TxnResponse: header 1, succeeded 2, responses 3; of the first ResponseOp, response_range (1) or
 * response_delete_range (3) and their KeyValues (RangeResponse.kvs 2, DeleteRangeResponse.prev_kvs 3). */
export function decodeTxnResponse(buf: Buffer): TxnResponse {
  const res: TxnResponse = { revision: 0, succeeded: false, kvs: [] }
  let first = true
  const r = new ProtoReader(buf, 0, buf.length)
  while (r.next()) {
    if (r.no === 1 && r.wire === LEN) res.revision = headerRevision(r)
    else if (r.no === 2 && r.wire === VARINT) res.succeeded = r.bool()
    else if (r.no === 3 && r.wire === LEN && first) {
      first = false
      r.bytes()
      const op = new ProtoReader(buf, r.from, r.to)
      while (op.next()) {
        if (op.wire !== LEN || (op.no !== 1 && op.no !== 3)) {
          op.skip()
          continue
        }
        op.bytes()
        // RangeResponse.kvs and DeleteRangeResponse.prev_kvs: fields 2 and 3 of their messages.
        const kvsField = op.no === 1 ? 2 : 3
        const inner = new ProtoReader(buf, op.from, op.to)
        while (inner.next()) {
          if (inner.no === kvsField && inner.wire === LEN) {
            inner.bytes()
            res.kvs.push(decodeKeyValue(buf, inner.from, inner.to))
          } else inner.skip()
        }
      }
    } else r.skip()
  }
  return res
}

export interface WatchEvent {
  type: 'put' | 'delete'
  kv: KeyValue
  prev?: KeyValue
}

export interface WatchResponse {
  created: boolean
  canceled: boolean
  compactRevision: number
  cancelReason: string
  events: WatchEvent[]
}

/** WatchResponse: created 3, canceled 4, compact_revision 5, cancel_reason 6, events 11 (mvccpb.Event: type 1
 * (PUT 0, DELETE 1), kv 2, prev_kv 3). */
export function decodeWatchResponse(buf: Buffer, start: number, end: number): WatchResponse {
  const res: WatchResponse = { created: false, canceled: false, compactRevision: 0, cancelReason: '', events: [] }
  const r = new ProtoReader(buf, start, end)
  while (r.next()) {
    if (r.no === 3 && r.wire === VARINT) res.created = r.bool()
    else if (r.no === 4 && r.wire === VARINT) res.canceled = r.bool()
    else if (r.no === 5 && r.wire === VARINT) res.compactRevision = r.int()
    else if (r.no === 6 && r.wire === LEN) res.cancelReason = r.string()
    else if (r.no === 11 && r.wire === LEN) {
      r.bytes()
      const e = new ProtoReader(buf, r.from, r.to)
      const ev: WatchEvent = { type: 'put', kv: { key: '', value: EMPTY, modRevision: 0, createRevision: 0 } }
      while (e.next()) {
        if (e.no === 1 && e.wire === VARINT) ev.type = e.int() === 1 ? 'delete' : 'put'
        else if ((e.no === 2 || e.no === 3) && e.wire === LEN) {
          const no = e.no
          e.bytes()
          const kv = decodeKeyValue(buf, e.from, e.to)
          if (no === 2) ev.kv = kv
          else ev.prev = kv
        } else e.skip()
      }
      res.events.push(ev)
    } else r.skip()
  }
  return res
}
