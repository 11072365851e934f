import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import {
  checkHostPorts,
  checkNodeAffinity,
  checkNodeReady,
  checkResources,
  checkTaints,
  checkUnschedulable,
  fitErrorMessage,
  fitsNode,
  HostPortSet,
  nodeAllocatable,
  podHostPorts,
  podInfo,
  podRequests,
  REASON,
  type NodeUsage,
} from '../../src/scheduler/fit.ts'

const node = (name: string, extra: { labels?: Record<string, string>; spec?: any; status?: any } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
  spec: extra.spec ?? {},
  status: {
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
    ...extra.status,
  },
})

const pod = (spec: any = {}, meta: any = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', ...meta },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
})

const requesting = (requests: Record<string, string>, more: any = {}) => ({ name: 'c', image: 'nginx', resources: { requests }, ...more })

const emptyUsage = (): NodeUsage => ({ requested: {}, pods: 0, ports: new HostPortSet() })

describe('node readiness and unschedulable', () => {
  it('fits a node whose Ready condition is True', () => {
    assert.equal(checkNodeReady(node('n1')), undefined)
  })

  it('rejects a node that is NotReady, Unknown or has no Ready condition', () => {
    for (const status of ['False', 'Unknown'])
      assert.equal(checkNodeReady(node('n1', { status: { conditions: [{ type: 'Ready', status }] } })), REASON.notReady)
    assert.equal(checkNodeReady(node('n1', { status: { conditions: [] } })), 'node(s) were not ready')
  })

  it('rejects a cordoned node unless the pod tolerates node.kubernetes.io/unschedulable', () => {
    const cordoned = node('n1', { spec: { unschedulable: true } })
    assert.equal(checkUnschedulable(pod(), cordoned), 'node(s) were unschedulable')
    const tolerant = pod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] })
    assert.equal(checkUnschedulable(tolerant, cordoned), undefined)
    assert.equal(checkUnschedulable(pod(), node('n2')), undefined)
  })
})

describe('taints and tolerations', () => {
  const tainted = (taints: any[]) => node('n1', { spec: { taints } })

  it('rejects NoSchedule and NoExecute taints the pod does not tolerate, with upstream wording', () => {
    assert.equal(checkTaints(pod(), tainted([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }])), 'node(s) had untolerated taint {dedicated: gpu}')
    assert.equal(checkTaints(pod(), tainted([{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }])), 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }')
  })

  it('ignores PreferNoSchedule when filtering', () => {
    assert.equal(checkTaints(pod(), tainted([{ key: 'soft', effect: 'PreferNoSchedule' }])), undefined)
  })

  it('matches tolerations by key, value, operator and effect', () => {
    const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }
    const cases: [any, boolean][] = [
      [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
      [{ key: 'dedicated', value: 'gpu' }, true], // operator defaults to Equal, any effect
      [{ key: 'dedicated', operator: 'Exists' }, true],
      [{ operator: 'Exists' }, true], // empty key + Exists tolerates everything
      [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }, false],
      [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
      [{ key: 'other', operator: 'Exists' }, false],
    ]
    for (const [toleration, fits] of cases)
      assert.equal(checkTaints(pod({ tolerations: [toleration] }), tainted([taint])) === undefined, fits, JSON.stringify(toleration))
  })

  it('needs every taint tolerated', () => {
    const n = tainted([
      { key: 'a', effect: 'NoSchedule' },
      { key: 'b', effect: 'NoExecute' },
    ])
    assert.equal(checkTaints(pod({ tolerations: [{ key: 'a', operator: 'Exists' }] }), n), 'node(s) had untolerated taint {b: }')
    assert.equal(checkTaints(pod({ tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] }), n), undefined)
  })
})

