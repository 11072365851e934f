import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, podInfo } from '../../src/scheduler/fit.ts'
import { SchedulerCache } from '../../src/scheduler/scheduler-cache.ts'
import { SchedulingQueue } from '../../src/scheduler/scheduling-queue.ts'
import { leastAllocatedScore, MAX_NODE_SCORE, selectHost, spreadScores, totalScore } from '../../src/scheduler/score.ts'

const GI = 2 ** 30
const alloc = { cpu: 4000, memory: 8 * GI, pods: 110 }

describe('least allocated', () => {
  it('scores an empty node highest and a full one 0', () => {
    assert.equal(leastAllocatedScore({ cpu: 0, memory: 0 }, { cpu: 0, memory: 0 }, alloc), MAX_NODE_SCORE)
    assert.equal(leastAllocatedScore({ cpu: 1000, memory: 2 * GI }, { cpu: 3000, memory: 6 * GI }, alloc), 0)
  })

  it('averages cpu and memory left free with the pod placed', () => {
    // cpu: (4000-2000)/4000 = 50; memory: (8-2)/8 = 75 → 62
    assert.equal(leastAllocatedScore({ cpu: 1000, memory: GI }, { cpu: 1000, memory: GI }, alloc), 62)
  })

  it('counts 0 for a resource the pod would overcommit', () => {
    assert.equal(leastAllocatedScore({ cpu: 5000, memory: 0 }, { cpu: 0, memory: 0 }, alloc), 50)
  })

  it('prefers the emptier node', () => {
    const pod = { cpu: 100, memory: 128 * 2 ** 20 }
    const empty = leastAllocatedScore(pod, { cpu: 0, memory: 0 }, alloc)
    const busy = leastAllocatedScore(pod, { cpu: 2000, memory: 4 * GI }, alloc)
    assert.ok(empty > busy)
  })

  it('gives pods without requests the default non-zero requests', () => {
    const info = podInfo({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } })
    assert.deepEqual(info.nonZero, { cpu: DEFAULT_MILLI_CPU_REQUEST, memory: DEFAULT_MEMORY_REQUEST })
    assert.deepEqual(info.requests, {})
  })
})

describe('spreading replicas of an owner', () => {
  it('scores every node 100 while none has one', () => {
    assert.deepEqual(spreadScores([0, 0, 0]), [100, 100, 100])
  })

  it('scores fewer replicas higher', () => {
    assert.deepEqual(spreadScores([2, 1, 0]), [0, 50, 100])
    assert.deepEqual(spreadScores([3, 3, 1]), [0, 0, 66])
  })

  it('weighs spreading over least allocated', () => {
    // A busier node without a replica beats an emptier one with one.
    assert.ok(totalScore(40, 100) > totalScore(90, 0))
  })
})

describe('selectHost', () => {
  it('takes the highest score', () => {
    assert.equal(selectHost([{ name: 'a', score: 10, pods: 0 }, { name: 'b', score: 20, pods: 9 }]), 'b')
  })

  it('breaks ties by fewer pods, then by name, whatever the order', () => {
    const tie = [
      { name: 'c', score: 50, pods: 1 },
      { name: 'b', score: 50, pods: 2 },
      { name: 'a', score: 50, pods: 1 },
    ]
    assert.equal(selectHost(tie), 'a')
    assert.equal(selectHost([...tie].reverse()), 'a')
  })

  it('answers undefined without candidates', () => {
    assert.equal(selectHost([]), undefined)
  })
})

const node = (name: string): KubeObject => ({ metadata: { name }, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } })
const replica = (uid: string, owner = 'rs-1', cpu = '500m'): KubeObject => ({
  metadata: { name: uid, namespace: 'default', uid, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: owner, controller: true }] },
  spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }] },
})

describe('scheduler cache totals', () => {
  it('keeps per-node totals as pods are assumed, confirmed and removed', () => {
    const cache = new SchedulerCache()
    cache.setNode(node('n1'))
    const p = replica('u1')
    cache.assume('u1', 'n1', podInfo(p))
    const s = cache.nodes.get('n1')!
    assert.equal(s.requested.cpu, 500)
    assert.equal(s.pods, 1)
    assert.equal(s.owners.get('rs-1'), 1)
    assert.ok(cache.isAssumed('u1'))
    // The informer confirms the binding: counted once.
    cache.addPod('u1', 'n1', () => assert.fail('not recomputed'))
    assert.equal(s.pods, 1)
    assert.ok(!cache.isAssumed('u1'))
    cache.removePod('u1')
    assert.equal(s.requested.cpu, 0)
    assert.equal(s.pods, 0)
    assert.equal(s.owners.size, 0)
  })

  it('undoes a failed assumption', () => {
    const cache = new SchedulerCache()
    cache.setNode(node('n1'))
    cache.assume('u1', 'n1', podInfo(replica('u1')))
    cache.forget('u1')
    assert.equal(cache.nodes.get('n1')!.pods, 0)
  })

  it('keeps counting pods of a node the informer has not shown, without scheduling onto it', () => {
    const cache = new SchedulerCache()
    cache.addPod('u1', 'ghost', () => podInfo(replica('u1')))
    assert.equal(cache.nodeCount, 0)
    assert.equal([...cache.schedulable()].length, 0)
    cache.setNode(node('ghost'))
    assert.equal(cache.nodes.get('ghost')!.pods, 1)
    cache.removeNode('ghost')
    assert.equal(cache.nodes.get('ghost')!.pods, 1)
    cache.removePod('u1')
    assert.equal(cache.nodes.has('ghost'), false)
  })
})

describe('scheduling queue', () => {
  const p = (uid: string, priority = 0): KubeObject => ({ metadata: { name: uid, uid, generation: 1 }, spec: { priority } })

  it('pops by priority, then in arrival order', () => {
    const q = new SchedulingQueue(() => {})
    q.add(p('a'))
    q.add(p('b', 10))
    q.add(p('c'))
    assert.deepEqual([q.pop()?.uid, q.pop()?.uid, q.pop()?.uid, q.pop()], ['b', 'a', 'c', undefined])
  })

  it('keeps an unschedulable pod until the cluster changes, then until its back-off is over', () => {
    let now = 1000
    const q = new SchedulingQueue(() => {}, () => now)
    q.add(p('a'))
    q.pop()
    q.markUnschedulable('a')
    q.flushBackoff()
    assert.equal(q.pop(), undefined)
    q.moveAll() // 0 ms after the failure: back-off (1 s) first
    assert.equal(q.pop(), undefined)
    now += 1000
    q.flushBackoff()
    assert.equal(q.pop()?.uid, 'a')
  })

  it('retries an unschedulable pod whose spec changed', () => {
    let now = 0
    const q = new SchedulingQueue(() => {}, () => now)
    q.add(p('a'))
    q.pop()
    q.markUnschedulable('a')
    now = 5000
    q.add({ ...p('a'), metadata: { name: 'a', uid: 'a', generation: 2 } })
    assert.equal(q.pop()?.uid, 'a')
  })

  it('forgets deleted pods', () => {
    const q = new SchedulingQueue(() => {})
    q.add(p('a'))
    q.delete('a')
    assert.equal(q.pop(), undefined)
    assert.equal(q.size, 0)
  })
})
