import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KubeObject } from '../../src/api/meta.ts'
import type { TableDefinition } from '../../src/apiserver/registry/resource-definition.ts'
import {
  configMapTable,
  defaultTable,
  deploymentTable,
  endpointsTable,
  eventTable,
  formatLabels,
  humanDuration,
  layoutContainerCells,
  leaseTable,
  namespaceTable,
  nodeTable,
  podTable,
  replicaSetTable,
  secretTable,
  serviceAccountTable,
  serviceTable,
  translateTimestampSince,
} from '../../src/apiserver/printers/index.ts'

const NOW = new Date('2024-06-01T12:00:00Z')
const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H
/** An RFC 3339 time `ms` before NOW. */
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString().replace(/\.\d+Z$/, 'Z')
const agoMicro = (ms: number) => new Date(NOW.getTime() - ms).toISOString().replace(/\.(\d+)Z$/, '.$1000Z')

const row = (t: TableDefinition, o: Partial<KubeObject> & { metadata?: KubeObject['metadata'] }) =>
  t.row({ metadata: {}, ...o } as KubeObject, NOW)
/** The cells kubectl shows without -o wide. */
const narrow = (t: TableDefinition, cells: unknown[]) => cells.filter((_, i) => t.columns[i]!.priority === 0)
const names = (t: TableDefinition, wide = false) =>
  t.columns.filter((c) => wide || c.priority === 0).map((c) => c.name.toUpperCase())

