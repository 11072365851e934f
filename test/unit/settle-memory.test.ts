// src/cluster/settle-memory.ts: one memory-reducing collection in a cluster's own process, where V8 has one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runInNewContext } from 'node:vm'
import { canSettleMemory, settleMemory } from '../../src/cluster/settle-memory.ts'

test('only V8 12 and later (Node 22+) have the last-resort collection', () => {
  assert.equal(canSettleMemory('11.3.244.8-node.33'), false) // Node 20
  assert.equal(canSettleMemory('12.4.254.21-node.33'), true) // Node 22
  assert.equal(canSettleMemory('13.6.233.17-node.40'), true) // Node 24
})

test('settleMemory collects where it can, and leaves no gc behind: not as a global, not in new contexts', () => {
  const ms = settleMemory()
  if (canSettleMemory()) assert.ok(typeof ms === 'number' && ms >= 0)
  else assert.equal(ms, undefined)
  assert.equal((globalThis as { gc?: unknown }).gc, undefined)
  assert.equal(runInNewContext('typeof gc'), 'undefined') // --expose-gc was set back
})
