/**
 * The hand-written protobuf of EtcdStore (src/store/etcd-messages.ts) against protobufjs reading and writing the
 * same messages from etcd's .proto definitions (the fields EtcdStore uses, numbered as in etcd's rpc.proto and
 * kv.proto).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import protobuf from 'protobufjs'
import {
  compactionRequest,
  decodeRangeResponse,
  decodeTxnResponse,
  decodeWatchResponse,
  deleteOp,
  exists,
  getOp,
  modRevisionIs,
  putOp,
  rangeRequest,
  txnRequest,
  watchCreateRequest,
} from '../../src/store/etcd-messages.ts'
import { grpcFrame, ProtoReader, type ProtoMessage } from '../../src/store/etcd-rpc.ts'

const { root } = protobuf.parse(
  `
syntax = "proto3";
package etcdserverpb;
message ResponseHeader { uint64 cluster_id = 1; uint64 member_id = 2; int64 revision = 3; uint64 raft_term = 4; }
message KeyValue { bytes key = 1; int64 create_revision = 2; int64 mod_revision = 3; int64 version = 4; bytes value = 5; int64 lease = 6; }
message Event { enum EventType { PUT = 0; DELETE = 1; } EventType type = 1; KeyValue kv = 2; KeyValue prev_kv = 3; }
message RangeRequest { bytes key = 1; bytes range_end = 2; int64 limit = 3; int64 revision = 4; int32 sort_order = 5; int32 sort_target = 6;
  bool serializable = 7; bool keys_only = 8; bool count_only = 9; }
message RangeResponse { ResponseHeader header = 1; repeated KeyValue kvs = 2; bool more = 3; int64 count = 4; }
message PutRequest { bytes key = 1; bytes value = 2; int64 lease = 3; bool prev_kv = 4; }
message PutResponse { ResponseHeader header = 1; }
message DeleteRangeRequest { bytes key = 1; bytes range_end = 2; bool prev_kv = 3; }
message DeleteRangeResponse { ResponseHeader header = 1; int64 deleted = 2; repeated KeyValue prev_kvs = 3; }
message RequestOp { oneof request { RangeRequest request_range = 1; PutRequest request_put = 2; DeleteRangeRequest request_delete_range = 3; } }
message ResponseOp { oneof response { RangeResponse response_range = 1; PutResponse response_put = 2; DeleteRangeResponse response_delete_range = 3; } }
message Compare {
  enum CompareResult { EQUAL = 0; GREATER = 1; LESS = 2; NOT_EQUAL = 3; }
  enum CompareTarget { VERSION = 0; CREATE = 1; MOD = 2; VALUE = 3; LEASE = 4; }
  CompareResult result = 1; CompareTarget target = 2; bytes key = 3;
  oneof target_union { int64 version = 4; int64 create_revision = 5; int64 mod_revision = 6; bytes value = 7; int64 lease = 8; }
  bytes range_end = 64;
}
message TxnRequest { repeated Compare compare = 1; repeated RequestOp success = 2; repeated RequestOp failure = 3; }
message TxnResponse { ResponseHeader header = 1; bool succeeded = 2; repeated ResponseOp responses = 3; }
message CompactionRequest { int64 revision = 1; bool physical = 2; }
message WatchCreateRequest { bytes key = 1; bytes range_end = 2; int64 start_revision = 3; bool progress_notify = 4; bool prev_kv = 6; }
message WatchRequest { oneof request_union { WatchCreateRequest create_request = 1; } }
message WatchResponse { ResponseHeader header = 1; int64 watch_id = 2; bool created = 3; bool canceled = 4; int64 compact_revision = 5;
  string cancel_reason = 6; bool fragment = 7; repeated Event events = 11; }
`,
  { keepCase: true },
)
const type = (name: string) => root.lookupType(`etcdserverpb.${name}`)

/** What protobufjs reads from our encoding (the gRPC frame's 5-byte prefix checked and dropped). */
function decodeOurs(name: string, msg: ProtoMessage): Record<string, any> {
  const frame = grpcFrame(msg)
  assert.equal(frame[0], 0)
  assert.equal(frame.readUInt32BE(1), frame.length - 5)
  const t = type(name)
  return t.toObject(t.decode(frame.subarray(5)), { longs: Number, bytes: String, defaults: false, oneofs: true }) as Record<string, any>
}