describe('humanDuration (duration.HumanDuration)', () => {
  const cases: Array<[number, string]> = [
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    [-1999, '0s'],
    [-1 * S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [1 * S, '1s'],
    [59 * S, '59s'],
    [60 * S, '60s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 1 * S, '2m1s'],
    [5 * M + 10 * S, '5m10s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 30 * M, '3h30m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [48 * H, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [10 * D, '10d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [735 * D, '2y5d'],
    [8 * 365 * D, '8y'],
    [10 * 365 * D, '10y'],
  ]
  for (const [ms, want] of cases) it(`${ms} ms → ${want}`, () => assert.equal(humanDuration(ms), want))
})

describe('translateTimestampSince', () => {
  it('is <unknown> for missing, empty, null and Go zero times', () => {
    assert.equal(translateTimestampSince(undefined, NOW), '<unknown>')
    assert.equal(translateTimestampSince(null, NOW), '<unknown>')
    assert.equal(translateTimestampSince('', NOW), '<unknown>')
    assert.equal(translateTimestampSince('0001-01-01T00:00:00Z', NOW), '<unknown>')
  })
  it('accepts metav1.Time and MicroTime', () => {
    assert.equal(translateTimestampSince(ago(90 * S), NOW), '90s')
    assert.equal(translateTimestampSince(agoMicro(3 * H), NOW), '3h')
  })
})

describe('format helpers', () => {
  it('layoutContainerCells', () => {
    assert.deepEqual(layoutContainerCells([{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox:1' }]), ['a,b', 'nginx,busybox:1'])
    assert.deepEqual(layoutContainerCells(undefined), ['', ''])
  })
  it('formatLabels sorts k=v pairs and says <none> when empty', () => {
    assert.equal(formatLabels({ tier: 'fe', app: 'web' }), 'app=web,tier=fe')
    assert.equal(formatLabels({}), '<none>')
    assert.equal(formatLabels(undefined), '<none>')
  })
})

describe('column sets', () => {
  const expect: Array<[string, TableDefinition, string[], string[]]> = [
    ['pods', podTable, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']],
    ['nodes', nodeTable, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'], ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']],
    ['deployments', deploymentTable, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], ['CONTAINERS', 'IMAGES', 'SELECTOR']],
    ['services', serviceTable, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], ['SELECTOR']],
    ['replicasets', replicaSetTable, ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], ['CONTAINERS', 'IMAGES', 'SELECTOR']],
    ['namespaces', namespaceTable, ['NAME', 'STATUS', 'AGE'], []],
    ['events', eventTable, ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], ['SUBOBJECT', 'SOURCE', 'FIRST SEEN', 'COUNT', 'NAME']],
    ['configmaps', configMapTable, ['NAME', 'DATA', 'AGE'], []],
    ['secrets', secretTable, ['NAME', 'TYPE', 'DATA', 'AGE'], []],
    ['serviceaccounts', serviceAccountTable, ['NAME', 'SECRETS', 'AGE'], []],
    ['endpoints', endpointsTable, ['NAME', 'ENDPOINTS', 'AGE'], []],
    ['leases', leaseTable, ['NAME', 'HOLDER', 'AGE'], []],
    ['default', defaultTable, ['NAME', 'AGE'], []],
  ]
  for (const [what, table, plain, wideOnly] of expect) {
    it(what, () => {
      assert.deepEqual(names(table), plain)
      assert.deepEqual(
        table.columns.filter((c) => c.priority === 1).map((c) => c.name.toUpperCase()),
        wideOnly,
      )
      for (const c of table.columns) {
        assert.equal(typeof c.description, 'string')
        assert.ok(c.description!.length > 0 && c.description!.length < 200, `${c.name}: short description`)
        assert.ok(['string', 'integer', 'number', 'boolean', 'date'].includes(c.type))
      }
      // The Name column: format "name".
      const name = table.columns.find((c) => c.name === 'Name')!
      assert.equal(name.format, 'name')
      assert.equal(name.type, 'string')
    })
  }

  it('wide-only columns come where Kubernetes puts them (events: Subobject, Source before Message)', () => {
    assert.deepEqual(
      eventTable.columns.map((c) => c.name),
      ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'],
    )
  })

  it('the default (CRD) Age column is a date', () => {
    assert.equal(defaultTable.columns[1]!.type, 'date')
  })

  it('integer columns hold numbers', () => {
    const rs = row(replicaSetTable, { metadata: { name: 'rs' }, spec: { replicas: 3 }, status: { replicas: 2, readyReplicas: 1 } })
    replicaSetTable.columns.forEach((c, i) => {
      if (c.type === 'integer') assert.equal(typeof rs[i], 'number', c.name)
    })
  })
})

const pod = (status: any, spec: any = { containers: [{ name: 'c' }] }, metadata: any = { name: 'p' }): KubeObject => ({
  metadata,
  spec,
  status,
})
/** [READY, STATUS, RESTARTS] */
const summary = (p: KubeObject) => podTable.row(p, NOW).slice(1, 4)
const containers = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'img' }))
const running = { running: { startedAt: ago(1 * H) } }

describe('pods: READY, STATUS, RESTARTS (printers_test TestPrintPod)', () => {
  it('counts ready running containers and sums restarts', () => {
    const p = pod(
      { phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }] },
      { containers: containers(2) },
    )
    assert.deepEqual(summary(p), ['1/2', 'podPhase', '6'])
  })

  it('a waiting reason overrides the phase', () => {
    const p = pod(
      {
        phase: 'Running',
        containerStatuses: [
          { ready: true, restartCount: 3, state: running },
          { restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } } },
        ],
      },
      { containers: containers(2) },
    )
    assert.deepEqual(summary(p), ['1/2', 'CrashLoopBackOff', '6'])
  })

  it('the first container wins over later ones', () => {
    const p = pod(
      {
        phase: 'podPhase',
        containerStatuses: [
          { restartCount: 3, state: { waiting: { reason: 'ContainerWaitingReason' } } },
          { restartCount: 3, state: { terminated: { reason: 'ContainerTerminatedReason' } } },
        ],
      },
      { containers: containers(2) },
    )
    assert.deepEqual(summary(p), ['0/2', 'ContainerWaitingReason', '6'])
  })

  it('ready without running is not ready; status.reason beats the phase', () => {
    const p = pod(
      { reason: 'podReason', phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { ready: true, restartCount: 3 }] },
      { containers: containers(2) },
    )
    assert.deepEqual(summary(p), ['1/2', 'podReason', '6'])
  })

  it('Completed becomes NotReady / Running when another container still runs', () => {
    const statuses = [
      { ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
      { ready: true, restartCount: 3, state: running },
    ]
    assert.deepEqual(summary(pod({ phase: 'Running', containerStatuses: statuses }, { containers: containers(2) })), ['1/2', 'NotReady', '6'])
    assert.deepEqual(
      summary(pod({ phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] }, { containers: containers(2) })),
      ['1/2', 'Running', '6'],
    )
  })

  it('Completed (a Succeeded pod)', () => {
    const p = pod({ phase: 'Succeeded', containerStatuses: [{ ready: false, restartCount: 0, state: { terminated: { reason: 'Completed', exitCode: 0 } } }] })
    assert.deepEqual(summary(p), ['0/1', 'Completed', '0'])
  })

  it('Signal:N and ExitCode:N for a terminated container without a reason', () => {
    assert.deepEqual(summary(pod({ phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] })), ['0/1', 'Signal:9', '0'])
    assert.deepEqual(summary(pod({ phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 2 } } }] })), ['0/1', 'ExitCode:2', '0'])
    assert.deepEqual(summary(pod({ phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 1, reason: 'Error' } } }] })), ['0/1', 'Error', '0'])
  })

  it('ContainerCreating, ImagePullBackOff', () => {
    assert.deepEqual(summary(pod({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] })), ['0/1', 'ContainerCreating', '0'])
    assert.deepEqual(summary(pod({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] })), ['0/1', 'ImagePullBackOff', '0'])
  })

  it('Pending with no container statuses yet', () => {
    assert.deepEqual(summary(pod({ phase: 'Pending' })), ['0/1', 'Pending', '0'])
  })

  it('SchedulingGated', () => {
    const p = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }, { containers: containers(2) })
    assert.deepEqual(summary(p), ['0/2', 'SchedulingGated', '0'])
  })

  it('RESTARTS carries "(Xs ago)" from lastState.terminated.finishedAt, the latest one', () => {
    const p = pod(
      {
        phase: 'Running',
        containerStatuses: [
          { ready: true, restartCount: 6, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * D) } } },
          { ready: true, restartCount: 3, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(20 * D) } } },
        ],
      },
      { containers: containers(2) },
    )
    assert.deepEqual(summary(p), ['2/2', 'Running', '9 (5d ago)'])
    const one = pod({ phase: 'Running', containerStatuses: [{ ready: true, restartCount: 5, state: running, lastState: { terminated: { finishedAt: ago(5 * M) } } }] })
    assert.deepEqual(summary(one), ['1/1', 'Running', '5 (5m ago)'])
  })

  it('RESTARTS without a finishedAt has no suffix; zero restarts never has one', () => {
    assert.deepEqual(summary(pod({ phase: 'Running', containerStatuses: [{ ready: true, restartCount: 2, state: running }] })), ['1/1', 'Running', '2'])
    assert.deepEqual(
      summary(pod({ phase: 'Running', containerStatuses: [{ ready: true, restartCount: 0, state: running, lastState: { terminated: { finishedAt: ago(M) } } }] })),
      ['1/1', 'Running', '0'],
    )
  })
})