describe('nodeSelector and required node affinity', () => {
  const n = node('n1', { labels: { disk: 'ssd', zone: 'a', cores: '8' } })
  const required = (...terms: any[]) => pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } })
  const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] })

  it('matches nodeSelector labels exactly', () => {
    assert.equal(checkNodeAffinity(pod({ nodeSelector: { disk: 'ssd' } }), n), undefined)
    assert.equal(checkNodeAffinity(pod({ nodeSelector: { disk: 'hdd' } }), n), "node(s) didn't match Pod's node affinity/selector")
    assert.equal(checkNodeAffinity(pod({ nodeSelector: { gpu: 'yes' } }), n), REASON.affinity)
  })

  it('supports In, NotIn, Exists, DoesNotExist, Gt and Lt', () => {
    const cases: [any, boolean][] = [
      [expr('disk', 'In', ['ssd', 'nvme']), true],
      [expr('disk', 'In', ['hdd']), false],
      [expr('disk', 'NotIn', ['hdd']), true],
      [expr('gpu', 'NotIn', ['yes']), true], // absent label: NotIn holds
      [expr('disk', 'NotIn', ['ssd']), false],
      [expr('zone', 'Exists'), true],
      [expr('gpu', 'Exists'), false],
      [expr('gpu', 'DoesNotExist'), true],
      [expr('zone', 'DoesNotExist'), false],
      [expr('cores', 'Gt', ['4']), true],
      [expr('cores', 'Gt', ['8']), false],
      [expr('cores', 'Lt', ['16']), true],
      [expr('cores', 'Lt', ['8']), false],
      [expr('disk', 'Gt', ['1']), false], // not a number
      [expr('missing', 'Lt', ['1']), false],
    ]
    for (const [term, fits] of cases) assert.equal(checkNodeAffinity(required(term), n) === undefined, fits, JSON.stringify(term))
  })

  it('ANDs the expressions of a term and ORs the terms; an empty term matches nothing', () => {
    const both = { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }, { key: 'zone', operator: 'In', values: ['b'] }] }
    assert.equal(checkNodeAffinity(required(both), n), REASON.affinity)
    assert.equal(checkNodeAffinity(required(both, expr('zone', 'In', ['a'])), n), undefined)
    assert.equal(checkNodeAffinity(required({}), n), REASON.affinity)
  })

  it('matches fields on metadata.name', () => {
    assert.equal(checkNodeAffinity(required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }), n), undefined)
    assert.equal(checkNodeAffinity(required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }), n), REASON.affinity)
    assert.equal(checkNodeAffinity(required({ matchFields: [{ key: 'metadata.labels', operator: 'In', values: ['n1'] }] }), n), REASON.affinity)
  })

  it('needs both the nodeSelector and the affinity', () => {
    const p = pod({ nodeSelector: { disk: 'ssd' }, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [expr('zone', 'In', ['b'])] } } } })
    assert.equal(checkNodeAffinity(p, n), REASON.affinity)
  })
})

describe('resource requests', () => {
  it('sums containers and takes the most of init containers (effective requests)', () => {
    const p = pod({
      initContainers: [requesting({ cpu: '1', memory: '1Gi' }), requesting({ cpu: '500m', memory: '3Gi' })],
      containers: [requesting({ cpu: '250m', memory: '1Gi' }), requesting({ cpu: '250m' })],
    })
    assert.deepEqual(podRequests(p), { cpu: 1000, memory: 3 * 2 ** 30 })
  })

  it('counts restartable init containers (sidecars) alongside the containers', () => {
    const p = pod({
      initContainers: [requesting({ cpu: '200m' }, { restartPolicy: 'Always' }), requesting({ cpu: '1' })],
      containers: [requesting({ cpu: '500m' })],
    })
    // containers 500m + sidecar 200m = 700m; the second init container runs beside the sidecar: 1200m.
    assert.equal(podRequests(p).cpu, 1200)
  })

  it('uses a limit as the request when there is none, and adds overhead', () => {
    const p = pod({ containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '300m', memory: '64Mi' } } }], overhead: { cpu: '10m' } })
    assert.deepEqual(podRequests(p), { cpu: 310, memory: 64 * 2 ** 20 })
  })

  it('reports each insufficient resource against allocatable minus what is already requested', () => {
    const alloc = nodeAllocatable(node('n1'))
    const info = podInfo(pod({ containers: [requesting({ cpu: '1500m', memory: '1Gi' })] }))
    assert.deepEqual(checkResources(info, alloc, emptyUsage()), [])
    const busy: NodeUsage = { requested: { cpu: 1000, memory: 3.5 * 2 ** 30 }, pods: 3, ports: new HostPortSet() }
    assert.deepEqual(checkResources(info, alloc, busy), ['Insufficient cpu', 'Insufficient memory'])
  })

  it('counts pods against the pod limit', () => {
    const alloc = nodeAllocatable(node('n1', { status: { allocatable: { cpu: '2', memory: '4Gi', pods: '2' } } }))
    assert.deepEqual(checkResources(podInfo(pod()), alloc, { ...emptyUsage(), pods: 2 }), ['Too many pods'])
    assert.deepEqual(checkResources(podInfo(pod()), alloc, { ...emptyUsage(), pods: 1 }), [])
  })

  it('checks extended resources the node may not have', () => {
    const info = podInfo(pod({ containers: [requesting({ 'example.com/gpu': '1' })] }))
    assert.deepEqual(checkResources(info, nodeAllocatable(node('n1')), emptyUsage()), ['Insufficient example.com/gpu'])
  })
})

