/** jsonClone and jsonEqual (src/client/json-clone.ts): a JSON round trip's copy and equality, without the text. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { jsonClone, jsonEqual } from '../../src/client/json-clone.ts'

const samples: unknown[] = [
  null,
  0,
  'x',
  true,
  [],
  {},
  { a: 1, b: [1, 'two', { c: null }], d: { e: { f: [] } } },
  { gone: undefined, fn: () => 1, kept: [undefined, () => 1, 2], when: new Date(0), nested: { toJSON: () => 'custom' } },
]

describe('jsonClone', () => {
  it('gives what a JSON round trip gives', () => {
    for (const v of samples) assert.deepEqual(jsonClone(v), JSON.parse(JSON.stringify(v)))
  })

  it('copies: changing the copy leaves the original alone', () => {
    const original = { metadata: { labels: { a: '1' } }, list: [{ x: 1 }] }
    const copy = jsonClone(original)
    copy.metadata.labels.a = '2'
    copy.list[0]!.x = 2
    assert.deepEqual(original, { metadata: { labels: { a: '1' } }, list: [{ x: 1 }] })
  })
})

describe('jsonEqual', () => {
  it('is JSON equality: key order does not matter, undefined members are absent', () => {
    assert.ok(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }))
    assert.ok(jsonEqual({ a: 1, b: undefined }, { a: 1 }))
    assert.ok(jsonEqual({ a: 1 }, { a: 1, b: undefined }))
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: null }))
    assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }))
    assert.ok(!jsonEqual({ a: {} }, { a: [] }))
    assert.ok(!jsonEqual({ a: '1' }, { a: 1 }))
    assert.ok(!jsonEqual([1], [1, 2]))
    assert.ok(!jsonEqual(null, {}))
    for (const v of samples.slice(0, 7)) assert.ok(jsonEqual(v, jsonClone(v)))
  })
})