describe('pods: init containers', () => {
  const spec = (n: number) => ({ initContainers: containers(n).map((c) => ({ ...c, name: 'init' + c.name })), containers: containers(1) })
  const waiting = { waiting: { reason: 'PodInitializing' } }

  it('Init:0/1 while the first init container runs', () => {
    const p = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [{ restartCount: 3, state: running, lastState: { terminated: { finishedAt: ago(10 * S) } } }],
        containerStatuses: [{ state: { waiting: {} } }],
      },
      spec(1),
    )
    assert.deepEqual(summary(p), ['0/1', 'Init:0/1', '3 (10s ago)'])
  })

  it('Init:1/2 after the first init container completed', () => {
    const p = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { restartCount: 2, state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: { terminated: { finishedAt: ago(2 * M) } } },
          { restartCount: 3, state: running, lastState: { terminated: { finishedAt: ago(10 * S) } } },
        ],
        containerStatuses: [{ state: waiting }],
      },
      spec(2),
    )
    assert.deepEqual(summary(p), ['0/1', 'Init:1/2', '5 (10s ago)'])
  })

  it('Init:<waiting reason>, but not PodInitializing', () => {
    const p = pod({ phase: 'Pending', initContainerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] }, spec(1))
    assert.deepEqual(summary(p), ['0/1', 'Init:ImagePullBackOff', '0'])
    const q = pod({ phase: 'Pending', initContainerStatuses: [{ state: waiting }] }, spec(1))
    assert.deepEqual(summary(q), ['0/1', 'Init:0/1', '0'])
  })

  it('Init:Error, Init:CrashLoopBackOff, Init:Signal:N, Init:ExitCode:N', () => {
    assert.deepEqual(summary(pod({ phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, spec(1)))[1], 'Init:Error')
    assert.deepEqual(
      summary(pod({ phase: 'Pending', initContainerStatuses: [{ restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, spec(1))),
      ['0/1', 'Init:CrashLoopBackOff', '4'],
    )
    assert.equal(summary(pod({ phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] }, spec(1)))[1], 'Init:Signal:9')
    assert.equal(summary(pod({ phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 3 } } }] }, spec(1)))[1], 'Init:ExitCode:3')
  })

  it('after initialization the main containers decide, and init restarts no longer count', () => {
    const p = pod(
      {
        phase: 'Running',
        initContainerStatuses: [
          { restartCount: 2, state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: { terminated: { finishedAt: ago(2 * M) } } },
        ],
        containerStatuses: [{ restartCount: 4, state: running, lastState: { terminated: { finishedAt: ago(20 * S) } } }],
      },
      spec(1),
    )
    assert.deepEqual(summary(p), ['0/1', 'Running', '4 (20s ago)'])
  })

  describe('restartable (sidecar) init containers', () => {
    const sidecarSpec = {
      initContainers: [
        { name: 'restartable-init-1', restartPolicy: 'Always' },
        { name: 'restartable-init-2', restartPolicy: 'Always' },
      ],
      containers: containers(1),
    }
    it('count in READY and Init:N/M while starting', () => {
      const p = pod(
        {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'restartable-init-1', restartCount: 3, state: running, started: true, lastState: { terminated: { finishedAt: ago(10 * S) } } },
            { name: 'restartable-init-2', state: running, started: false },
          ],
          containerStatuses: [{ state: { waiting: {} } }],
          conditions: [{ type: 'Initialized', status: 'False' }],
        },
        sidecarSpec,
      )
      assert.deepEqual(summary(p), ['0/3', 'Init:1/2', '3 (10s ago)'])
    })
    it('all started and the main container running', () => {
      const p = pod(
        {
          phase: 'Running',
          initContainerStatuses: [
            { name: 'restartable-init-1', restartCount: 3, state: running, started: true, lastState: { terminated: { finishedAt: ago(10 * S) } } },
            { name: 'restartable-init-2', state: running, started: true },
          ],
          containerStatuses: [{ ready: true, restartCount: 4, state: running, lastState: { terminated: { finishedAt: ago(20 * S) } } }],
          conditions: [{ type: 'Initialized', status: 'True' }],
        },
        sidecarSpec,
      )
      assert.deepEqual(summary(p), ['1/3', 'Running', '7 (10s ago)'])
    })
    it('sidecars ready count', () => {
      const p = pod(
        {
          phase: 'Running',
          initContainerStatuses: [
            { name: 'restartable-init-1', ready: true, state: running, started: true },
            { name: 'restartable-init-2', ready: true, state: running, started: true },
          ],
          containerStatuses: [{ ready: true, state: running }],
          conditions: [{ type: 'Initialized', status: 'True' }],
        },
        sidecarSpec,
      )
      assert.deepEqual(summary(p), ['3/3', 'Running', '0'])
    })
    it('a Succeeded pod whose sidecars were killed shows Completed', () => {
      const p = pod(
        {
          phase: 'Succeeded',
          initContainerStatuses: [
            { name: 'restartable-init-1', restartCount: 3, state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false, lastState: { terminated: { finishedAt: ago(10 * S) } } },
            { name: 'restartable-init-2', state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false },
          ],
          containerStatuses: [{ restartCount: 4, state: { terminated: { reason: 'Completed', exitCode: 0 } }, lastState: { terminated: { finishedAt: ago(20 * S) } } }],
          conditions: [{ type: 'Initialized', status: 'True' }],
        },
        sidecarSpec,
      )
      assert.deepEqual(summary(p), ['0/3', 'Completed', '7 (10s ago)'])
    })
  })
})