const encodeTheirs = (name: string, value: Record<string, unknown>): Buffer => {
  const t = type(name)
  return Buffer.from(t.encode(t.fromObject(value)).finish())
}

const b = (s: string) => Buffer.from(s)
const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('etcd protobuf messages', () => {
  it('encodes a RangeRequest, leaving zero values out', () => {
    assert.deepEqual(decodeOurs('RangeRequest', rangeRequest({ key: b('/a') })), { key: b64('/a') })
    assert.deepEqual(decodeOurs('RangeRequest', rangeRequest({ key: b('/a/'), rangeEnd: b('/a0'), limit: 500, revision: 2 ** 40 + 3 })), {
      key: b64('/a/'),
      range_end: b64('/a0'),
      limit: 500,
      revision: 2 ** 40 + 3,
    })
    assert.deepEqual(decodeOurs('RangeRequest', rangeRequest({ key: b('/p'), countOnly: true })), { key: b64('/p'), count_only: true })
  })

  it('encodes transactions: compares with their revision set even when 0, puts, gets and deletes', () => {
    const k = b('/registry/x')
    const txn = decodeOurs('TxnRequest', txnRequest([exists(k), modRevisionIs(k, 0), modRevisionIs(k, 300)], [putOp(k, b('v'))], [getOp(k)]))
    assert.deepEqual(txn, {
      compare: [
        { result: 1, target: 1, key: b64('/registry/x'), create_revision: 0, target_union: 'create_revision' },
        { result: 0, target: 2, key: b64('/registry/x'), mod_revision: 0, target_union: 'mod_revision' },
        { result: 0, target: 2, key: b64('/registry/x'), mod_revision: 300, target_union: 'mod_revision' },
      ],
      success: [{ request_put: { key: b64('/registry/x'), value: b64('v') }, request: 'request_put' }],
      failure: [{ request_range: { key: b64('/registry/x') }, request: 'request_range' }],
    })
    const del = decodeOurs('TxnRequest', txnRequest([exists(k)], [deleteOp(k)], []))
    assert.deepEqual(del.success, [{ request_delete_range: { key: b64('/registry/x'), prev_kv: true }, request: 'request_delete_range' }])
    // An empty value is written (a put of "" is a put).
    assert.deepEqual(decodeOurs('PutRequest', putOp(k, new Uint8Array())[0]![1] as ProtoMessage), { key: b64('/registry/x'), value: '' })
  })

  it('encodes compaction and watch creation', () => {
    assert.deepEqual(decodeOurs('CompactionRequest', compactionRequest(12345678901, true)), { revision: 12345678901, physical: true })
    assert.deepEqual(decodeOurs('WatchRequest', watchCreateRequest(b('/r/'), b('/r0'), 7)), {
      create_request: { key: b64('/r/'), range_end: b64('/r0'), start_revision: 7, prev_kv: true },
      request_union: 'create_request',
    })
  })

  it('decodes a RangeResponse: keys, values, revisions (beyond 32 bits), more and count; unknown fields skipped', () => {
    const kv = (key: string, value: string, mod: number) => ({ key: b(key), value: b(value), create_revision: 2, mod_revision: mod, version: 1, lease: 0 })
    const res = decodeRangeResponse(
      encodeTheirs('RangeResponse', {
        header: { cluster_id: '18446744073709551615', member_id: 99, revision: 2 ** 33 + 1, raft_term: 4 },
        kvs: [kv('/a', '{"x":1}', 2 ** 33), kv('/é', '', 5)],
        more: true,
        count: 10,
      }),
    )
    assert.equal(res.revision, 2 ** 33 + 1)
    assert.equal(res.more, true)
    assert.equal(res.count, 10)
    assert.deepEqual(
      res.kvs.map((k) => ({ ...k, value: Buffer.from(k.value).toString() })),
      [
        { key: '/a', value: '{"x":1}', modRevision: 2 ** 33, createRevision: 2 },
        { key: '/é', value: '', modRevision: 5, createRevision: 2 },
      ],
    )
    assert.deepEqual(decodeRangeResponse(encodeTheirs('RangeResponse', { header: { revision: 3 } })), { revision: 3, kvs: [], more: false, count: 0 })
  })

  it('decodes a TxnResponse: success, the failed get, and a delete with its previous value', () => {
    const header = { revision: 41 }
    assert.deepEqual(decodeTxnResponse(encodeTheirs('TxnResponse', { header, succeeded: true, responses: [{ response_put: { header } }] })), {
      revision: 41,
      succeeded: true,
      kvs: [],
    })
    const failed = decodeTxnResponse(
      encodeTheirs('TxnResponse', { header, succeeded: false, responses: [{ response_range: { header, kvs: [{ key: b('/k'), mod_revision: 40, create_revision: 9, value: b('v') }], count: 1 } }] }),
    )
    assert.equal(failed.succeeded, false)
    assert.deepEqual({ ...failed.kvs[0]!, value: Buffer.from(failed.kvs[0]!.value).toString() }, { key: '/k', value: 'v', modRevision: 40, createRevision: 9 })
    const missing = decodeTxnResponse(encodeTheirs('TxnResponse', { header, succeeded: false, responses: [{ response_range: { header } }] }))
    assert.deepEqual(missing.kvs, [])
    const deleted = decodeTxnResponse(
      encodeTheirs('TxnResponse', { header, succeeded: true, responses: [{ response_delete_range: { header, deleted: 1, prev_kvs: [{ key: b('/k'), mod_revision: 40, create_revision: 9, value: b('old') }] } }] }),
    )
    assert.equal(Buffer.from(deleted.kvs[0]!.value).toString(), 'old')
    assert.equal(deleted.kvs[0]!.modRevision, 40)
  })

  it('decodes WatchResponses: created, canceled by compaction, and put and delete events with previous values', () => {
    const decode = (v: Record<string, unknown>) => {
      const buf = encodeTheirs('WatchResponse', v)
      return decodeWatchResponse(buf, 0, buf.length)
    }
    assert.deepEqual(decode({ header: { revision: 5 }, watch_id: 0, created: true }), { created: true, canceled: false, compactRevision: 0, cancelReason: '', events: [] })
    assert.deepEqual(decode({ header: { revision: 9 }, canceled: true, compact_revision: 7 }), { created: false, canceled: true, compactRevision: 7, cancelReason: '', events: [] })
    assert.equal(decode({ canceled: true, cancel_reason: 'etcdserver: permission denied' }).cancelReason, 'etcdserver: permission denied')
    const res = decode({
      header: { revision: 12 },
      events: [
        { type: 0, kv: { key: b('/a'), value: b('1'), mod_revision: 11, create_revision: 11 } },
        { type: 0, kv: { key: b('/a'), value: b('2'), mod_revision: 12, create_revision: 11 }, prev_kv: { key: b('/a'), value: b('1'), mod_revision: 11, create_revision: 11 } },
        { type: 1, kv: { key: b('/a'), mod_revision: 13 }, prev_kv: { key: b('/a'), value: b('2'), mod_revision: 12, create_revision: 11 } },
      ],
    })
    const text = (v: Uint8Array) => Buffer.from(v).toString()
    assert.deepEqual(
      res.events.map((e) => [e.type, e.kv.key, text(e.kv.value), e.kv.modRevision, e.prev && text(e.prev.value)]),
      [
        ['put', '/a', '1', 11, undefined],
        ['put', '/a', '2', 12, '1'],
        ['delete', '/a', '', 13, '2'],
      ],
    )
  })

  it('reads varints up to 2^53 and skips fixed-width fields', () => {
    // field 1 varint 2^53 - 1, field 2 fixed64, field 3 fixed32, field 4 varint 1
    const buf = Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1d, 1, 2, 3, 4, 0x20, 0x01])
    const r = new ProtoReader(buf, 0, buf.length)
    const seen: [number, number][] = []
    while (r.next()) {
      if (r.wire === 0) seen.push([r.no, r.int()])
      else r.skip()
    }
    assert.deepEqual(seen, [
      [1, Number.MAX_SAFE_INTEGER],
      [4, 1],
    ])
    assert.throws(() => decodeRangeResponse(Buffer.from([0x12, 0x05, 0x0a])), /truncated/)
  })
})
