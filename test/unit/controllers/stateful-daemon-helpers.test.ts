import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { jobFromTemplate, jobName } from '../../../src/controllers/cronjob-controller.ts'
import { addDaemonTolerations, nodeOfPod, nodeShouldRun, pinToNode } from '../../../src/controllers/daemonset-controller.ts'
import { newStatefulSetPod, ordinalOf } from '../../../src/controllers/statefulset-controller.ts'

describe('statefulset helpers', () => {
  it('reads ordinals only from <set>-<n>', () => {
    assert.equal(ordinalOf('web', 'web-0'), 0)
    assert.equal(ordinalOf('web', 'web-12'), 12)
    assert.equal(ordinalOf('web', 'web-01'), -1)
    assert.equal(ordinalOf('web', 'web-x'), -1)
    assert.equal(ordinalOf('web', 'webs-1'), -1)
  })

  it('builds a pod with identity and claims', () => {
    const set = { metadata: { name: 'db', namespace: 'ns', uid: 'u1' }, spec: { serviceName: 'db-svc', volumeClaimTemplates: [{ metadata: { name: 'data' } }] } }
    const template = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c' }], volumes: [{ name: 'data', emptyDir: {} }] } }
    const pod = newStatefulSetPod(set as any, template, 2, 'db-abc')
    assert.equal(pod.metadata.name, 'db-2')
    assert.deepEqual(pod.metadata.labels, { app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-2', 'apps.kubernetes.io/pod-index': '2', 'controller-revision-hash': 'db-abc' })
    assert.equal(pod.spec.hostname, 'db-2')
    assert.equal(pod.spec.subdomain, 'db-svc')
    assert.deepEqual(pod.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-2' } }])
    assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u1', controller: true, blockOwnerDeletion: true }])
  })
})

describe('daemonset helpers', () => {
  const node = (name: string, labels: Record<string, string> = {}, spec: any = {}) => ({ metadata: { name, labels }, spec }) as any
  it('decides where a daemon pod runs from nodeSelector, affinity and taints', () => {
    const t = { spec: { nodeSelector: { disk: 'ssd' } } }
    assert.deepEqual(nodeShouldRun(t, node('a', { disk: 'ssd' })), { shouldRun: true, shouldContinueRunning: true })
    assert.deepEqual(nodeShouldRun(t, node('b')), { shouldRun: false, shouldContinueRunning: false })
    assert.deepEqual(nodeShouldRun({ spec: {} }, node('c', {}, { taints: [{ key: 'k', effect: 'NoSchedule' }] })), { shouldRun: false, shouldContinueRunning: true })
    assert.deepEqual(nodeShouldRun({ spec: {} }, node('c', {}, { taints: [{ key: 'k', effect: 'NoExecute' }] })), { shouldRun: false, shouldContinueRunning: false })
    // The standard tolerations: unschedulable and not-ready nodes still run daemons.
    assert.deepEqual(nodeShouldRun({ spec: {} }, node('d', {}, { unschedulable: true, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] })), { shouldRun: true, shouldContinueRunning: true })
  })

  it('pins a pod to its node through node affinity and adds the daemon tolerations once', () => {
    const spec: any = { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }
    addDaemonTolerations(spec)
    addDaemonTolerations(spec)
    assert.equal(spec.tolerations.length, 6)
    pinToNode(spec, 'n1')
    assert.equal(nodeOfPod({ metadata: {}, spec } as any), 'n1')
    assert.equal(nodeOfPod({ metadata: {}, spec: { ...spec, nodeName: 'n2' } } as any), 'n2')
  })
})

describe('cronjob helpers', () => {
  it('names and annotates the Job for a scheduled time', () => {
    const t = Date.parse('2024-01-01T03:00:00Z')
    assert.equal(jobName('nightly', t), `nightly-${t / 60_000}`)
    const cj = { metadata: { name: 'nightly', namespace: 'ns', uid: 'u' }, spec: { jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: {} } } } }
    const job = jobFromTemplate(cj as any, t)
    assert.equal(job.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-01-01T03:00:00Z')
    assert.deepEqual(job.metadata.labels, { a: 'b' })
    assert.equal(job.metadata.ownerReferences![0]!.kind, 'CronJob')
  })
})