describe('pods: deletion', () => {
  const deleting = { name: 'p', deletionTimestamp: ago(5 * S) }
  it('Terminating for a non-terminal pod being deleted', () => {
    assert.equal(summary(pod({ phase: 'Running', containerStatuses: [{ ready: true, state: running }] }, undefined, deleting))[1], 'Terminating')
    assert.equal(summary(pod({ phase: 'Pending' }, undefined, deleting))[1], 'Terminating')
  })
  it('a terminal pod keeps its status', () => {
    assert.equal(summary(pod({ phase: 'Succeeded', containerStatuses: [{ state: { terminated: { reason: 'Completed' } } }] }, undefined, deleting))[1], 'Completed')
    assert.equal(summary(pod({ phase: 'Failed' }, undefined, deleting))[1], 'Failed')
  })
  it('Unknown for a pod on an unreachable node', () => {
    assert.equal(summary(pod({ phase: 'Running', reason: 'NodeLost' }, undefined, deleting))[1], 'Unknown')
  })
})

describe('pods: whole rows', () => {
  it('prints a pod with no status and no spec', () => {
    assert.deepEqual(podTable.row({ metadata: { name: 'bare' } }, NOW), ['bare', '0/0', '', '0', '<unknown>', '<none>', '<none>', '<none>', '<none>'])
  })

  it('a running pod, with the wide cells', () => {
    const p: KubeObject = {
      metadata: { name: 'web-1', creationTimestamp: ago(5 * M) },
      spec: {
        nodeName: 'node1',
        containers: containers(2),
        readinessGates: [{ conditionType: 'condition1' }, { conditionType: 'condition2' }, { conditionType: 'condition3' }],
      },
      status: {
        phase: 'Running',
        podIP: '10.0.0.5',
        podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }],
        nominatedNodeName: 'node2',
        conditions: [
          { type: 'condition1', status: 'False' },
          { type: 'condition2', status: 'True' },
        ],
        containerStatuses: [
          { ready: true, restartCount: 0, state: running },
          { ready: true, restartCount: 0, state: running },
        ],
      },
    }
    const cells = podTable.row(p, NOW)
    assert.deepEqual(cells, ['web-1', '2/2', 'Running', '0', '5m', '10.0.0.5', 'node1', 'node2', '1/3'])
    assert.deepEqual(narrow(podTable, cells), ['web-1', '2/2', 'Running', '0', '5m'])
  })

  it('IP from podIPs when podIP is unset', () => {
    assert.equal(podTable.row(pod({ podIPs: [{ ip: '1.1.1.1' }, { ip: '2001:db8::' }] }), NOW)[5], '1.1.1.1')
  })
})

