/**
 * The pure helpers behind the workload controllers: Deployment rollout arithmetic (maxSurge / maxUnavailable as
 * Kubernetes resolves and rounds them, new ReplicaSet growth, proportional scaling, status and conditions), pod
 * template hashing and equality, which pods a ReplicaSet deletes first, expectations and slow-start batches.
 * Expected values follow k8s.io/kubernetes pkg/controller/deployment/util and controller_utils.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import { Expectations } from '../../src/controllers/expectations.ts'
import { canonical, equalIgnoreHash, podFromTemplate, templateHash } from '../../src/controllers/pod-template.ts'
import { podsToDelete } from '../../src/controllers/replicaset-controller.ts'
import {
  activeOrLatest,
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newCondition,
  newRSNewReplicas,
  proportionalSizes,
  resolveFenceposts,
  scaledValue,
  setCondition,
  setNewReplicaSetAnnotations,
  type IntOrString,
} from '../../src/controllers/rollout-math.ts'
import { slowStartBatch } from '../../src/controllers/slow-start-batch.ts'

function deployment(replicas: number, maxSurge?: IntOrString, maxUnavailable?: IntOrString, extra: Record<string, any> = {}): KubeObject {
  return {
    metadata: { name: 'web', generation: 1, annotations: {} },
    spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } }, progressDeadlineSeconds: 600, ...extra },
    status: {},
  }
}

function rs(name: string, replicas: number, status: Record<string, number> = {}, annotations: Record<string, string> = {}, created = '2024-01-01T00:00:00Z'): KubeObject {
  return { metadata: { name, creationTimestamp: created, annotations }, spec: { replicas }, status }
}

describe('scaledValue (intstr.GetScaledValueFromIntOrPercent)', () => {
  it('takes integers as they are and percentages of the total, rounded as asked', () => {
    assert.equal(scaledValue(3, 10, true), 3)
    assert.equal(scaledValue('25%', 10, true), 3)
    assert.equal(scaledValue('25%', 10, false), 2)
    assert.equal(scaledValue('0%', 10, true), 0)
    assert.equal(scaledValue('100%', 7, false), 7)
    assert.equal(scaledValue('33%', 3, true), 1)
    assert.equal(scaledValue('33%', 3, false), 0)
    assert.equal(scaledValue(undefined, 10, true), 0)
  })

  it('rejects a string that is not a percentage', () => {
    assert.throws(() => scaledValue('5', 10, true), /not a percentage/)
    assert.throws(() => scaledValue('x%', 10, true), /not a percentage/)
  })
})

describe('resolveFenceposts and the maxSurge / maxUnavailable of a Deployment', () => {
  it('rounds surge up and unavailability down', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 })
    assert.deepEqual(resolveFenceposts('25%', '25%', 4), { surge: 1, unavailable: 1 })
    assert.deepEqual(resolveFenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 })
    assert.deepEqual(resolveFenceposts(1, '34%', 3), { surge: 1, unavailable: 1 })
  })

  it('makes unavailability 1 when both would be 0, so that a rollout can move', () => {
    assert.deepEqual(resolveFenceposts(0, 0, 3), { surge: 0, unavailable: 1 })
    assert.deepEqual(resolveFenceposts('0%', '10%', 5), { surge: 0, unavailable: 1 })
    assert.deepEqual(resolveFenceposts(undefined, undefined, 1), { surge: 0, unavailable: 1 })
  })

  it('defaults both to 25%, caps unavailability at the replica count, and gives Recreate neither', () => {
    assert.equal(maxSurge(deployment(10)), 3)
    assert.equal(maxUnavailable(deployment(10)), 2)
    assert.equal(maxUnavailable(deployment(3, 0, 5)), 3)
    assert.equal(maxUnavailable(deployment(0, 1, 1)), 0)
    const recreate = { ...deployment(10), spec: { replicas: 10, strategy: { type: 'Recreate' } } }
    assert.equal(maxSurge(recreate), 0)
    assert.equal(maxUnavailable(recreate), 0)
  })
})

describe('rolling update steps', () => {
  it('NewRSNewReplicas: grows the new ReplicaSet up to desired + maxSurge pods in all, never past desired', () => {
    const d = deployment(10, '25%', '25%')
    const old = rs('old', 10)
    const fresh = rs('new', 0)
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3)
    assert.equal(newRSNewReplicas(d, [rs('old', 13), fresh], fresh), 0, 'already at desired + surge')
    assert.equal(newRSNewReplicas(d, [rs('old', 2), rs('new', 8)], rs('new', 8)), 10)
    const recreate = { ...d, spec: { ...d.spec, strategy: { type: 'Recreate' } } }
    assert.equal(newRSNewReplicas(recreate, [old, fresh], fresh), 10)
  })

  it('how many old pods may go: all pods - minimum available - new pods not yet available', () => {
    const d = deployment(10, '25%', '25%') // min available 8
    assert.equal(maxScaledDown(d, [rs('old', 10), rs('new', 3)], rs('new', 3)), 13 - 8 - 3)
    assert.equal(maxScaledDown(d, [rs('old', 10), rs('new', 3, { availableReplicas: 3 })], rs('new', 3, { availableReplicas: 3 })), 5)
  })

  it('FindActiveOrLatest: the only ReplicaSet with pods, else the new one, else the newest old one', () => {
    const a = rs('a', 0, {}, {}, '2024-01-01T00:00:00Z')
    const b = rs('b', 0, {}, {}, '2024-01-02T00:00:00Z')
    assert.equal(activeOrLatest(undefined, [a, b]), b)
    assert.equal(activeOrLatest(rs('n', 0), [a, b])?.metadata.name, 'n')
    assert.equal(activeOrLatest(rs('n', 0), [rs('a', 2), b])?.metadata.name, 'a')
    assert.equal(activeOrLatest(rs('n', 1), [rs('a', 2), b]), undefined)
  })
})

describe('proportional scaling (resizing mid-rollout)', () => {
  it('spreads a scale-up by each ReplicaSet\'s share of the last size', () => {
    const d = deployment(20, 3, 0)
    const sizes = proportionalSizes(d, [rs('new', 5, {}, { 'deployment.kubernetes.io/max-replicas': '13' }, '2024-01-02T00:00:00Z'), rs('old', 8, {}, { 'deployment.kubernetes.io/max-replicas': '13' })])
    assert.deepEqual(Object.fromEntries(sizes), { old: 14, new: 9 })
  })

  it('gives what rounding leaves over to the largest, and takes a scale-down from the largest', () => {
    const up = proportionalSizes(deployment(11, 1, 0), [rs('a', 3, {}, { 'deployment.kubernetes.io/max-replicas': '7' }), rs('b', 3, {}, { 'deployment.kubernetes.io/max-replicas': '7' }, '2024-01-02T00:00:00Z')])
    assert.equal([...up.values()].reduce((x, y) => x + y, 0), 12)
    const down = proportionalSizes(deployment(2, 0, 1), [rs('a', 6, {}, { 'deployment.kubernetes.io/max-replicas': '10' }), rs('b', 4, {}, { 'deployment.kubernetes.io/max-replicas': '10' })])
    assert.equal([...down.values()].reduce((x, y) => x + y, 0), 2)
    assert.ok(down.get('a')! >= down.get('b')!)
  })

  it('scales everything to 0 for a Deployment scaled to 0', () => {
    const sizes = proportionalSizes(deployment(0, 1, 0), [rs('a', 3), rs('b', 2)])
    assert.deepEqual(Object.fromEntries(sizes), { a: 0, b: 0 })
  })
})

describe('status and conditions', () => {
  const now = new Date('2024-01-01T00:10:00Z')

  it('calculateStatus: counts from the ReplicaSets, Available by minimum availability', () => {
    const d = deployment(4, 1, 1)
    const newRS = rs('new', 2, { replicas: 2, readyReplicas: 2, availableReplicas: 1 })
    const oldRS = rs('old', 2, { replicas: 2, readyReplicas: 2, availableReplicas: 2 })
    const status = calculateStatus([oldRS, newRS], newRS, d, now)
    assert.equal(status.observedGeneration, 1)
    assert.equal(status.replicas, 4)
    assert.equal(status.updatedReplicas, 2)
    assert.equal(status.readyReplicas, 4)
    assert.equal(status.availableReplicas, 3)
    assert.equal(status.unavailableReplicas, 1)
    assert.deepEqual(status.conditions.map((c: any) => [c.type, c.status, c.reason]), [['Available', 'True', 'MinimumReplicasAvailable']])
    const short = calculateStatus([rs('x', 4, { replicas: 4, availableReplicas: 2 })], undefined, d, now)
    assert.deepEqual(short.conditions.map((c: any) => [c.type, c.status, c.reason]), [['Available', 'False', 'MinimumReplicasUnavailable']])
  })

  it('setCondition keeps the transition time while the status holds, and keeps a condition with the same reason', () => {
    const status: any = {}
    setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'a', new Date('2024-01-01T00:00:00Z')))
    setCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'b', new Date('2024-01-01T00:05:00Z')))
    assert.equal(status.conditions[0].reason, 'ReplicaSetUpdated')
    assert.equal(status.conditions[0].lastTransitionTime, '2024-01-01T00:00:00Z')
    assert.equal(status.conditions[0].lastUpdateTime, '2024-01-01T00:05:00Z')
    setCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'c', now))
    assert.equal(status.conditions[0].message, 'b')
    setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', 'd', now))
    assert.equal(status.conditions[0].lastTransitionTime, '2024-01-01T00:10:00Z')
  })

  it('complete, progressing and timed out, as the deployment util decides them', () => {
    const d = deployment(3)
    assert.ok(deploymentComplete(d, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))
    assert.ok(!deploymentComplete(d, { observedGeneration: 1, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }))
    assert.ok(!deploymentComplete({ ...d, metadata: { ...d.metadata, generation: 2 } }, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))
    const before = { ...d, status: { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 } }
    assert.ok(deploymentProgressing(before, { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }))
    assert.ok(deploymentProgressing(before, { replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }), 'fewer old pods')
    assert.ok(!deploymentProgressing(before, { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }))
    const progressing = (updated: string) => ({ conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: updated, lastTransitionTime: updated, message: '' }] })
    assert.ok(deploymentTimedOut(d, progressing('2024-01-01T00:00:00Z'), new Date('2024-01-01T00:10:01Z')))
    assert.ok(!deploymentTimedOut(d, progressing('2024-01-01T00:00:00Z'), new Date('2024-01-01T00:09:59Z')))
    assert.ok(!deploymentTimedOut({ ...d, spec: { ...d.spec, progressDeadlineSeconds: 2147483647 } }, progressing('2000-01-01T00:00:00Z'), now))
  })

  it('SetNewReplicaSetAnnotations: copies annotations, raises the revision and keeps the old ones in revision-history', () => {
    const d = deployment(3, 1, 0)
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'v2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '1' }
    const fresh = rs('new', 0)
    assert.ok(setNewReplicaSetAnnotations(d, fresh, 1, false))
    assert.deepEqual(fresh.metadata.annotations, {
      'kubernetes.io/change-cause': 'v2',
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    })
    assert.ok(!setNewReplicaSetAnnotations(d, fresh, 1, true), 'nothing new')
    const revived = rs('old', 0, {}, { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/revision-history': '' })
    setNewReplicaSetAnnotations(d, revived, 3, true)
    assert.equal(revived.metadata.annotations!['deployment.kubernetes.io/revision'], '3')
    assert.equal(revived.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1')
    setNewReplicaSetAnnotations(d, revived, 5, true)
    assert.equal(revived.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1,3')
  })
})

describe('pod templates', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } }

  it('hashes a template into a safe, stable name suffix that changes with the template and the collision count', () => {
    const h = templateHash(template)
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/)
    assert.equal(templateHash(structuredClone(template)), h)
    assert.equal(templateHash({ spec: template.spec, metadata: { labels: { app: 'web' }, creationTimestamp: null } }), h, 'key order and nulls do not matter')
    assert.notEqual(templateHash({ ...template, spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } }), h)
    assert.notEqual(templateHash(template, 1), h)
    assert.notEqual(templateHash(template, 1), templateHash(template, 2))
  })

  it('compares templates ignoring pod-template-hash and what Go\'s semantic equality ignores', () => {
    const withHash = structuredClone(template) as any
    withHash.metadata.labels['pod-template-hash'] = 'abc'
    assert.ok(equalIgnoreHash(withHash, template))
    assert.ok(equalIgnoreHash({ ...template, metadata: { ...template.metadata, creationTimestamp: null, annotations: {} } }, template))
    assert.ok(!equalIgnoreHash({ ...template, metadata: { labels: { app: 'other' } } }, template))
    assert.equal(canonical({ b: [], a: { c: null } }), undefined)
  })

  it('makes a pod from a template: generateName, labels, annotations, the controller reference', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u1', controller: true, blockOwnerDeletion: true }
    const pod = podFromTemplate({ ...template, metadata: { labels: { app: 'web' }, annotations: { a: 'b' } } }, 'web-abc', ref, ['f'])
    assert.deepEqual(pod.metadata, { generateName: 'web-abc-', ownerReferences: [ref], labels: { app: 'web' }, annotations: { a: 'b' }, finalizers: ['f'] })
    assert.deepEqual(pod.spec, template.spec)
  })
})

describe('which pods a ReplicaSet deletes first', () => {
  const pod = (name: string, opts: { node?: string; phase?: string; ready?: boolean; readySince?: string; created?: string; restarts?: number } = {}): KubeObject => ({
    metadata: { name, creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z' },
    spec: { nodeName: opts.node ?? 'n1' },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readySince ?? '2024-01-01T00:00:00Z' }],
      containerStatuses: [{ restartCount: opts.restarts ?? 0 }],
    },
  })
  const names = (pods: KubeObject[]) => pods.map((p) => p.metadata.name)

  it('unscheduled, then pending, then not ready, then doubled up, then ready more recently, then restarted more, then newer', () => {
    const pods = [
      pod('old-ready', { node: 'n2' }),
      pod('unscheduled', { node: '' }),
      pod('pending', { phase: 'Pending', node: 'n3' }),
      pod('unready', { ready: false, node: 'n3' }),
      pod('doubled', { node: 'n1' }),
      pod('doubled-too', { node: 'n1' }),
    ]
    assert.deepEqual(names(podsToDelete(pods, pods, 4)), ['unscheduled', 'pending', 'unready', 'doubled'])
    const same = [pod('a', { readySince: '2024-01-01T00:00:00Z' }), pod('b', { readySince: '2024-01-01T01:00:00Z' })]
    assert.deepEqual(names(podsToDelete(same, same, 1)), ['b'])
    const restarts = [pod('calm'), pod('flappy', { restarts: 3 })]
    assert.deepEqual(names(podsToDelete(restarts, restarts, 1)), ['flappy'])
    const ages = [pod('older', { created: '2024-01-01T00:00:00Z' }), pod('newer', { created: '2024-01-02T00:00:00Z' })]
    assert.deepEqual(names(podsToDelete(ages, ages, 1)), ['newer'])
  })
})

describe('expectations and slow-start batches', () => {
  it('holds a key back until what it created and deleted has been observed, or the wait timed out', () => {
    let now = 0
    const e = new Expectations(() => now)
    assert.ok(e.satisfied('k'), 'a key never seen')
    e.expectCreations('k', 2)
    assert.ok(!e.satisfied('k'))
    e.creationObserved('k')
    e.creationObserved('k')
    assert.ok(e.satisfied('k'))
    e.expectDeletions('k', ['ns/a', 'ns/b'])
    e.deletionObserved('k', 'ns/a')
    e.deletionObserved('k', 'ns/a')
    assert.ok(!e.satisfied('k'), 'the same deletion seen twice counts once')
    now += 5 * 60_000 + 1
    assert.ok(e.satisfied('k'), 'expired')
  })

  it('runs calls in batches of 1, 2, 4… and stops after a batch with a failure', async () => {
    const batches: number[] = []
    let inFlight = 0
    let calls = 0
    const result = await slowStartBatch(10, 1, async () => {
      inFlight++
      calls++
      await Promise.resolve()
      batches.push(inFlight)
      inFlight--
    })
    assert.deepEqual(result, { successes: 10 })
    assert.equal(calls, 10)
    let n = 0
    const failing = await slowStartBatch(20, 1, async () => {
      if (++n === 5) throw new Error('quota')
    })
    assert.equal(failing.error?.message, 'quota')
    assert.equal(n, 7, 'batches of 1, 2 and 4; the batch with the failure is the last')
    assert.equal(failing.successes, 6)
  })
})

describe('endpoints helpers', async () => {
  const { endpointSubsets, sliceGroups, truncateSubsets } = await import('../../src/controllers/endpoint-subsets.ts')
  const svc = (ports: any[], extra: Record<string, any> = {}): KubeObject => ({ metadata: { name: 's', namespace: 'ns' }, spec: { selector: { app: 'a' }, ports, ...extra } })
  const pod = (name: string, ip: string, opts: { ready?: boolean; deleting?: boolean; phase?: string; ports?: any[]; restartPolicy?: string } = {}): KubeObject => ({
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', restartPolicy: opts.restartPolicy ?? 'Always', containers: [{ name: 'c', ports: opts.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: opts.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  })

  it('groups addresses by the ports they resolve to, ready and not ready apart, sorted by IP; leaves terminating and finished pods out', () => {
    const pods = [
      pod('b', '10.0.0.10'),
      pod('a', '10.0.0.9'),
      pod('u', '10.0.0.2', { ready: false }),
      pod('t', '10.0.0.3', { deleting: true }),
      pod('done', '10.0.0.4', { phase: 'Succeeded', restartPolicy: 'Never' }),
      pod('other', '10.0.0.5', { ports: [{ name: 'http', containerPort: 9090 }] }),
      pod('noport', '10.0.0.6', { ports: [] }),
      pod('noip', ''),
    ]
    const subsets = endpointSubsets(svc([{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }]), pods)
    assert.deepEqual(
      subsets.map((s) => [s.ports.map((p: any) => p.port), (s.addresses ?? []).map((a: any) => a.ip), (s.notReadyAddresses ?? []).map((a: any) => a.ip)]),
      [
        [[8080], ['10.0.0.9', '10.0.0.10'], ['10.0.0.2']],
        [[9090], ['10.0.0.5'], []],
      ],
    )
    assert.deepEqual(subsets[0].addresses[0], { ip: '10.0.0.9', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } })
    assert.deepEqual(endpointSubsets(svc([{ port: 80, targetPort: 8080 }], { publishNotReadyAddresses: true }), [pod('u', '10.0.0.2', { ready: false })])[0].addresses.length, 1)
  })

  it('gives slice endpoints ready / serving / terminating conditions, terminating pods included', () => {
    const groups = sliceGroups(svc([{ name: 'web', port: 80, targetPort: 'http' }]), [pod('r', '10.0.0.1'), pod('u', '10.0.0.2', { ready: false }), pod('t', '10.0.0.3', { deleting: true })], 'IPv4')
    const [[key, group]] = [...groups]
    assert.equal(key, JSON.stringify([{ name: 'web', port: 8080, protocol: 'TCP' }]))
    assert.deepEqual(
      group!.endpoints.map((e: any) => [e.addresses[0], e.conditions]),
      [
        ['10.0.0.1', { ready: true, serving: true, terminating: false }],
        ['10.0.0.2', { ready: false, serving: false, terminating: false }],
        ['10.0.0.3', { ready: false, serving: true, terminating: true }],
      ],
    )
    assert.deepEqual([...sliceGroups(svc([{ port: 80 }]), [], 'IPv4').values()], [{ ports: [], endpoints: [] }])
  })

  it('truncates Endpoints to 1000 addresses, ready ones first', () => {
    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ ip: `${prefix}.${i}` }))
    const { subsets, truncated } = truncateSubsets([{ addresses: many(900, '10.0.1'), notReadyAddresses: many(300, '10.0.2'), ports: [{ port: 80 }] }])
    assert.ok(truncated)
    assert.equal(subsets[0].addresses.length, 900)
    assert.equal(subsets[0].notReadyAddresses.length, 100)
    assert.equal(truncateSubsets([{ addresses: many(10, '10.0.3') }]).truncated, false)
  })
})