describe('host ports', () => {
  const withPort = (hostPort: number, extra: any = {}) => pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort, protocol: 'TCP', ...extra }] }] })
  const usedBy = (...pods: KubeObject[]) => {
    const u = emptyUsage()
    for (const p of pods) u.ports.add(podHostPorts(p))
    return u
  }

  it('conflicts on the same port and protocol when either address is 0.0.0.0 or both are equal', () => {
    const taken = usedBy(withPort(8080))
    assert.equal(checkHostPorts(podInfo(withPort(8080)), taken), "node(s) didn't have free ports for the requested pod ports")
    assert.equal(checkHostPorts(podInfo(withPort(8080, { hostIP: '10.0.0.1' })), taken), REASON.ports)
    const onIp = usedBy(withPort(8080, { hostIP: '10.0.0.1' }))
    assert.equal(checkHostPorts(podInfo(withPort(8080, { hostIP: '10.0.0.1' })), onIp), REASON.ports)
    assert.equal(checkHostPorts(podInfo(withPort(8080)), onIp), REASON.ports)
  })

  it('does not conflict on another port, protocol or address', () => {
    const taken = usedBy(withPort(8080, { hostIP: '10.0.0.1' }))
    assert.equal(checkHostPorts(podInfo(withPort(8081)), taken), undefined)
    assert.equal(checkHostPorts(podInfo(withPort(8080, { protocol: 'UDP' })), taken), undefined)
    assert.equal(checkHostPorts(podInfo(withPort(8080, { hostIP: '10.0.0.2' })), taken), undefined)
  })

  it('frees a port when the pod goes', () => {
    const p = withPort(9000)
    const u = usedBy(p)
    u.ports.remove(podHostPorts(p))
    assert.equal(checkHostPorts(podInfo(withPort(9000)), u), undefined)
    assert.equal(u.ports.size, 0)
  })

  it('takes containerPort as the host port with hostNetwork', () => {
    const p = pod({ hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 53, protocol: 'UDP' }] }] })
    assert.deepEqual(podHostPorts(p), [{ port: 53, protocol: 'UDP', ip: '0.0.0.0' }])
  })
})

describe('fitsNode and the FailedScheduling message', () => {
  it('stops at the first failing filter, in upstream order', () => {
    const n = node('n1', { spec: { unschedulable: true, taints: [{ key: 'x', effect: 'NoSchedule' }] } })
    const p = pod({ nodeSelector: { disk: 'ssd' } })
    assert.deepEqual(fitsNode(p, podInfo(p), n, nodeAllocatable(n), emptyUsage()), ['node(s) were unschedulable'])
  })

  it('fits a Ready node with room', () => {
    const n = node('n1')
    assert.deepEqual(fitsNode(pod(), podInfo(pod()), n, nodeAllocatable(n), emptyUsage()), [])
  })

  it('phrases the histogram as Kubernetes does', () => {
    const msg = fitErrorMessage(3, [[REASON.affinity], ['Insufficient cpu'], ['Insufficient cpu']])
    assert.equal(msg, "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.")
    assert.equal(
      fitErrorMessage(2, [['Insufficient cpu', 'Insufficient memory'], ['Insufficient memory']]),
      '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.',
    )
    assert.equal(fitErrorMessage(0, []), 'no nodes available to schedule pods')
  })
})