describe('nodes', () => {
  const node = (o: any): KubeObject => ({ metadata: { name: 'node1', creationTimestamp: ago(3 * H) }, ...o })
  it('Ready, with roles, version and wide cells', () => {
    const n = node({
      metadata: {
        name: 'node1',
        creationTimestamp: ago(3 * H),
        labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': '', 'kubernetes.io/hostname': 'node1' },
      },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [
          { type: 'InternalIP', address: '192.168.1.10' },
          { type: 'Hostname', address: 'node1' },
        ],
        nodeInfo: { kubeletVersion: 'v1.30.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.0' },
      },
    })
    assert.deepEqual(nodeTable.row(n, NOW), [
      'node1',
      'Ready',
      'control-plane,master',
      '3h',
      'v1.30.0',
      '192.168.1.10',
      '<none>',
      'Debian GNU/Linux 12',
      '6.1.0',
      'containerd://1.7.0',
    ])
  })
  it('NotReady / Unknown, SchedulingDisabled', () => {
    assert.equal(nodeTable.row(node({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }), NOW)[1], 'NotReady')
    assert.equal(nodeTable.row(node({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }), NOW)[1], 'NotReady')
    assert.equal(nodeTable.row(node({}), NOW)[1], 'Unknown')
    assert.equal(nodeTable.row(node({ spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }), NOW)[1], 'Ready,SchedulingDisabled')
    assert.equal(nodeTable.row(node({ spec: { unschedulable: true } }), NOW)[1], 'Unknown,SchedulingDisabled')
  })
  it('kubernetes.io/role=<role> labels count as roles', () => {
    assert.equal(nodeTable.row(node({ metadata: { name: 'n', labels: { 'kubernetes.io/role': 'worker' } } }), NOW)[2], 'worker')
    assert.equal(nodeTable.row(node({ metadata: { name: 'n', labels: { 'kubernetes.io/role': '' } } }), NOW)[2], '<none>')
  })
  it('an empty node (printers_test TestPrintNodeName / ExternalIP)', () => {
    assert.deepEqual(nodeTable.row({ metadata: { name: '127.0.0.1' } }, NOW), ['127.0.0.1', 'Unknown', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'])
    const n: KubeObject = {
      metadata: { name: 'foo3' },
      status: {
        addresses: [
          { type: 'ExternalIP', address: '2.2.2.2' },
          { type: 'InternalIP', address: '3.3.3.3' },
          { type: 'ExternalIP', address: '4.4.4.4' },
        ],
      },
    }
    assert.deepEqual(nodeTable.row(n, NOW).slice(5, 7), ['3.3.3.3', '2.2.2.2'])
  })
})

describe('services', () => {
  const svc = (spec: any, status?: any): KubeObject => ({ metadata: { name: 'svc', creationTimestamp: ago(2 * D) }, spec, status })
  it('ClusterIP', () => {
    assert.deepEqual(
      serviceTable.row(svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } }), NOW),
      ['svc', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '2d', 'app=web'],
    )
  })
  it('NodePort ports and externalIPs', () => {
    const cells = serviceTable.row(
      svc({
        type: 'NodePort',
        clusterIP: '10.96.0.11',
        externalIPs: ['1.2.3.4'],
        ports: [
          { port: 80, protocol: 'TCP', nodePort: 30080 },
          { port: 443, protocol: 'TCP', nodePort: 30443 },
        ],
      }),
      NOW,
    )
    assert.deepEqual(cells.slice(1, 5), ['NodePort', '10.96.0.11', '1.2.3.4', '80:30080/TCP,443:30443/TCP'])
    assert.equal(cells[6], '<none>')
  })
  it('LoadBalancer: <pending>, ingress IPs sorted, plus externalIPs; never clipped (the server prints wide)', () => {
    const ports = [{ port: 80, protocol: 'TCP' }, { port: 8090, protocol: 'UDP' }, { port: 8000, protocol: 'TCP' }, { port: 7777, protocol: 'SCTP' }]
    assert.deepEqual(serviceTable.row(svc({ type: 'LoadBalancer', clusterIPs: ['1.3.4.5'], ports }), NOW).slice(2, 5), ['1.3.4.5', '<pending>', '80/TCP,8090/UDP,8000/TCP,7777/SCTP'])
    const lb = { loadBalancer: { ingress: [{ ip: '3.4.5.6' }, { ip: '2.3.4.5' }, { ip: '5.6.7.8', hostname: 'host5678' }, { hostname: 'lb.example.com' }] } }
    assert.equal(serviceTable.row(svc({ type: 'LoadBalancer', clusterIPs: ['1.5.6.7'], ports }, lb), NOW)[3], '2.3.4.5,3.4.5.6,5.6.7.8,lb.example.com')
    assert.equal(
      serviceTable.row(svc({ type: 'LoadBalancer', clusterIPs: ['1.5.6.7'], externalIPs: ['9.9.9.9'] }, { loadBalancer: { ingress: [{ ip: '2.3.4.5' }] } }), NOW)[3],
      '2.3.4.5,9.9.9.9',
    )
  })
  it('ExternalName and headless', () => {
    const cells = serviceTable.row(svc({ type: 'ExternalName', externalName: 'db.example.com' }), NOW)
    assert.deepEqual(cells.slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>'])
    assert.equal(serviceTable.row(svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] }), NOW)[2], 'None')
  })
  it('defaults: no type means ClusterIP, no protocol means TCP', () => {
    assert.deepEqual(serviceTable.row(svc({ clusterIP: '10.0.0.1', ports: [{ port: 53 }] }), NOW).slice(1, 5), ['ClusterIP', '10.0.0.1', '<none>', '53/TCP'])
    assert.deepEqual(serviceTable.row({ metadata: { name: 'x' } }, NOW), ['x', 'ClusterIP', '<none>', '<none>', '<none>', '<unknown>', '<none>'])
  })
})

