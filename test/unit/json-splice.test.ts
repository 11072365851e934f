/**
 * Serving stored JSON as it is: which stored values can be spliced, that a spliced LIST item is the decoded object
 * (apiVersion, kind and resourceVersion as fromStorage and decodeObject set them), chunked bodies, and the key
 * order of the cache's index (etcd's byte order).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import { compareKeys, ObjectIndex, CachedObject } from '../../src/apiserver/registry/cache-index.ts'
import { decodeObject, encodeObject, ownedBytes } from '../../src/apiserver/registry/codec.ts'
import { itemHead, JsonChunks, metadataOffset } from '../../src/apiserver/registry/json-splice.ts'

const bytes = (text: string) => new TextEncoder().encode(text)

/** The body JsonChunks wrote, as text. */
function body(out: JsonChunks): string {
  const { chunks, length } = out.end()
  const all = Buffer.concat(chunks)
  assert.equal(all.length, length)
  return all.toString('utf8')
}

describe('stored JSON', () => {
  it('is written with apiVersion, kind and metadata first, without a resourceVersion', () => {
    const stored = new TextDecoder().decode(encodeObject({ data: { a: '1' }, metadata: { name: 'x', resourceVersion: '9' }, kind: 'ConfigMap', apiVersion: 'v1' }))
    assert.equal(stored, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"1"}}')
  })

  it('is spliced only in its canonical form', () => {
    const ok = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{}}'
    assert.equal(metadataOffset(bytes(ok)), ok.indexOf('"name"'))
    for (const text of [
      '{"metadata":{"name":"x"},"apiVersion":"v1","kind":"ConfigMap"}', // an older encoder kept the client's order
      '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}',
      '{"apiVersion":"v1","metadata":{"name":"x"}}',
      '{"apiVersion":"v\\u0031","kind":"ConfigMap","metadata":{"name":"x"}}', // an escape in the head
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","resourceVersion":"3"}}',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"resourceVersion":"y"}}', // anywhere: decoded, to be safe
      '{"apiVersion":"v1","kind":"ConfigMap"',
      '',
    ])
      assert.equal(metadataOffset(bytes(text)), -1, text)
  })

  it('a spliced item is the decoded object, for every shape of stored object', () => {
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain', namespace: 'ns' }, data: { k: 'v' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: {} },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ünïcode-✓', annotations: { note: '𝄞 "quoted" \\ \n' } }, data: { metadata: '{"nested":1}' } },
      { apiVersion: 'old/v0', kind: 'Old', metadata: { name: 'stored-by-another-version', labels: { a: 'b' } }, spec: { metadata: { name: 'inner' } } },
    ]
    const head = itemHead('v1', 'ConfigMap')
    for (const obj of objects) {
      const stored = encodeObject(obj)
      const offset = metadataOffset(stored)
      assert.ok(offset > 0, JSON.stringify(obj))
      const out = new JsonChunks()
      out.item(head, stored, offset, 1234, false)
      const spliced = JSON.parse(body(out))
      // What the decode path serves: decodeObject, then fromStorage's apiVersion and kind.
      const decoded = { ...decodeObject({ key: 'k', value: stored, modRevision: 1234, createRevision: 1 }), apiVersion: 'v1', kind: 'ConfigMap' }
      assert.deepEqual(spliced, decoded)
      assert.equal(Object.keys(spliced.metadata)[0], 'resourceVersion')
    }
  })

  it('a body of many items is written in chunks, items longer than a chunk included', () => {
    const head = itemHead('v1', 'ConfigMap')
    const values = [5, 70_000, 10, 200_000, 64 * 1024, 3].map((n, i) => encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { pad: 'x'.repeat(n) } }))
    for (let round = 0; round < 3; round++) {
      const out = new JsonChunks()
      out.text('{"items":[')
      values.forEach((v, i) => out.item(head, v, metadataOffset(v), 10 + i, i > 0))
      out.text(']}')
      const { chunks, length, release } = out.end()
      assert.ok(chunks.length > 3)
      const parsed = JSON.parse(Buffer.concat(chunks, length).toString())
      assert.deepEqual(
        parsed.items.map((o: KubeObject) => [o.metadata.name, o.metadata.resourceVersion, o.data.pad.length]),
        [5, 70_000, 10, 200_000, 64 * 1024, 3].map((n, i) => [`c${i}`, String(10 + i), n]),
      )
      release() // the next round reuses the chunks
    }
  })

  it('values that are views into a larger buffer are copied; values that own their buffer are kept', () => {
    const whole = bytes('xx{"a":1}yy')
    const view = whole.subarray(2, 9)
    const owned = ownedBytes(view)
    assert.notEqual(owned.buffer, whole.buffer)
    assert.deepEqual([...owned], [...view])
    const own = bytes('{"a":1}')
    assert.equal(ownedBytes(own), own)
  })
})

describe('the cache index', () => {
  it('orders keys as etcd does: by their UTF-8 bytes', () => {
    const keys = ['/r/a', '/r/b', '/r/a/b', '/r/ab', '/r/\u00e9', '/r/\uffff', '/r/\u{1f600}', '/r/\ue000', '/r/z', '/r/', '/r/A', '/r/a\u0000']
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    assert.deepEqual([...keys].sort(compareKeys), byBytes)
  })

  it('lists the objects under a prefix in key order as they are added, replaced and removed', () => {
    const index = new ObjectIndex()
    const obj = (key: string, rev: number) => new CachedObject(key, bytes('{}'), rev)
    for (const [i, key] of ['/p/b/2', '/p/a/1', '/p/c/1', '/p/b/1', '/q/x', '/p/a/10'].entries()) index.set(obj(key, i + 1))
    index.set(obj('/p/b/2', 99))
    index.delete('/p/c/1')
    index.delete('/p/none')
    assert.deepEqual([...index.under('/p/')].map((o) => `${o.key}@${o.revision}`), ['/p/a/1@2', '/p/a/10@6', '/p/b/1@4', '/p/b/2@99'])
    assert.deepEqual([...index.under('/p/b/')].map((o) => o.key), ['/p/b/1', '/p/b/2'])
    assert.deepEqual([...index.under('/p/c/')], [])
    assert.equal(index.size, 5)
  })
})