describe('events', () => {
  const event = (o: any): KubeObject => ({
    metadata: { name: 'web-1.17a2b3c4d5e6f789', namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{c}' },
    reason: 'Pulled',
    message: 'Container image "nginx" already present on machine\n',
    type: 'Normal',
    source: { component: 'kubelet', host: 'node1' },
    firstTimestamp: ago(10 * M),
    lastTimestamp: ago(30 * S),
    count: 4,
    ...o,
  })
  it('a core/v1 event, all cells', () => {
    assert.deepEqual(eventTable.row(event({}), NOW), [
      '30s',
      'Normal',
      'Pulled',
      'pod/web-1',
      'spec.containers{c}',
      'kubelet, node1',
      'Container image "nginx" already present on machine',
      '10m',
      4,
      'web-1.17a2b3c4d5e6f789',
    ])
    assert.deepEqual(narrow(eventTable, eventTable.row(event({}), NOW)), ['30s', 'Normal', 'Pulled', 'pod/web-1', 'Container image "nginx" already present on machine'])
  })
  it('an events.k8s.io-style event: eventTime, no count, reportingComponent', () => {
    const cells = eventTable.row(
      event({
        firstTimestamp: null,
        lastTimestamp: null,
        count: undefined,
        eventTime: agoMicro(2 * M + 5 * S),
        source: {},
        reportingComponent: 'default-scheduler',
        reportingInstance: 'default-scheduler-node1',
      }),
      NOW,
    )
    assert.deepEqual([cells[0], cells[5], cells[7], cells[8]], ['2m5s', 'default-scheduler, default-scheduler-node1', '2m5s', 1])
  })
  it('a series: last seen from series.lastObservedTime, count from series.count', () => {
    const cells = eventTable.row(event({ series: { count: 7, lastObservedTime: agoMicro(3 * S) } }), NOW)
    assert.deepEqual([cells[0], cells[8]], ['3s', 7])
  })
  it('OBJECT is the kind alone without a name; source without a host', () => {
    const cells = eventTable.row(event({ involvedObject: { kind: 'Node' }, source: { component: 'kubelet' } }), NOW)
    assert.deepEqual([cells[3], cells[5]], ['node', 'kubelet'])
  })
  it('missing times print <unknown>', () => {
    const cells = eventTable.row({ metadata: { name: 'e' } }, NOW)
    assert.deepEqual(cells, ['<unknown>', '', '', '', '', '', '', '<unknown>', 1, 'e'])
  })
})

describe('endpoints', () => {
  const ep = (subsets: any): KubeObject => ({ metadata: { name: 'web', creationTimestamp: ago(59 * S) }, subsets })
  it('<none> without subsets', () => {
    assert.deepEqual(endpointsTable.row(ep(undefined), NOW), ['web', '<none>', '59s'])
    assert.deepEqual(endpointsTable.row(ep([]), NOW), ['web', '<none>', '59s'])
  })
  it('ip:port pairs, at most three, then + N more...', () => {
    assert.equal(endpointsTable.row(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }]), NOW)[1], '10.0.0.1:80,10.0.0.2:80')
    assert.equal(
      endpointsTable.row(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }]), NOW)[1],
      '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    )
    assert.equal(
      endpointsTable.row(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }] }]), NOW)[1],
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...',
    )
  })
  it('headless subsets without ports list bare IPs; IPv6 in brackets', () => {
    assert.equal(endpointsTable.row(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }]), NOW)[1], '10.0.0.1,10.0.0.2')
    assert.equal(endpointsTable.row(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }]), NOW)[1], '[fd00::1]:80')
  })
  it('subsets with only notReadyAddresses print empty', () => {
    assert.equal(endpointsTable.row(ep([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]), NOW)[1], '')
  })
})

describe('deployments and replicasets', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'side', image: 'busybox' }] } }
  it('deployment', () => {
    const d: KubeObject = {
      metadata: { name: 'web', creationTimestamp: ago(10 * D) },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 },
    }
    assert.deepEqual(deploymentTable.row(d, NOW), ['web', '2/3', 3, 2, '10d', 'nginx,side', 'nginx:1.25,busybox', 'app=web'])
  })
  it('deployment without status, replicas defaulting to 1, selector with expressions', () => {
    const d: KubeObject = {
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] } },
    }
    assert.deepEqual(deploymentTable.row(d, NOW), ['web', '0/1', 0, 0, '<unknown>', '', '', 'app=web,tier in (be,fe)'])
  })
  it('deployment selector: empty prints "", invalid prints <invalid>', () => {
    assert.equal(deploymentTable.row({ metadata: { name: 'd' }, spec: {} }, NOW)[7], '')
    assert.equal(deploymentTable.row({ metadata: { name: 'd' }, spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] } } }, NOW)[7], '<invalid>')
  })
  it('scaled to zero', () => {
    assert.equal(deploymentTable.row({ metadata: { name: 'd' }, spec: { replicas: 0 } }, NOW)[1], '0/0')
  })
  it('replicaset', () => {
    const rs: KubeObject = {
      metadata: { name: 'web-5d78f6c8b9', creationTimestamp: ago(2 * H + 10 * M) },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d78f6c8b9' } }, template },
      status: { replicas: 3, readyReplicas: 1 },
    }
    assert.deepEqual(replicaSetTable.row(rs, NOW), ['web-5d78f6c8b9', 3, 3, 1, '130m', 'nginx,side', 'nginx:1.25,busybox', 'app=web,pod-template-hash=5d78f6c8b9'])
  })
  it('replicaset selector: <none> when missing or empty (FormatLabelSelector)', () => {
    assert.deepEqual(replicaSetTable.row({ metadata: { name: 'rs' } }, NOW), ['rs', 1, 0, 0, '<unknown>', '', '', '<none>'])
    assert.equal(replicaSetTable.row({ metadata: { name: 'rs' }, spec: { selector: {} } }, NOW)[7], '<none>')
  })
})

describe('small kinds', () => {
  it('namespace', () => {
    assert.deepEqual(namespaceTable.row({ metadata: { name: 'default', creationTimestamp: ago(400 * D) }, status: { phase: 'Active' } }, NOW), ['default', 'Active', '400d'])
    assert.deepEqual(namespaceTable.row({ metadata: { name: 'x', deletionTimestamp: ago(1) }, status: { phase: 'Terminating' } }, NOW), ['x', 'Terminating', '<unknown>'])
    assert.deepEqual(namespaceTable.row({ metadata: { name: 'y' } }, NOW), ['y', '', '<unknown>'])
  })
  it('configmap counts data and binaryData', () => {
    assert.deepEqual(configMapTable.row({ metadata: { name: 'cm', creationTimestamp: ago(0) }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, NOW), ['cm', 3, '0s'])
    assert.deepEqual(configMapTable.row({ metadata: { name: 'empty' } }, NOW), ['empty', 0, '<unknown>'])
  })
  it('secret', () => {
    assert.deepEqual(
      secretTable.row({ metadata: { name: 's', creationTimestamp: ago(3 * H) }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }, NOW),
      ['s', 'kubernetes.io/tls', 2, '3h'],
    )
    assert.deepEqual(secretTable.row({ metadata: { name: 's' } }, NOW), ['s', '', 0, '<unknown>'])
  })
  it('serviceaccount', () => {
    assert.deepEqual(serviceAccountTable.row({ metadata: { name: 'default', creationTimestamp: ago(2 * M) } }, NOW), ['default', 0, '2m'])
    assert.deepEqual(serviceAccountTable.row({ metadata: { name: 'sa' }, secrets: [{ name: 'sa-token' }] }, NOW), ['sa', 1, '<unknown>'])
  })
  it('lease', () => {
    assert.deepEqual(
      leaseTable.row({ metadata: { name: 'node1', creationTimestamp: ago(10 * D) }, spec: { holderIdentity: 'node1', renewTime: agoMicro(1 * S) } }, NOW),
      ['node1', 'node1', '10d'],
    )
    assert.deepEqual(leaseTable.row({ metadata: { name: 'l' } }, NOW), ['l', '', '<unknown>'])
  })
  it('default (CRD) table', () => {
    assert.deepEqual(defaultTable.row({ metadata: { name: 'thing', creationTimestamp: ago(59 * S) } }, NOW), ['thing', '59s'])
    assert.deepEqual(defaultTable.row({ metadata: { name: 'thing' } }, NOW), ['thing', null])
    assert.deepEqual(defaultTable.row({ metadata: { name: 'thing', creationTimestamp: 'garbage' } }, NOW), ['thing', '<invalid>'])
  })
})

describe('ages as kubectl shows them', () => {
  const ageOf = (ms: number) => namespaceTable.row({ metadata: { name: 'n', creationTimestamp: ago(ms) } }, NOW)[2]
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [59 * S, '59s'],
    [2 * M, '2m'],
    [3 * H, '3h'],
    [2 * D, '2d'],
    [10 * D, '10d'],
    [3 * 365 * D, '3y'],
  ]
  for (const [ms, want] of cases) it(want, () => assert.equal(ageOf(ms), want))
  it('a creation time slightly in the future is 0s', () => {
    assert.equal(namespaceTable.row({ metadata: { name: 'n', creationTimestamp: new Date(NOW.getTime() + 1000).toISOString() } }, NOW)[2], '0s')
  })
})
